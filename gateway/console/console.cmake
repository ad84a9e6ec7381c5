# The site console (docs/console.md), built only with libmicrohttpd (like the metrics
# endpoint). Its web page is embedded: gateway/embed.cmake turns every file under web/ into a
# C array at build time, so the binary carries the page and no file can be lost on an
# upgrade; there is no npm, no CDN and no other build step.
file(GLOB_RECURSE console_web CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/gateway/console/web/*)
set(console_assets_c ${CMAKE_BINARY_DIR}/console_assets.c)
add_custom_command(OUTPUT ${console_assets_c}
  COMMAND ${CMAKE_COMMAND} -DDIR=${CMAKE_SOURCE_DIR}/gateway/console/web -DOUT=${console_assets_c}
          -DSYMBOL=console_assets -P ${CMAKE_SOURCE_DIR}/gateway/embed.cmake
  DEPENDS ${console_web} ${CMAKE_SOURCE_DIR}/gateway/embed.cmake
  COMMENT "console: embedding the web page")
file(GLOB console_srcs CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/gateway/console/console_*.c)
add_library(rg_console STATIC ${console_srcs} ${console_assets_c})
target_link_libraries(rg_console PUBLIC rg_metrics rg_http rg_config rg_base PkgConfig::SQLITE)
# libmicrohttpd's and libcrypto's headers only: both are opened when the console starts.
target_include_directories(rg_console PRIVATE ${MHD_INCLUDE_DIRS} ${CRYPTO_INCLUDE_DIRS})

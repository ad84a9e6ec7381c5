# The benchmark's own programs (`make bench`, bench/run.sh) and its smoke test.
# Included from the top-level CMakeLists.txt. bench_store is registered by the
# store module (tests/unit/store.cmake) and bench_rules by the rules module.
find_library(PAHO_MQTT3C paho-mqtt3c)     # Paho's synchronous client: no thread of its own
if(NOT PAHO_MQTT3C)
  message(STATUS "bench: libpaho-mqtt3c not found; the benchmark programs are not built")
  return()
endif()

add_library(bench_common STATIC ${CMAKE_SOURCE_DIR}/bench/bench_mqtt.c
                                ${CMAKE_SOURCE_DIR}/bench/bench_modbus_open.c
                                ${CMAKE_SOURCE_DIR}/bench/bench_stats.c
                                ${CMAKE_SOURCE_DIR}/bench/bench_bare_common.c)
target_link_libraries(bench_common PUBLIC ${PAHO_MQTT3C} PkgConfig::MODBUS PkgConfig::CJSON
                                          Threads::Threads m)

# bench_add(NAME LIBS...): bench/NAME.c linked with the shared part and LIBS.
function(bench_add name)
  add_executable(${name} ${CMAKE_SOURCE_DIR}/bench/${name}.c)
  target_link_libraries(${name} PRIVATE bench_common ${ARGN})
endfunction()

bench_add(bench_sub)
bench_add(bench_bare)
bench_add(bench_bare_mux)
bench_add(bench_modbus)
bench_add(bench_alarm)
bench_add(bench_startup)
bench_add(bench_fsync)
# bench/sync_overtaken.sh's writer: plain libc, none of the shared part.
add_executable(bench_sync_overtaken ${CMAKE_SOURCE_DIR}/bench/bench_sync_overtaken.c)
target_link_libraries(bench_sync_overtaken PRIVATE Threads::Threads)
if(TARGET rg_core)
  bench_add(bench_drain rg_core)
endif()

# Smoke test of the default suite: the quick mode's smallest case (10 devices,
# a few seconds) must run and produce numbers. It asserts nothing about speed.
if(TARGET riskgw AND TARGET riskgw-sim)
  rg_script_test(bench_smoke bench/smoke.sh)
endif()

# The site console's pure parts (gateway/console/): passwords, sessions and lock-out
# against libcrypto, the routing table with the embedded page, trends and the event log
# from a real store file, and its config section
# (a build without libmicrohttpd has no console and refuses the section).
if(TARGET rg_console)
  rg_unit_test(test_console_auth rg_console)
  rg_unit_test(test_console_route rg_console)
  rg_unit_test(test_config_console rg_config)
  rg_unit_test(test_console_history rg_console rg_store)
  target_include_directories(test_console_history PRIVATE ${MHD_INCLUDE_DIRS})
endif()

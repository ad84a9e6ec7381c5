# systemd integration: the watchdog's progress test and the sd_notify messages
# (gateway/core_watchdog.c, gateway/core_notify.c).
if(TARGET rg_core)
  rg_unit_test(test_watchdog rg_core)
  rg_unit_test(test_notify rg_core)
endif()

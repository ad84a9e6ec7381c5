# End-to-end tests: real simulator, real gateway, real mosquitto, real SQLite file.
if(TARGET riskgw AND TARGET riskgw-sim)
  foreach(t test_gas_alarm test_alarm_lifecycle test_reload test_outage test_http_uplinks
            test_disk_full test_site_rules test_watchdog_e2e test_minute_aggregates
            test_telemetry_steady test_telemetry_on_change test_detector_fault test_telemetry_outage
            test_still_minutes)
    rg_script_test(${t} tests/integration/${t}.sh)
  endforeach()
endif()
# Local outputs: a siren module driven by a gas alarm, over Modbus TCP and over RTU (a pty).
if(TARGET riskgw AND TARGET riskgw-sim)
  foreach(t test_local_outputs test_local_outputs_rtu)
    rg_script_test(${t} tests/integration/${t}.sh)
  endforeach()
endif()
# Issue 21: every config example in the docs loads; the documented site rules run
# against the shipped scenarios.
if(TARGET riskgw AND TARGET riskgw-sim)
  foreach(t test_doc_examples test_example_rules)
    rg_script_test(${t} tests/integration/${t}.sh)
  endforeach()
endif()
# The site console in a real browser (headless Chromium, chromedriver, selenium).
if(TARGET riskgw AND TARGET riskgw-sim AND TARGET rg_console)
  rg_script_test(test_console tests/integration/test_console.sh)
endif()
# Issue 17: console answers go out without a copy per request, and are let go of when no
# page looks (page faults and anonymous memory; not under ASan, whose quarantine keeps
# freed memory resident).
if(TARGET riskgw AND TARGET riskgw-sim AND TARGET rg_console AND NOT RISKGW_SANITIZE)
  rg_script_test(test_console_cost tests/integration/test_console_cost.sh)
endif()
# Issue 17: what one more device costs in private memory (two site sizes in one run).
# Not in an ASan build: its shadow memory and redzones are most of what it would measure.
if(TARGET riskgw AND TARGET riskgw-sim AND NOT RISKGW_SANITIZE)
  rg_script_test(test_memory_per_device tests/integration/test_memory_per_device.sh)
endif()

# The technician's tools (riskgw scan, check, test-alarm, report) against the real
# simulator, gateway, mosquitto, SQLite file and headless Chromium.
if(TARGET riskgw AND TARGET riskgw-sim)
  foreach(t test_tool_scan test_tool_check_fail test_tool_commission)
    rg_script_test(${t} tests/integration/${t}.sh)
  endforeach()
endif()

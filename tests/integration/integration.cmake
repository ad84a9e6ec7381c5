# End-to-end tests: real simulator, real gateway, real mosquitto, real SQLite file.
if(TARGET riskgw AND TARGET riskgw-sim)
  rg_script_test(test_gas_alarm tests/integration/test_gas_alarm.sh)
endif()
if(TARGET riskgw AND TARGET riskgw-sim)
  rg_script_test(test_alarm_lifecycle tests/integration/test_alarm_lifecycle.sh)
endif()

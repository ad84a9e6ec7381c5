# Interface v1 payloads (the core's wire format) and the command parser.
if(TARGET rg_core)
  rg_unit_test(test_payload rg_core)
  rg_unit_test(test_command_parse rg_core)
endif()
# The health report rendered as Prometheus text (the metrics endpoint's content).
if(TARGET rg_core)
  rg_unit_test(test_status_metrics rg_core)
endif()

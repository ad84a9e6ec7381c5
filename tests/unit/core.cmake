# Interface v1 payloads (the core's wire format) and the command parser.
if(TARGET rg_core)
  rg_unit_test(test_payload rg_core)
  rg_unit_test(test_command_parse rg_core)
endif()

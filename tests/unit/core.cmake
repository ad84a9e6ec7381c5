# Interface v1 payloads (the core's wire format).
if(TARGET rg_core)
  rg_unit_test(test_payload rg_core)
endif()

# Unit tests of the pure Modbus driver layer (rg_drivers): decoding, PDU codec, batch planning, RTU timing.
rg_unit_test(test_decode rg_drivers)
rg_unit_test(test_pdu rg_drivers)
rg_unit_test(test_batch rg_drivers)
rg_unit_test(test_rtu_timing rg_drivers)
# Writes of one point: the codec, and a round trip through the simulator's responder.
if(TARGET rg_sim)
  rg_unit_test(test_pdu_write rg_sim rg_drivers)
endif()

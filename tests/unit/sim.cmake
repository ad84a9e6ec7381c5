# The simulator's tests: the responder, the scenario engine, the device tables,
# and riskgw-sim itself as a process, read by independent Modbus masters (mbpoll)
# and by small clients built on the gateway's own MBAP and PDU code.

rg_unit_test(test_sim_scenario rg_sim)
rg_unit_test(test_sim_device rg_sim)
rg_unit_test(test_sim_respond rg_sim)
rg_script_test(test_sim_mbpoll tests/integration/test_sim_mbpoll.sh)

# Tests that start riskgw-sim as a child process and talk to it over real
# sockets and pseudo-terminals.
foreach(t test_sim_faults test_sim_rtu)
  rg_unit_test(${t} rg_sim)
  target_compile_definitions(${t} PRIVATE SIM_BINARY="$<TARGET_FILE:riskgw-sim>")
  add_dependencies(${t} riskgw-sim)
endforeach()
rg_script_test(test_sim_site tests/integration/test_sim_site.sh)

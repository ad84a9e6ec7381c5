# The simulator's tests: the scenario engine, the device tables, and riskgw-sim
# read by an independent Modbus master (mbpoll).
rg_unit_test(test_sim_scenario rg_sim)
rg_unit_test(test_sim_device rg_sim)
rg_script_test(test_sim_mbpoll tests/integration/test_sim_mbpoll.sh)

# The alarm rule engine's unit tests (module rg_rules): pure functions, injected clock.
rg_unit_test(test_rules rg_rules)
rg_unit_test(test_rules_fault rg_rules)
rg_unit_test(test_rules_acts rg_rules)
rg_unit_test(test_rules_parse rg_rules)
rg_unit_test(test_outputs rg_rules)
rg_unit_test(test_rules_stale rg_rules)

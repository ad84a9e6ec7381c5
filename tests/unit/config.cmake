# Config loading and validation: good files, and the exact error for bad ones.
rg_unit_test(test_config rg_config)
rg_unit_test(test_config_outputs rg_config)
# The "metrics" section (refused outright by a build without the endpoint).
rg_unit_test(test_config_metrics rg_config)

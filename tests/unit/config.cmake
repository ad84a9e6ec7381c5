# Config loading and validation: good files, and the exact error for bad ones.
rg_unit_test(test_config rg_config)
rg_unit_test(test_config_outputs rg_config)
# The "metrics" section (refused outright by a build without the endpoint).
rg_unit_test(test_config_metrics rg_config)
# The setpoint guard: every way around GB/T 50493's levels and GB 16808's delay is refused.
rg_unit_test(test_setpoint_guard rg_config)
# "mqtt.uri": one broker or the nodes of a cluster.
rg_unit_test(test_config_mqtt_uri rg_config)

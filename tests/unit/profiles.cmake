# The shipped device profiles (drivers/profiles/*.json): each loads, keeps its
# registers apart, keeps its alarms plausible and within the gas standards, and
# matches the register tables in docs/drivers.md.
rg_unit_test(test_profiles rg_config)

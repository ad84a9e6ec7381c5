# Log lines and their per-site rate limit (gateway/log.c), with a test clock; steps of the wall clock.
rg_unit_test(test_log rg_base)
rg_unit_test(test_clock_step rg_base)
# The recent-durations ring behind the health report's sync and alarm latency figures.
rg_unit_test(test_durations rg_base)

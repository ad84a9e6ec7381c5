# Log lines and their per-site rate limit (gateway/log.c), with a test clock.
rg_unit_test(test_log rg_base)

# The bounded hand-over between threads (gateway/queue.c): order, overflow, doorbell, threads.
rg_unit_test(test_queue rg_base)

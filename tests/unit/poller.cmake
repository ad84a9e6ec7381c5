# Unit tests of the bus pollers (rg_poller) against real sockets and pseudo-terminals, and of their schedule.
rg_unit_test(test_poller_tcp rg_poller)
rg_unit_test(test_poller_rtu rg_poller)
rg_unit_test(test_poller_schedule rg_poller)
rg_unit_test(test_poller_phase rg_poller)
rg_unit_test(test_poller_fds rg_poller)
rg_unit_test(test_poller_write rg_poller)
rg_unit_test(test_poller_memory rg_poller)

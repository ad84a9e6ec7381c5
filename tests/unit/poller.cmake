# Unit tests of the bus pollers (rg_poller) against real sockets and pseudo-terminals.
rg_unit_test(test_poller_tcp rg_poller)
rg_unit_test(test_poller_rtu rg_poller)
rg_unit_test(test_poller_fds rg_poller)
rg_unit_test(test_poller_write rg_poller)

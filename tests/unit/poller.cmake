# Unit tests of the bus pollers (rg_poller) against real sockets and pseudo-terminals, and of their schedule.
rg_unit_test(test_poller_tcp rg_poller)
rg_unit_test(test_poller_rtu rg_poller)
rg_unit_test(test_poller_schedule rg_poller)
rg_unit_test(test_poller_phase rg_poller)
rg_unit_test(test_poller_fds rg_poller)
rg_unit_test(test_poller_write rg_poller)
# Counts glibc's heap (mallinfo2); a sanitizer's allocator keeps its own books.
if(NOT RISKGW_SANITIZE AND NOT RISKGW_FUZZ)
  rg_unit_test(test_poller_memory rg_poller)
endif()

# Fault tests (docs/security.md, "Fault tests"): real processes on loopback, each
# a real fault: a broker that flaps for a minute, a broker of two killed under the
# gateway (failover), kill -9 twenty times, a power cut on a loop-device
# filesystem, a storage card turned read-only or dead and mounted again
# (test_store_card), wall-clock jumps under libfaketime, a broker
# ACL against forged commands, and the drop from root to the service user.
# test_power_cut, test_store_card and test_privilege_drop need root (CI runs as root) and fail,
# never skip, without it. Labelled "faults", not "integration": make
# test-cross-e2e leaves them out, since libfaketime cannot reach a program under
# qemu-user and their timings are set for native speed.
# The soak (bench/soak.sh, an hour) is not here: `make soak`.
if(TARGET riskgw AND TARGET riskgw-sim)
  # An alarm's WAL sync failing while its writes succeed (test_store_sync_fail), by LD_PRELOAD.
  add_library(wal_sync_fail MODULE ${CMAKE_SOURCE_DIR}/tests/lib/wal_sync_fail.c)
  target_link_libraries(wal_sync_fail PRIVATE ${CMAKE_DL_LIBS})
  foreach(t test_broker_flap test_broker_failover test_kill9 test_power_cut test_store_card test_clock_jump test_mqtt_acl
            test_privilege_drop test_store_sync_fail)
    rg_script_test(${t} tests/integration/${t}.sh)
    set_tests_properties(${t} PROPERTIES LABELS faults)
  endforeach()
endif()

# The store and the outbox scheduler: unit tests on real SQLite files (one through a
# VFS whose sync fails on demand, one on telemetry seqs reserved across restarts),
# and the samples/s benchmark (bench/bench_store.c, run by hand or by `make bench`).
rg_unit_test(test_store rg_store)
rg_unit_test(test_outbox rg_outbox rg_store)
add_executable(bench_store ${CMAKE_SOURCE_DIR}/bench/bench_store.c)
target_link_libraries(bench_store PRIVATE rg_store)
rg_unit_test(test_store_retention rg_store)
rg_unit_test(test_store_sync rg_store)
rg_unit_test(test_store_seq rg_store)
rg_unit_test(test_store_reopen rg_store)    # writes failing with EIO (a VFS), the file deleted or replaced
rg_unit_test(test_store_history rg_store)
rg_unit_test(test_store_telemetry_mem rg_store)
rg_unit_test(test_store_unsynced rg_store)  # a commit whose sync failed: not stored until a sync proves it
rg_unit_test(test_store_sync_overtaken rg_store)  # a sync that returned 0 as the card died (ext4 on a loop device; root)
rg_unit_test(test_store_stage rg_store)  # samples staged in memory: not in an alarm's synced commit, not lost to a failed commit, a card outage or a clean stop

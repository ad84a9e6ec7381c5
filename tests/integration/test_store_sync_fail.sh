#!/usr/bin/env bash
# The card takes the writes of an alarm's commit but its sync fails (EIO on the
# WAL's fdatasync, from tests/lib/wal_sync_fail.c under LD_PRELOAD): the commit may
# never be on the medium, so the alarm counts as unstored. It reaches the platform at
# once with "stored": false, never with a seq while the sync fails, with one
# STORE_FAILED; once syncs succeed it follows with its seq, stored exactly once (its
# rows survived: not stored again), and everything announced with a seq is in the
# store. No root needed: the medium is the test directory.
set -euo pipefail
BUILD=${1:?usage: test_store_sync_fail.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
harness_init

preload=$BUILD/libwal_sync_fail.so
[ -f "$preload" ] || fail "$preload is not built (tests/integration/faults.cmake)"
db=$WORK/riskgw.db
flag=$WORK/wal-sync-fails
mq_port=$(free_port)
start_mosquitto "$mq_port"
faults_subscribe "$mq_port"
start_gas_sim
faults_plant "$mq_port" "$db" \
    "[{\"id\": \"gas9\", \"profile\": \"gas_lel\", \"host\": \"127.0.0.1\", \"port\": $SIM_PORT, \"interval_ms\": 200,
       \"points\": [{\"id\": \"lel\", \"alarm\": {\"latch\": false}}]}]"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD=$preload RISKGW_WAL_SYNC_FAIL=$flag \
    start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "gateway did not connect"
sleep 2
raised_rows() {
    sqlite3 -cmd '.timeout 5000' "$db" "SELECT count(*) FROM events e JOIN points p ON p.point_key = e.point_key
                                        WHERE p.device = 'gas9' AND e.kind = 'RAISED';"
}
rows_before=$(raised_rows)
seqs_before=$(faults_stored_count RAISED gas9)

touch "$flag"
sim_say "set lel 60"
faults_wait_unstored RAISED gas9 10 || fail "the alarm whose sync failed did not reach the platform at once as unstored"
faults_wait_unstored STORE_FAILED "" 10 || fail "STORE_FAILED was not announced"
grep -q "syncing the WAL failed" "$WORK/gw.log" || fail "the sync never failed: is the preload library working?"
sleep 3
[ "$(faults_stored_count RAISED gas9)" = "$seqs_before" ] ||
    fail "the alarm was sent with a seq while its commit was not synced"

rm -f "$flag"
faults_wait_stored STORE_RECOVERED "" 1 20 || fail "the store did not recover once syncs succeeded"
faults_wait_stored RAISED gas9 $((seqs_before + 1)) 10 || fail "the alarm never followed with its seq"
[ "$(faults_stored_count STORE_FAILED)" = 1 ] || fail "$(faults_stored_count STORE_FAILED) STORE_FAILED events for one failure"
rows_after=$(raised_rows)
[ "$rows_after" = $((rows_before + 1)) ] ||
    fail "the alarm is stored $((rows_after - rows_before)) times (its rows survived the failed sync)"
faults_check_delivered "$WORK/sub.log" "$db" 30
kill -TERM "$gw"
wait "$gw" || fail "the gateway did not stop cleanly"
echo "PASS: an alarm whose sync failed went out unstored at once, then with its seq once the sync held," \
     "stored once ($FAULTS_EVENTS events checked)"

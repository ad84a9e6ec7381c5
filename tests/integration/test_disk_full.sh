#!/usr/bin/env bash
# A full disk under a running gateway (a real 2 MiB tmpfs). Polling and alarm
# decisions go on; the alarm reaches the platform at once marked "stored": false;
# the health report says the store cannot write and why; when space returns the
# store recovers by itself and the same event arrives again with its seq.
# Needs root to mount the tmpfs (CI and `make test` run as root).
set -euo pipefail
BUILD=${1:?usage: test_disk_full.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init
[ "$(id -u)" = 0 ] || fail "this test mounts a tmpfs and must run as root"
mkdir "$WORK/disk"
mount -t tmpfs -o size=2m tmpfs "$WORK/disk" || fail "cannot mount a tmpfs on $WORK/disk"
at_exit 'umount -l "$WORK/disk" 2>/dev/null'


mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
start_sub health mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/health"
start_gas_sim
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "status_interval_s": 1,
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
 "store": {"path": "$WORK/disk/riskgw.db", "commit_interval_ms": 200},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": 100}]}
JSON
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "gateway did not connect"
sleep 1

# ---- fill the disk ----
dd if=/dev/zero of="$WORK/disk/filler" bs=4k 2>/dev/null || true
sim_say "set lel 60"
wait_for_line "$WORK/events.log" '"stored":false.*"point":"lel"' 10 || fail "the alarm did not reach the platform while the disk was full"
grep '"stored":false.*"point":"lel"' "$WORK/events.log" | head -1 | jq -e '.kind == "RAISED" and .level == "level2" and (has("seq") | not)' >/dev/null \
  || fail "the unstored announcement is wrong: $(head -1 "$WORK/events.log")"
grep '"stored":false' "$WORK/events.log" | jq -s -e 'any(.[]; .kind == "STORE_FAILED" and .level == "store" and (has("point") | not)
    and (.detail | test("the storage card is full")))' >/dev/null \
  || fail "the store fault was not reported as a gateway event: $(cat "$WORK/events.log")"
wait_for_line "$WORK/gw.log" "store: the storage card is full.*[0-9]+ events are kept in memory until the store writes again" 10 \
  || fail "the store fault was not logged"
# The health report cannot be written to the full disk, but it still goes out on MQTT;
# two events wait for the disk: the store's own fault and the alarm.
# (A report may go out between the two, when the store failed on a routine commit
# before the alarm came: wait for the one that counts both.)
wait_for_line "$WORK/health.log" '"waiting_for_disk":2' 10 || fail "health does not report both waiting events: $(tail -1 "$WORK/health.log")"
grep '"waiting_for_disk":2' "$WORK/health.log" | tail -1 | jq -e '.store.ok == false
    and (.store.error | test("full")) and .store.trouble == "full"' >/dev/null || fail "health fault report: $(tail -1 "$WORK/health.log")"
seen1=$(grep '"ok":false' "$WORK/health.log" | tail -1 | jq '.samples.seen')
kill -0 "$gw" || fail "the gateway died on a full disk"

# ---- space returns ----
rm -f "$WORK/disk/filler"
wait_for_line "$WORK/gw.log" "store: writing again after [0-9]+ s; 2 events kept in memory are now on disk" 10 \
  || fail "the store did not recover by itself"
wait_for_line "$WORK/events.log" '"kind":"STORE_RECOVERED"' 10 || fail "the store's recovery was not reported"
# The held events follow with their seqs, then the recovery. The store's fault comes
# first or second: it is found by whichever commit fails first, the alarm's or the timer's.
sleep 0.5
got=$(grep '"seq"' "$WORK/events.log" | jq -r -s 'unique_by(.seq) | .[] | "\(.seq):\(.kind):\(.level)"' | paste -sd' ')
case "$got" in
  "1:STORE_FAILED:store 2:RAISED:level2 3:STORE_RECOVERED:store"|"1:RAISED:level2 2:STORE_FAILED:store 3:STORE_RECOVERED:store") ;;
  *) fail "stored events that followed: $got" ;;
esac
# In a fresh store every event is sent once, so event ids and event seqs coincide.
stored=$(sqlite3 "$WORK/disk/riskgw.db" "SELECT id || ':' || kind || ':' || level FROM events ORDER BY id;" | paste -sd' ')
[ "$stored" = "$got" ] || fail "the events in the store ($stored) differ from those sent ($got)"
sleep 1.5
health_report "$WORK/site.json" >"$WORK/report.json"
jq -e '.store.ok == true and .events.waiting_for_disk == 0' "$WORK/report.json" >/dev/null \
  || fail "health still reports the store failing: $(cat "$WORK/report.json")"
seen2=$(jq '.samples.seen' "$WORK/report.json")
[ "$seen2" -gt "$seen1" ] || fail "polling did not go on ($seen1 -> $seen2 samples)"
echo "PASS: alarm announced while the disk was full, stored and sent with its seq after recovery"

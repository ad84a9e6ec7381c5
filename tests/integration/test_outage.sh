#!/usr/bin/env bash
# Store-and-forward through a broker outage and a kill -9 in the middle of the
# drain. The broker is stopped while the simulator keeps changing the gas value
# (alarms and telemetry are decided and stored meanwhile); when it returns,
# every event and every telemetry message arrives, in order within each class,
# with no gap in seq. Then the gateway is SIGKILLed while draining a backlog and
# restarted: nothing is lost, and the only duplicates are re-sends of the same seq
# (telemetry skips the seqs each start after a kill says it skips: tests/lib/telemetry.sh).
set -euo pipefail
BUILD=${1:?usage: test_outage.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/telemetry.sh"
harness_init

mq_port=$(free_port)
base=riskgw/v1/ent-test/gw-test
# The platform's side: a broker that keeps sessions across its restarts, and one
# subscriber with a persistent session that reconnects by itself, so it also gets
# what the gateway sends while the subscriber is still reconnecting.
broker() { start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"; }
broker
start_bg sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -c -i riskgw-test-sub -v \
    -t "$base/event/#" -t "$base/telemetry/#"
wait_subscribed "$BG_PID" || fail "the subscriber was not subscribed within 10 s; see $WORK/sub.log"

start_gas_sim
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port", "reconnect_min_ms": 200, "reconnect_max_ms": 1000},
 "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 200},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": 100}]}
JSON
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "gateway did not connect"

# ---- outage: the broker goes away while alarms happen ----
stop_mosquitto TERM
wait_for_line "$WORK/gw.log" "uplink mqtt lost" 10 || fail "gateway did not notice the broker going"
for v in 30 60 10 55 3; do sim_say "set lel $v"; sleep 0.7; done
stored_events=$(sqlite3 "$WORK/riskgw.db" "SELECT count(*) FROM events;")
[ "$stored_events" -ge 5 ] || fail "only $stored_events events stored during the outage"
broker
wait_for_line "$WORK/gw.log" "uplink mqtt connected.*" 15 || fail "gateway did not reconnect"

# check_complete LOG: every stored event and telemetry seq arrived, in order per class.
check_complete() {
  local log=$1 n_ev
  n_ev=$(sqlite3 "$WORK/riskgw.db" "SELECT count(*) FROM events;")
  for _ in $(seq 100); do
    got=$(grep -c '/event/' "$log" || true)
    [ "$got" -ge "$n_ev" ] && break
    sleep 0.1
  done
  sed -n 's|^[^ ]*/event/[^ ]* ||p' "$log" | jq -s -e --argjson n "$n_ev" \
     '[.[].seq] | unique == [range(1; $n + 1)]' >/dev/null \
     || fail "events: want seq 1..$n_ev, got $(sed -n 's|^[^ ]*/event/[^ ]* ||p' "$log" | jq -c -s '[.[].seq]')"
  sed -n 's|^[^ ]*/event/[^ ]* ||p' "$log" | jq -s -e '[.[].seq] as $s | $s == ($s | sort)' >/dev/null \
     || fail "events arrived out of order"
  telemetry_check_gaps "$log"
  telemetry_check_reuse "$log"
}
sleep 2
check_complete "$WORK/sub.log"
kinds=$(sed -n 's|^[^ ]*/event/[^ ]* ||p' "$WORK/sub.log" | jq -r -s 'unique_by(.seq) | .[].kind' | paste -sd' ')
echo "after the outage: $kinds"

# ---- kill -9 in the middle of a drain ----
stop_mosquitto TERM
for v in 60 2 60 2 60 2; do sim_say "set lel $v"; sleep 0.5; done
kill -9 "$gw"; wait "$gw" 2>/dev/null || true
broker
start_bg gw2 "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw2.log" "uplink mqtt connected" 15 || fail "gateway did not come back"
sleep 0.3
kill -9 "$gw"; wait "$gw" 2>/dev/null || true     # killed again while the backlog drains
start_bg gw3 "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/gw3.log" "uplink mqtt connected" 15 || fail "gateway did not come back twice"
sleep 3
check_complete "$WORK/sub.log"
dups=$(sed -n 's|^[^ ]*/event/[^ ]* ||p' "$WORK/sub.log" | jq -s 'length - ([.[].seq] | unique | length)')
sed -n 's|^[^ ]*/event/[^ ]* ||p' "$WORK/sub.log" | jq -s -e 'group_by(.seq) | all(.[]; map(.id) | unique | length == 1)' >/dev/null \
  || fail "a duplicate seq carried a different event"
echo "PASS: $(sqlite3 "$WORK/riskgw.db" 'SELECT count(*) FROM events;') events and $(telemetry_lines "$WORK/sub.log" | jq -s '[.[].seq] | unique | length') telemetry messages delivered through an outage and two kill -9s ($dups duplicate re-sends)"

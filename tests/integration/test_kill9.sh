#!/usr/bin/env bash
# kill -9 at random moments of the busy plant, KILL_ROUNDS (20) times in a row,
# with the broker up all along. After every kill the store opens (PRAGMA
# integrity_check is ok), and the restarted gateway restores its alarm state: the
# standing alarm of hold2 and the latched, returned alarm of latch3 are restored
# as they were and never sent again as new. At the end every event the store
# holds has reached the persistent QoS-1 subscriber, by seq and id (duplicates
# are allowed: at-least-once), and telemetry has no gap but the seqs each restart
# says it skipped (tests/lib/telemetry.sh).
set -euo pipefail
BUILD=${1:?usage: test_kill9.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
harness_init

KILL_ROUNDS=${KILL_ROUNDS:-20}
db=$WORK/riskgw.db
mq_port=$(free_port)
start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"
faults_subscribe "$mq_port"
faults_plant "$mq_port" "$db"

# The first run: let both latched alarms be decided (latch3 returns after 3 s at speed 10;
# it then stands latched at severity 0 until reset).
start_bg gw0 "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw0.log" "uplink mqtt connected" 10 || fail "gateway did not connect; see $WORK/gw0.log"
for _ in $(seq 100); do
    [ "$(faults_event_lines "$WORK/sub.log" | jq -s '[.[] | select(.device == "latch3" and .kind == "RETURNED")] | length')" -ge 1 ] && break
    sleep 0.1
done
[ "$(faults_raised "$WORK/sub.log" hold2)" = 1 ] || fail "hold2's alarm was not raised once"
[ "$(faults_raised "$WORK/sub.log" latch3)" = 1 ] || fail "latch3's alarm was not raised once"

for round in $(seq "$KILL_ROUNDS"); do
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + r % 300 / 100 }')"     # 0.3-3.3 s into the run
    kill -9 "$gw"
    wait "$gw" 2>/dev/null || true
    check=$(sqlite3 "$db" "PRAGMA integrity_check;" 2>&1)
    [ "$check" = ok ] || fail "round $round: the store is damaged after kill -9: $check"
    start_bg "gw$round" "$BUILD/riskgw" -c "$WORK/site.json"
    gw=$BG_PID
    log=$WORK/gw$round.log
    wait_for_line "$log" "running:" 10 || fail "round $round: gateway did not start again; see $log"
    grep -q "alarm state of hold2/lel restored: severity 2, latched" "$log" ||
        fail "round $round: the standing alarm of hold2 was not restored: $(grep -i restored "$log")"
    grep -q "alarm state of latch3/lel restored: severity 0, latched" "$log" ||
        fail "round $round: the latched alarm of latch3 was not restored: $(grep -i restored "$log")"
done
wait_for_line "$WORK/gw$KILL_ROUNDS.log" "uplink mqtt connected" 10 || fail "the last gateway did not connect"
faults_check_delivered "$WORK/sub.log" "$db" 30
for dev in hold2 latch3; do
    [ "$(faults_raised "$WORK/sub.log" "$dev")" = 1 ] || fail "$dev's alarm was sent again as new after a kill -9"
    kinds=$(faults_event_lines "$WORK/sub.log" | jq -r -s --arg d "$dev" '[.[] | select(.device == $d)] | unique_by(.seq) | map(.kind) | join(" ")')
    case "$dev:$kinds" in
        "hold2:RAISED" | "latch3:RAISED RETURNED") ;;
        *) fail "$dev: events $kinds; want its alarm once and nothing after the restarts" ;;
    esac
done
echo "PASS: $KILL_ROUNDS kill -9 rounds: store intact every time, alarm state restored every time;" \
     "$FAULTS_EVENTS events ($FAULTS_MESSAGES messages, $((FAULTS_MESSAGES - FAULTS_EVENTS)) re-sends)" \
     "and $FAULTS_TELEMETRY telemetry messages checked, none lost"

#!/usr/bin/env bash
# Broker flapping: mosquitto is restarted every few seconds for a minute while the
# gateway runs the busy plant (alarms and telemetry from every kind of device).
# The gateway must reconnect after every restart, lose nothing (every event in its
# store reaches a persistent QoS-1 subscriber with its seq and id; telemetry has no
# gap), and stay cheap: Paho has a history of 100 % CPU spins after a lost link, so
# the gateway's mean CPU over the run (utime + stime from /proc) must stay under
# FLAP_MAX_CPU_PCT of one core. A spin detector, not a benchmark.
set -euo pipefail
BUILD=${1:?usage: test_broker_flap.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
. "$SRC/bench/lib_proc.sh"
harness_init

FLAP_SECONDS=${FLAP_SECONDS:-60}
FLAP_MAX_CPU_PCT=${FLAP_MAX_CPU_PCT:-20}
RECONNECT_WAIT_S=15                   # the gateway's back-off tops out at 1 s here

mq_port=$(free_port)
broker() { start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"; }
broker
faults_subscribe "$mq_port"
faults_plant "$mq_port" "$WORK/riskgw.db"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "gateway did not connect; see $WORK/gw.log"

connects() { grep -c "uplink mqtt connected" "$WORK/gw.log" || true; }
mark0=$(cpu_mark "$gw")
flaps=0
end=$((SECONDS + FLAP_SECONDS))
while [ "$SECONDS" -lt "$end" ]; do
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1.5 + r % 150 / 100 }')"   # up 1.5-3 s
    before=$(connects)
    stop_mosquitto TERM
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.2 + r % 100 / 100 }')"   # down 0.2-1.2 s
    broker
    for _ in $(seq $((RECONNECT_WAIT_S * 10))); do
        [ "$(connects)" -gt "$before" ] && break
        sleep 0.1
    done
    [ "$(connects)" -gt "$before" ] || fail "gateway did not reconnect after flap $((flaps + 1)); see $WORK/gw.log"
    kill -0 "$gw" 2>/dev/null || fail "gateway died during flap $((flaps + 1)); see $WORK/gw.log"
    flaps=$((flaps + 1))
done
mark1=$(cpu_mark "$gw")
cpu=$(cpu_pct "$mark0" "$mark1")
awk -v c="$cpu" -v m="$FLAP_MAX_CPU_PCT" 'BEGIN { exit !(c < m) }' ||
    fail "gateway used $cpu % of a core on average while the broker flapped (limit $FLAP_MAX_CPU_PCT %): a spin?"

# The broker stays up now: the backlog drains, then the gateway stops cleanly.
faults_check_delivered "$WORK/sub.log" "$WORK/riskgw.db" 30
kill -TERM "$gw"
wait "$gw" || fail "gateway did not stop cleanly after the flapping"
faults_check_delivered "$WORK/sub.log" "$WORK/riskgw.db" 10
[ "$FAULTS_EVENTS" -ge 10 ] || fail "only $FAULTS_EVENTS events in a minute: the plant was not busy"
echo "PASS: $flaps broker restarts in ${FLAP_SECONDS} s survived, reconnected every time; $FAULTS_EVENTS events" \
     "($FAULTS_MESSAGES messages, duplicates included) and $FAULTS_TELEMETRY telemetry messages checked," \
     "none lost; mean CPU $cpu % of one core"

#!/usr/bin/env bash
# Clock jumps: the gateway runs under libfaketime (Debian's libfaketime) with its
# wall clock read from a file the test rewrites at run time, while the monotonic
# clock stays real (DONT_FAKE_MONOTONIC). The wall clock jumps an hour forward in
# the middle of an alarm's on-delay, then two hours back in the middle of a
# comm-loss timeout, then three hours forward again. Every timer must keep real
# time: the alarm raises after its 2 s delay (not at once), the comm-loss fault
# comes after its 3 s timeout (not an hour late), the systemd watchdog is petted
# without a gap, and the MQTT link stays up. Timestamps follow the wall clock and
# are flagged: after the step back, events carry "time_synced": false until the
# clock passes the times it had already shown; after the step forward they do not.
set -euo pipefail
BUILD=${1:?usage: test_clock_jump.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

ON_DELAY_MS=2000
COMM_FAIL_MS=3000
SLACK_MS=1500                       # poll interval, commit, delivery and the test's own polling
HOUR_S=3600
WATCHDOG_USEC=1000000               # pets due every 0.5 s

now_ms() { local t=${EPOCHREALTIME/./}; echo "${t:0:13}"; }     # the test's own, real clock
jump() { echo "$1" >"$WORK/clock.offset"; }                    # the gateway's wall clock: real + $1 s
jump +0

mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
# A stand-in for systemd's notify socket that stamps each message with the real monotonic time.
start_bg notify /usr/bin/python3 -u -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    for line in s.recv(4096).decode().splitlines():
        print("%.3f %s" % (time.monotonic(), line), flush=True)
' "$WORK/notify.sock"
wait_for_line "$WORK/notify.log" "bound" 10 || fail "notify listener did not start"
start_gas_sim
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "status_interval_s": 1,
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
 "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 200},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": 100, "comm_fail_ms": $COMM_FAIL_MS, "backoff_ms": 500,
              "points": [{"id": "lel", "alarm": {"levels": [{"name": "level1", "above": 25},
                                                            {"name": "level2", "above": 50}],
                                                 "hysteresis": 2, "on_delay_s": $((ON_DELAY_MS / 1000)), "latch": false}}]}]}
JSON
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=$WATCHDOG_USEC start_bg_faketime gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "gateway did not connect; see $WORK/gw.log"

# event_after KIND N T0_MS MIN_MS MAX_MS: the N-th KIND event arrives between MIN_MS and
# MAX_MS after T0_MS (real time); prints it.
event_after() {
    local kind=$1 n=$2 deadline=$((SECONDS + $5 / 1000 + 2)) took
    until [ "$(grep -c "\"kind\":\"$kind\"" "$WORK/events.log")" -ge "$n" ]; do
        [ "$SECONDS" -le "$deadline" ] || fail "no $kind event number $n within $5 ms; see $WORK/gw.log"
        sleep 0.02
    done
    took=$(($(now_ms) - $3))
    [ "$took" -ge "$4" ] || fail "$kind came after $took ms, before its timer's $4 ms: a wall-clock timer?"
    [ "$took" -le "$5" ] || fail "$kind came after $took ms, later than $5 ms: a wall-clock timer?"
    grep "\"kind\":\"$kind\"" "$WORK/events.log" | sed -n "${n}p"
}
# near_wall EVENT OFFSET_S: the event's ts is the real time shifted by OFFSET_S (within a minute).
near_wall() {
    jq -e --argjson now "$(now_ms)" --argjson off "$2" '(.ts - ($now + $off * 1000)) | fabs < 60000' <<<"$1" >/dev/null ||
        fail "event ts is not real time ${2} s: $1"
}

# 1. Forward an hour in the middle of the on-delay: the alarm still waits its 2 s.
sim_say "set lel 60"
t0=$(now_ms)
sleep 0.5
jump +$HOUR_S
ev=$(event_after RAISED 1 "$t0" $((ON_DELAY_MS - 200)) $((ON_DELAY_MS + SLACK_MS)))
near_wall "$ev" $HOUR_S
jq -e 'has("time_synced") | not' <<<"$ev" >/dev/null || fail "a stamp after a step forward was flagged: $ev"
wait_for_line "$WORK/gw.log" "wall clock stepped forward by 36[0-9][0-9]" 5 || fail "the step forward was not logged"

# 2. Back two hours in the middle of the comm-loss timeout: the fault still comes after 3 s.
sim_say "inject noreply"
t0=$(now_ms)
sleep 0.5
jump -$HOUR_S
ev=$(event_after FAULT 1 "$t0" $((COMM_FAIL_MS - 200)) $((COMM_FAIL_MS + SLACK_MS)))
near_wall "$ev" -$HOUR_S
jq -e '.quality == "comm_fail" and .time_synced == false' <<<"$ev" >/dev/null ||
    fail "a comm-loss stamped after the step back is not flagged time_synced false: $ev"
wait_for_line "$WORK/gw.log" "wall clock stepped back by 7[12][0-9][0-9]" 5 || fail "the step back was not logged"
sim_say "clear"
ev=$(event_after FAULT_CLEARED 1 "$(now_ms)" 0 $((SLACK_MS + 1000)))
jq -e '.time_synced == false' <<<"$ev" >/dev/null || fail "an event re-living shown times is not flagged: $ev"
wait_for_report "$WORK/site.json" '"time_synced": ?false' 3 ||
    fail "the health report does not say the clock is off: $(health_report "$WORK/site.json" | jq -c '{time_synced, ts}')"

# 3. Forward past every time already shown: stamps are believed again.
sim_say "set lel 2"
event_after CLEARED 1 "$(now_ms)" 0 $((SLACK_MS + 1000)) >/dev/null
jump +$((2 * HOUR_S))
sim_say "set lel 60"
t0=$(now_ms)
sleep 0.2
ev=$(event_after RAISED 2 "$t0" $((ON_DELAY_MS - 200)) $((ON_DELAY_MS + SLACK_MS)))
near_wall "$ev" $((2 * HOUR_S))
jq -e 'has("time_synced") | not' <<<"$ev" >/dev/null || fail "stamps stayed flagged after the clock passed the high-water mark: $ev"

# The watchdog was petted without a gap across all three jumps, and the link never dropped.
gap=$(awk '/ WATCHDOG=1$/ { if (last) { d = $1 - last; if (d > max) max = d } last = $1 } END { printf "%.2f", max }' "$WORK/notify.log")
pets=$(grep -c " WATCHDOG=1$" "$WORK/notify.log" || true)
awk -v g="$gap" -v w=$WATCHDOG_USEC 'BEGIN { exit !(g < w / 1e6) }' ||
    fail "the watchdog went $gap s without a pet (WatchdogSec $((WATCHDOG_USEC / 1000000)) s) across a clock jump"
! grep -q "uplink mqtt lost" "$WORK/gw.log" || fail "the MQTT link dropped across a clock jump: $(grep 'mqtt lost' "$WORK/gw.log")"
kill -TERM "$gw"
wait "$gw" || fail "gateway did not stop cleanly"
echo "PASS: on-delay and comm-loss kept real time across jumps of +1 h, -2 h and +3 h; $pets watchdog pets," \
     "largest gap $gap s; events after the step back flagged time_synced false, after the catch-up not"

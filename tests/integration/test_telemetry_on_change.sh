#!/usr/bin/env bash
# Telemetry "on_change" (gateway/config_telemetry.c): a device whose readings hold
# still is sent once per heartbeat, not once per commit interval, and a reading
# that moves past its deadband is sent within the interval. The same site with
# the default ("every_interval") is the control: it must send many times as often,
# so the test cannot pass by the gateway sending nothing.
set -euo pipefail
BUILD=${1:?usage: test_telemetry_on_change.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

HEARTBEAT_S=2
LISTEN_S=5
COMMIT_MS=200
TOPIC=riskgw/v1/ent-test/gw-test/telemetry/gas1

start_mosquitto "$(free_port)"
start_gas_sim                           # clean air: a constant 2 %LEL

# write_site MODE: the site, its telemetry sent as MODE.
write_site() {
    cat >"$WORK/site-$1.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "store": {"path": "$WORK/$1.db", "commit_interval_ms": $COMMIT_MS},
 "mqtt": {"uri": "tcp://127.0.0.1:$MOSQUITTO_PORT"},
 "telemetry": {"send": "$1", "heartbeat_s": $HEARTBEAT_S},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": 100}]}
JSON
    "$BUILD/riskgw" -n -c "$WORK/site-$1.json" || fail "riskgw -n refused the $1 site"
}

# steady_count MODE: telemetry messages in LISTEN_S of a steady reading, in COUNT; the
# gateway is left running as GW. (Not in a subshell: the harness must know its pid.)
steady_count() {
    write_site "$1"
    start_bg "gw-$1" "$BUILD/riskgw" -c "$WORK/site-$1.json"
    GW=$BG_PID
    wait_for_line "$WORK/gw-$1.log" 'running:' 10 || fail "riskgw ($1) did not start; see $WORK/gw-$1.log"
    sleep 1                             # the first message, news at start, is behind us
    timeout "$LISTEN_S" mosquitto_sub -p "$MOSQUITTO_PORT" -t "$TOPIC" >"$WORK/steady-$1.txt" || true
    COUNT=$(wc -l <"$WORK/steady-$1.txt")
}

steady_count every_interval
every=$COUNT
kill "$GW"; wait "$GW" 2>/dev/null || true
[ "$every" -ge $((LISTEN_S * 1000 / COMMIT_MS / 2)) ] ||
    fail "the control sent only $every messages in ${LISTEN_S} s (one per ${COMMIT_MS} ms expected)"

steady_count on_change
changed=$COUNT
[ "$changed" -ge $((LISTEN_S / HEARTBEAT_S)) ] && [ "$changed" -le $((LISTEN_S / HEARTBEAT_S + 1)) ] ||
    fail "on_change sent $changed messages in ${LISTEN_S} s of a steady reading; a heartbeat every ${HEARTBEAT_S} s gives $((LISTEN_S / HEARTBEAT_S)) or $((LISTEN_S / HEARTBEAT_S + 1))"
jq -e -s 'all(.[]; .points.lel.v == 2)' "$WORK/steady-on_change.txt" >/dev/null ||
    fail "a heartbeat does not carry the reading: $(head -1 "$WORK/steady-on_change.txt")"

# A change is news: it is sent within the commit interval, not at the next heartbeat.
start_bg moved mosquitto_sub -p "$MOSQUITTO_PORT" -t "$TOPIC"
wait_subscribed "$BG_PID" || fail "the subscriber was not subscribed within 10 s; see $WORK/moved.log"
sim_say "set lel 30"
stepped=$(date +%s%3N)
wait_for_line "$WORK/moved.log" '"lel":{"v":30' 2 || fail "the change to 30 %LEL was not sent within 2 s: $(tail -2 "$WORK/moved.log")"
took=$(( $(date +%s%3N) - stepped ))
echo "PASS: steady ${LISTEN_S} s: $every messages every interval, $changed on change (heartbeat ${HEARTBEAT_S} s); a change sent after $took ms"

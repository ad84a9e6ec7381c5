#!/usr/bin/env bash
# The daemon under valgrind, through the paths a field day takes: start, poll a
# gas detector through a leak (RAISED, ESCALATED, RETURNED: gas_lel latches), answer a platform
# command, reload its config on SIGHUP (a device added), and stop cleanly on
# SIGTERM. The simulator loops its 14 s leak at double speed, so however slowly
# the gateway starts under valgrind it sees a whole one. Asserts valgrind saw no
# invalid read, write or free, no use of uninitialised memory, and no definitely
# or indirectly lost block. "Still reachable" blocks (process-lifetime globals of
# Paho and libmodbus) are not leaks and pass. Genuine third-party noise, if any,
# goes in valgrind.supp with its reason.
set -euo pipefail
BUILD=${1:?usage: test_valgrind.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

VALGRIND_ERROR_RC=99        # valgrind's exit status when it found an error or a leak
EVENT_TIMEOUT_S=60          # the gateway runs 20-50x slower under valgrind
command -v valgrind >/dev/null || fail "valgrind is not installed; run 'make deps'"
vg=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
    --show-leak-kinds=definite,indirect --error-exitcode=$VALGRIND_ERROR_RC
    --track-origins=yes --suppressions="$SRC/tests/integration/valgrind.supp")

# vg_clean LOG: the valgrind log LOG reports no error and no lost block.
vg_clean() {
    grep -q 'ERROR SUMMARY: 0 errors' "$1" || { cat "$1" >&2; fail "valgrind found errors; see above"; }
    if grep -Eq 'definitely lost: [1-9]|indirectly lost: [1-9]' "$1"; then
        cat "$1" >&2
        fail "valgrind found leaks; see above"
    fi
}

mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
start_sub replies mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/reply"

sim_port=$(free_port)
start_bg sim "$BUILD/riskgw-sim" --profile gas_lel --port "$sim_port" --unit 1 \
    --scenario "$SRC/tests/integration/gas_leak_fast.json" --loop --speed 2
wait_for_line "$WORK/sim.log" "listening on" 10 || fail "simulator did not start"

# site DEVICES_JSON: write the config with the given devices array.
site() {
    cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"}, "store": {"path": "$WORK/riskgw.db"},
 "devices": $1}
JSON
}
gas1="{\"id\": \"gas1\", \"profile\": \"gas_lel\", \"host\": \"127.0.0.1\", \"port\": $sim_port, \"interval_ms\": 200}"
gas2="{\"id\": \"gas2\", \"profile\": \"gas_lel\", \"host\": \"127.0.0.1\", \"port\": $sim_port, \"interval_ms\": 500}"
site "[$gas1]"

# ---- the config check path: load, validate, free ----
"${vg[@]}" --log-file="$WORK/vg-check.log" "$BUILD/riskgw" -n -c "$WORK/site.json" \
    || { cat "$WORK/vg-check.log" >&2; fail "riskgw -n under valgrind failed"; }
vg_clean "$WORK/vg-check.log"

# ---- the daemon through a leak, a command, a reload and a stop ----
start_bg gw "${vg[@]}" --log-file="$WORK/vg-gw.log" "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/events.log" '"kind":"ESCALATED"' "$EVENT_TIMEOUT_S" \
    || { cat "$WORK/gw.log"; fail "no ESCALATED event within $EVENT_TIMEOUT_S s under valgrind"; }
mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" \
    -m '{"id":"v1","cmd":"read","device":"gas1","point":"lel"}'
wait_for_line "$WORK/replies.log" '"id":"v1"' 20 || fail "no reply to the read command"

site "[$gas1, $gas2]"
kill -HUP "$gw"
wait_for_line "$WORK/gw.log" "reloaded .*: 2 devices, 4 points" 20 \
    || { cat "$WORK/gw.log"; fail "the SIGHUP reload was not applied"; }
wait_for_line "$WORK/events.log" '"kind":"RETURNED"' "$EVENT_TIMEOUT_S" \
    || { cat "$WORK/gw.log"; fail "no RETURNED event within $EVENT_TIMEOUT_S s under valgrind"; }

kill -TERM "$gw"
rc=0
wait "$gw" || rc=$?
[ "$rc" != "$VALGRIND_ERROR_RC" ] || { cat "$WORK/vg-gw.log" >&2; fail "valgrind reported errors or leaks"; }
[ "$rc" = 0 ] || { tail -20 "$WORK/gw.log" >&2; fail "riskgw exited $rc on SIGTERM under valgrind"; }
vg_clean "$WORK/vg-gw.log"
echo "PASS: no valgrind errors, no definite or indirect leaks;" \
     "$(grep -Eo 'still reachable: [0-9,]+ bytes' "$WORK/vg-gw.log" || echo 'nothing still reachable')"

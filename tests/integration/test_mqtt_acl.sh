#!/usr/bin/env bash
# Commands only from the platform's authenticated account. mosquitto runs with a
# password file and an ACL (docs/security.md has the same shape for a real
# broker): the gateway's account may write its own status, health, event,
# telemetry and reply topics and read its cmd topic; only the operator account
# may write the cmd topic. A silence or reset published anonymously, by a
# read-only account, or with a wrong password never reaches the gateway: the
# alarm stays unsilenced and latched, no reply, no event, nothing stored. The
# operator's silence and reset are executed, answered, and recorded with their
# origin ("mqtt:<actor>") on the wire and in the store.
set -euo pipefail
BUILD=${1:?usage: test_mqtt_acl.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

base=riskgw/v1/ent-test/gw-test
mosquitto_passwd -b -c "$WORK/passwd" gateway gw-secret 2>/dev/null
mosquitto_passwd -b "$WORK/passwd" operator op-secret
mosquitto_passwd -b "$WORK/passwd" watcher watch-secret
cat >"$WORK/acl" <<ACL
# Anonymous clients: the gateways' online/offline status, nothing else.
topic read riskgw/v1/+/+/status

user gateway
topic write $base/status
topic write $base/health
topic write $base/event/#
topic write $base/telemetry/#
topic write $base/reply
topic read $base/cmd

user operator
topic write $base/cmd
topic read $base/#

user watcher
topic read $base/#
ACL
chmod 0600 "$WORK/passwd" "$WORK/acl"
mq_port=$(free_port)
start_mosquitto "$mq_port" "password_file $WORK/passwd" "acl_file $WORK/acl"
start_sub watch mosquitto_sub -h 127.0.0.1 -p "$mq_port" -u watcher -P watch-secret -q 1 -v \
    -t "$base/event/#" -t "$base/reply"
wait_for_line "$WORK/mosquitto-$mq_port.log" "u'watcher'" 10 || fail "the watcher did not connect"

start_gas_sim
cat >"$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port", "username": "gateway", "password": "gw-secret"},
 "store": {"path": "$WORK/riskgw.db"},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100,
              "points": [{"id": "lel", "alarm": {"levels": [{"name": "level1", "above": 25},
                                                            {"name": "level2", "above": 50}],
                                                 "hysteresis": 2, "latch": true}}]}]}
JSON
chmod 0600 "$WORK/site.json"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "the gateway did not connect with its account; see $WORK/gw.log"

cmd() { echo "{\"id\":\"$1\",\"cmd\":\"$2\",\"device\":\"gas1\",\"point\":\"lel\",\"actor\":\"$3\"}"; }
as_operator() { mosquitto_pub -h 127.0.0.1 -p "$mq_port" -u operator -P op-secret -q 1 -t "$base/cmd" -m "$1"; }
wire_kinds() { sed -n 's|^[^ ]*/event/[^ ]* ||p' "$WORK/watch.log" | jq -r -s 'map(.kind) | join(" ")'; }
# intrude KIND: the same command from every client that must not be obeyed.
intrude() {
    mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m "$(cmd "anon-$1" "$1" anonymous)" ||
        true   # MQTT 3.1.1 cannot tell a publisher it was refused: the broker acks and drops it
    mosquitto_pub -h 127.0.0.1 -p "$mq_port" -u watcher -P watch-secret -q 1 -t "$base/cmd" \
        -m "$(cmd "watch-$1" "$1" watcher)" || true
    if mosquitto_pub -h 127.0.0.1 -p "$mq_port" -u operator -P wrong -q 1 -t "$base/cmd" \
        -m "$(cmd "guess-$1" "$1" guesser)" 2>"$WORK/guess.err"; then
        fail "the broker took a connection with a wrong password"
    fi
    # The operator's next command is answered only after the broker handled the ones above.
    as_operator "{\"id\":\"probe-$1\",\"cmd\":\"read\",\"device\":\"gas1\",\"point\":\"lel\"}"
    wait_for_line "$WORK/watch.log" "\"id\":\"probe-$1\"" 10 || fail "the operator's read got no reply"
    ! grep -Eq "\"id\":\"(anon|watch|guess)-$1\"" "$WORK/watch.log" ||
        fail "the gateway answered a $1 from a client the ACL forbids: $(grep -E '(anon|watch|guess)-' "$WORK/watch.log")"
}

sim_say "set lel 60"
wait_for_line "$WORK/watch.log" '"kind":"RAISED"' 10 || fail "no alarm at 60 %LEL"
intrude silence
[ "$(wire_kinds)" = RAISED ] || fail "the alarm changed after forbidden silences: $(wire_kinds)"

as_operator "$(cmd op-1 silence duty-officer-wang)"
wait_for_line "$WORK/watch.log" '"id":"op-1","cmd":"silence","ok":true' 10 || fail "the operator's silence was not obeyed"
wait_for_line "$WORK/watch.log" '"kind":"SILENCED"' 10 || fail "no SILENCED event"
sim_say "set lel 2"
wait_for_line "$WORK/watch.log" '"kind":"RETURNED"' 10 || fail "no RETURNED after the gas went away"
intrude reset
[ "$(wire_kinds)" = "RAISED SILENCED RETURNED" ] || fail "a forbidden reset changed the alarm: $(wire_kinds)"
as_operator "$(cmd op-2 reset duty-officer-wang)"
wait_for_line "$WORK/watch.log" '"id":"op-2","cmd":"reset","ok":true' 10 || fail "the operator's reset was not obeyed"
wait_for_line "$WORK/watch.log" '"kind":"RESET"' 10 || fail "no RESET event"

actors=$(sed -n 's|^[^ ]*/event/[^ ]* ||p' "$WORK/watch.log" | jq -r -s 'map(select(.actor) | "\(.kind):\(.actor)") | join(" ")')
[ "$actors" = "SILENCED:mqtt:duty-officer-wang RESET:mqtt:duty-officer-wang" ] || fail "acts on the wire: $actors"
stored=$(sqlite3 "$WORK/riskgw.db" "SELECT kind || ':' || IFNULL(actor, '') FROM events ORDER BY id;" | paste -sd' ')
[ "$stored" = "RAISED: SILENCED:mqtt:duty-officer-wang RETURNED: RESET:mqtt:duty-officer-wang" ] ||
    fail "events in the store: $stored"
grep -q "not authorised\|Not authorized\|not authorized" "$WORK/guess.err" ||
    fail "the wrong password was refused for another reason: $(cat "$WORK/guess.err")"
kill -TERM "$gw"
wait "$gw" || fail "gateway did not stop cleanly"
echo "PASS: silence and reset from an anonymous client, a read-only account and a wrong password were" \
     "never executed; the operator's were, recorded as mqtt:duty-officer-wang on the wire and in the store"

#!/usr/bin/env bash
# The alarm lifecycle across a kill -9, driven from the platform's side:
# a latched level-2 gas alarm survives SIGKILL and a restart without being sent
# again as new; reset is refused while the gas is still there; silence and reset
# over MQTT are answered, recorded with their actor, and stored; garbage commands
# get an error reply and change nothing; the same acts work from the box's console.
set -euo pipefail
BUILD=${1:?usage: test_alarm_lifecycle.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
start_sub replies mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/reply"

start_gas_sim

cat > "$WORK/site.json" <<JSON
{
  "enterprise": "ent-test", "gateway": "gw-test",
  "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
  "store": {"path": "$WORK/riskgw.db"},
  "devices": [
    {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100,
     "points": [{"id": "lel", "alarm": {"levels": [{"name": "level1", "above": 25},
                                                   {"name": "level2", "above": 50}],
                                        "hysteresis": 2, "latch": true}}]}
  ]
}
JSON
start_bg gw1 "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw1.log" "uplink mqtt connected" 10 || fail "gateway did not connect"

# Distinct events of a kind, as a subscriber that drops duplicates by seq sees them
# (a message unconfirmed at the kill -9 is legitimately sent again with its seq).
count() { jq -s --arg k "$1" '[.[] | select(.kind == $k) | .seq] | unique | length' "$WORK/events.log"; }
command() { mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m "$1"; }
reply_for() { wait_for_line "$WORK/replies.log" "\"id\":\"$1\"" 10 || fail "no reply to command $1";
              grep "\"id\":\"$1\"" "$WORK/replies.log"; }

sim_say "set lel 60"
wait_for_line "$WORK/events.log" '"kind":"RAISED"' 10 || fail "no RAISED at 60 %LEL"
jq -e '.level == "level2" and .seq == 1' <<<"$(grep RAISED "$WORK/events.log" | head -1)" >/dev/null \
  || fail "first alarm is not level2 with seq 1: $(cat "$WORK/events.log")"

# ---- kill -9 and restart: the latched alarm stands, and is not sent again ----
kill -9 "$gw"
wait "$gw" 2>/dev/null || true
start_bg gw2 "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/gw2.log" "alarm state of gas1/lel restored: severity 2, latched" 10 \
  || fail "alarm state not restored after kill -9: $(cat "$WORK/gw2.log")"
sleep 2
[ "$(count RAISED)" = 1 ] || fail "the alarm was sent again as new after the restart"

# ---- commands ----
command '{"id":"r1","cmd":"reset","device":"gas1","point":"lel","actor":"duty"}'
jq -e '.ok == false and (.error | test("still"))' <<<"$(reply_for r1)" >/dev/null \
  || fail "reset while the gas is present was not refused: $(reply_for r1)"
command 'this is not json'
wait_for_line "$WORK/replies.log" '"ok":false,"error":"command:1:1' 10 || fail "garbage command got no error reply"
command '{"id":"u1","cmd":"launch","device":"gas1","point":"lel"}'
jq -e '.ok == false and (.error | test("unknown command"))' <<<"$(reply_for u1)" >/dev/null || fail "unknown command accepted"
command '{"id":"p1","cmd":"silence","device":"gas1","point":"nope"}'
jq -e '.ok == false and (.error | test("no point gas1/nope"))' <<<"$(reply_for p1)" >/dev/null || fail "unknown point accepted"
command '{"id":"p2","cmd":"silence","device":"gas1","point":"status"}'
jq -e '.ok == false and (.error | test("no alarm rule"))' <<<"$(reply_for p2)" >/dev/null \
  || fail "silencing a point without a rule was not refused clearly: $(reply_for p2)"
command '{"id":"s1","cmd":"silence","device":"gas1","point":"lel","actor":"duty"}'
jq -e '.ok == true' <<<"$(reply_for s1)" >/dev/null || fail "silence refused: $(reply_for s1)"
wait_for_line "$WORK/events.log" '"kind":"SILENCED"' 10 || fail "no SILENCED event"

sim_say "set lel 2"
wait_for_line "$WORK/events.log" '"kind":"RETURNED"' 10 || fail "no RETURNED after the gas went away"
command '{"id":"r2","cmd":"reset","device":"gas1","point":"lel","actor":"duty"}'
jq -e '.ok == true' <<<"$(reply_for r2)" >/dev/null || fail "reset refused after the gas went away: $(reply_for r2)"
wait_for_line "$WORK/events.log" '"kind":"RESET"' 10 || fail "no RESET event"
command '{"id":"q1","cmd":"read","device":"gas1","point":"lel"}'
jq -e '.ok == true and .quality == "good" and (.value < 5)' <<<"$(reply_for q1)" >/dev/null \
  || fail "read gave $(reply_for q1)"

# ---- the same acts from the box's console (the local control socket) ----
gwcli() { "$BUILD/riskgw" "$@" -c "$WORK/site.json"; }
sim_say "set lel 60"
wait_for_line "$WORK/events.log" '"seq":5' 10 || fail "no new alarm after the reset"
out=$(gwcli reset gas1 lel 2>&1) && fail "console reset accepted while the gas is present: $out"
grep -q "refused: .*still" <<<"$out" || fail "console reset refusal unclear: $out"
out=$(gwcli silence gas1 lel --actor tech-li 2>&1) || fail "console silence failed: $out"
[ "$out" = "riskgw silence: done" ] || fail "console silence said: $out"
out=$(gwcli read gas1 lel 2>&1) || fail "console read failed: $out"
[ "$out" = "60 (quality good)" ] || fail "console read said: $out"
out=$(gwcli silence gas1 nope 2>&1) && fail "console silence of an unknown point accepted"
grep -q "no point gas1/nope" <<<"$out" || fail "unknown point refusal unclear: $out"
rc=0; out=$(gwcli read gas1 2>&1) || rc=$?
[ "$rc" = 2 ] || fail "a read without a point was not a usage error ($rc): $out"
wait_for_line "$WORK/events.log" '"actor":"cli:tech-li"' 10 || fail "console silence not recorded with its actor"

# ---- the record: sequence on the wire and in the store, with the actor ----
wire=$(jq -r -s 'unique_by(.seq) | .[].kind' "$WORK/events.log" | paste -sd' ')
[ "$wire" = "RAISED SILENCED RETURNED RESET RAISED SILENCED" ] || fail "events on the wire: $wire"
jq -e -s '[.[].seq] | unique == [1,2,3,4,5,6]' "$WORK/events.log" >/dev/null || fail "seq not 1..6 across the restart"
jq -e -s 'group_by(.seq) | all(.[]; map(.id) | unique | length == 1)' "$WORK/events.log" >/dev/null \
  || fail "a resent seq carried a different event"
stored=$(sqlite3 "$WORK/riskgw.db" "SELECT kind || ':' || actor FROM events ORDER BY id;" | paste -sd' ')
[ "$stored" = "RAISED: SILENCED:mqtt:duty RETURNED: RESET:mqtt:duty RAISED: SILENCED:cli:tech-li" ] \
  || fail "events in the store: $stored"
echo "PASS: latched alarm survived kill -9; silence/reset/read answered over MQTT and on the console"

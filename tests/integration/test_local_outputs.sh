#!/usr/bin/env bash
# Local outputs over Modbus TCP, all real: a gas alarm drives a siren module's horn
# and beacon (riskgw-sim serving siren_beacon, observed through its control socket
# and its log), silence releases the horn and keeps the beacon (GB 16808: silence
# mutes the sounder), a module that loses its coils is written again, a kill -9 and
# restart re-asserts the beacon from the persisted alarm, and reset releases it. A
# dead module behind the gas detector's own converter port gets an OUTPUT_FAILED
# event while the detector beside it is polled on schedule. Writes by hand are
# refused unless the point is writable and no alarm drives it, and are recorded
# with their actor.
set -euo pipefail
BUILD=${1:?usage: test_local_outputs.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/siren.sh"
harness_init
STEP_S=10

siren_plant reply

siren_port=$(free_port)
start_bg siren sh -c "exec '$BUILD/riskgw-sim' --profile siren_beacon --port $siren_port \
    --control '$WORK/siren.ctl' </dev/null"
wait_for_line "$WORK/siren.log" "listening on" "$STEP_S" || fail "siren simulator did not start"
writes() { grep -c "point $1: written by the master, now $2" "$WORK/siren.log" || true; }

cat > "$WORK/site.json" <<JSON
{
  "enterprise": "ent-test", "gateway": "gw-test",
  "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
  "store": {"path": "$WORK/riskgw.db"},
  "status_interval_s": 1,
  "devices": [
    {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100,
     "points": [{"id": "lel",
                 "alarm": {"levels": [{"name": "level1", "above": 25}, {"name": "level2", "above": 50}],
                           "hysteresis": 2, "latch": true},
                 "outputs": [{"point": "siren1.horn", "audible": true}, {"point": "siren1.beacon"},
                             {"point": "siren2.horn"}]}]},
    {"id": "siren1", "profile": "siren_beacon", "host": "127.0.0.1", "port": $siren_port,
     "interval_ms": 100,
     "points": [{"id": "horn", "writable": true}, {"id": "beacon", "writable": true},
                {"id": "tone", "writable": true}]},
    {"id": "siren2", "profile": "siren_beacon", "host": "127.0.0.1", "port": $SIM_PORT, "unit": 9,
     "interval_ms": 100, "backoff_ms": 1000, "points": [{"id": "horn", "writable": true}]}
  ]
}
JSON
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "riskgw -n refused the test config"
start_bg gw1 "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw1.log" "uplink mqtt connected" "$STEP_S" || fail "gateway did not connect"
wait_for_line "$WORK/gw1.log" "output siren1/horn is 0 \(asserted at start; 0 alarms need it\)" "$STEP_S" \
  || fail "the outputs were not asserted at start: $(cat "$WORK/gw1.log")"

command() { mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m "$1"; }
reply_for() { wait_for_line "$WORK/reply.log" "\"id\":\"$1\"" "$STEP_S" || fail "no reply to command $1";
              grep "\"id\":\"$1\"" "$WORK/reply.log"; }
event() { grep "\"kind\":\"$1\"" "$WORK/events.log" | grep "\"point\":\"$2\"" | grep "\"device\":\"$3\"" || true; }

# ---- the alarm sounds the horn and lights the beacon ----
sim_say "set lel 30"
wait_for_line "$WORK/events.log" '"kind":"RAISED"' "$STEP_S" || fail "no RAISED at 30 %LEL"
wait_coil horn 1 "$STEP_S"
wait_coil beacon 1 "$STEP_S"
wait_for_line "$WORK/events.log" '"point":"beacon".*"kind":"OUTPUT"' "$STEP_S" || fail "no OUTPUT event for the beacon"
jq -e '.level == "on" and .value == 1 and .severity == 1 and .actor == "rule:gas1/lel"
       and (.detail | test("RAISED gas1/lel; 1 alarm needs it"))' <<<"$(event OUTPUT horn siren1)" >/dev/null \
  || fail "OUTPUT event of the horn: $(event OUTPUT horn siren1)"

# ---- a dead module behind the converter: OUTPUT_FAILED, its neighbour polled on ----
wait_for_line "$WORK/events.log" '"kind":"OUTPUT_FAILED"' "$STEP_S" || fail "no OUTPUT_FAILED for the dead module"
wait_for_line "$WORK/events.log" '"device":"siren2".*"kind":"OUTPUT_FAILED","level":"on"' "$STEP_S" \
  || fail "no OUTPUT_FAILED for the dead module's horn when the alarm needed it"
jq -e -s 'map(select(.device == "siren2")) | .[0].value == 0 and .[0].actor == "gateway"
          and .[1].value == 1 and .[1].actor == "rule:gas1/lel" and (.[1].detail | test("exception 11"))' \
   <<<"$(event OUTPUT_FAILED horn siren2)" >/dev/null || fail "OUTPUT_FAILED: $(event OUTPUT_FAILED horn siren2)"

# ---- writes by hand: only writable points no alarm drives; recorded with the actor ----
command '{"id":"w1","cmd":"write","device":"siren1","point":"horn","value":0,"actor":"duty"}'
jq -e '.ok == false and (.error | test("output of the alarm of gas1/lel"))' <<<"$(reply_for w1)" >/dev/null \
  || fail "a write to a driven output was not refused: $(reply_for w1)"
command '{"id":"w2","cmd":"write","device":"gas1","point":"lel","value":0,"actor":"duty"}'
jq -e '.ok == false and (.error | test("not writable"))' <<<"$(reply_for w2)" >/dev/null \
  || fail "a write to a point not writable was not refused: $(reply_for w2)"
command '{"id":"w3","cmd":"write","device":"siren1","point":"tone","value":5,"actor":"duty"}'
jq -e '.ok == true and .queued == true' <<<"$(reply_for w3)" >/dev/null || fail "write of tone: $(reply_for w3)"
wait_for_line "$WORK/siren.log" "point tone: written by the master, now 5" "$STEP_S" || fail "tone never written"
wait_for_line "$WORK/events.log" '"actor":"mqtt:duty"' "$STEP_S" || fail "the write was not recorded with its actor"
grep -q "command write gas1/lel from mqtt:duty refused: point gas1/lel is not writable" "$WORK/gw1.log" \
  || fail "the refused write was not logged with its origin"
out=$("$BUILD/riskgw" write -c "$WORK/site.json" siren1.horn 0 2>&1) && fail "console write of a driven output accepted"
grep -q "refused: point siren1/horn is an output" <<<"$out" || fail "console refusal unclear: $out"

# ---- silence mutes the sounder; the beacon stays ----
command '{"id":"s1","cmd":"silence","device":"gas1","point":"lel","actor":"duty"}'
jq -e '.ok == true' <<<"$(reply_for s1)" >/dev/null || fail "silence refused: $(reply_for s1)"
wait_coil horn 0 "$STEP_S"
[ "$(coil beacon)" = 1 ] || fail "silence released the beacon: $(siren show)"

# ---- the module restarts and drops its coils: the gateway writes the beacon again ----
siren "set beacon 0" >/dev/null
wait_for_line "$WORK/gw1.log" "output siren1/beacon reads 0, not the 1 it was written" "$STEP_S" \
  || fail "the lost beacon was not noticed"
wait_coil beacon 1 "$STEP_S"

# ---- kill -9, the module loses its beacon meanwhile, a restart re-asserts it ----
kill -9 "$gw"
wait "$gw" 2>/dev/null || true
siren "set beacon 0" >/dev/null
wait_coil beacon 0 "$STEP_S"
start_bg gw2 "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw2.log" "output siren1/beacon: asserted at start; 1 alarm needs it, so it is written 1 now" \
  "$STEP_S" || fail "the beacon was not re-asserted from the saved alarm: $(cat "$WORK/gw2.log")"
wait_coil beacon 1 "$STEP_S"
[ "$(coil horn)" = 0 ] || fail "the silenced horn sounds again after the restart"

# ---- gas gone, reset: the beacon is released ----
sim_say "set lel 2"
wait_for_line "$WORK/events.log" '"kind":"RETURNED"' "$STEP_S" || fail "no RETURNED"
out=$("$BUILD/riskgw" reset -c "$WORK/site.json" gas1 lel --actor tech-li 2>&1) || fail "reset refused: $out"
wait_coil beacon 0 "$STEP_S"
wait_for_line "$WORK/events.log" '"kind":"OUTPUT".*"level":"off".*"actor":"rule:gas1/lel".*RESET gas1/lel by cli:tech-li' \
  "$STEP_S" || fail "no OUTPUT off event naming the reset"

# ---- the record ----
sleep 1.2                                       # one more health report after the last act
siren1=$(jq -r -s 'unique_by(.seq) | .[] | select(.device == "siren1")
                   | .kind + ":" + .point + ":" + (.value | tostring)' "$WORK/events.log" | paste -sd' ')
[ "$siren1" = "OUTPUT:horn:1 OUTPUT:beacon:1 OUTPUT:tone:5 OUTPUT:horn:0 OUTPUT:beacon:0" ] \
  || fail "siren1 events on the wire: $siren1"
# Once per value wanted (off at start, on for the alarm, on again at the restart,
# off at the reset): the retries in between are logged, not recorded.
failed=$(jq -r -s 'unique_by(.seq) | .[] | select(.kind == "OUTPUT_FAILED") | .level' "$WORK/events.log" | paste -sd' ')
[ "$failed" = "off on on off" ] || fail "the dead module's failures on the wire: $failed"
stored=$(sqlite3 "$WORK/riskgw.db" "SELECT count(*) FROM events WHERE kind = 'OUTPUT_FAILED' AND detail LIKE '%exception 11%';")
[ "$stored" = 4 ] || fail "OUTPUT_FAILED with its reason is not in the store ($stored)"
health=$(mosquitto_sub -h 127.0.0.1 -p "$mq_port" -t "$base/health" -C 1 -W 5)
jq -e '.devices[] | select(.id == "gas1") | .polls_failed == 0 and .polls_ok >= 10' <<<"$health" >/dev/null \
  || fail "the detector beside the dead module missed polls: $health"
[ "$(writes beacon 1)" = 3 ] || fail "the beacon was written on $(writes beacon 1) times, expected 3"
echo "PASS: horn and beacon followed the alarm, silence and reset; re-driven after a module restart and a kill -9; dead module reported"

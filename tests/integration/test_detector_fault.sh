#!/usr/bin/env bash
# A detector's own fault flag, all real (GB 16808: a fault is signalled within 100 s,
# apart from alarms; an alarm on another channel still comes through meanwhile).
# Two gas_lel detectors and a siren module are riskgw-sim processes; riskgw polls
# them and publishes to a real mosquitto. Detector gas1 raises its status fault bit
# while its concentration register reads 0: the gateway must publish FAULT for
# gas1/lel with quality sensor_fault, never a good 0 %LEL, and store its readings
# as sensor_fault. While gas1 stands in fault, gas2 sees 30 %LEL: its RAISED event
# must go out and its alarm must sound the siren's horn. When gas1's flag drops,
# FAULT_CLEARED follows. A third detector, gas3, keeps its fault flag in a discrete
# input apart from its concentration register (two reads a poll): the flag is
# applied from its latest reading, a gas reading of 30 %LEL under it raises
# nothing, and once the flag drops the alarm is raised.
set -euo pipefail
BUILD=${1:?usage: test_detector_fault.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/siren.sh"
harness_init
STEP_S=15

siren_plant telemetry           # broker, event and telemetry subscribers, gas1's simulator (stdin)

start_ctl_sim gas2 gas_lel
gas2_port=$CTL_SIM_PORT
start_ctl_sim siren siren_beacon
siren_port=$CTL_SIM_PORT
mkdir "$WORK/profiles"
cp "$SRC"/drivers/profiles/*.json "$WORK/profiles/"
cat > "$WORK/profiles/gas_split_flag.json" <<'JSON'
{"profile": "gas_split_flag",
 "description": "test: a %LEL register and its detector fault flag in a discrete input, read apart",
 "points": [
   {"id": "lel", "unit": "%LEL", "area": "holding", "address": 0, "scale": 0.1, "plausible": [-5, 105],
    "measures": "combustible_lel", "fault_flag": "fault",
    "alarm": {"levels": [{"name": "level1", "above": 25}, {"name": "level2", "above": 50}], "latch": true}},
   {"id": "fault", "area": "discrete", "address": 0}]}
JSON
start_ctl_sim gas3 gas_split_flag --profile-dir "$WORK/profiles"
gas3_port=$CTL_SIM_PORT

cat > "$WORK/site.json" <<JSON
{
  "enterprise": "ent-test", "gateway": "gw-test",
  "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
  "store": {"path": "$WORK/riskgw.db"},
  "status_interval_s": 1,
  "profile_dir": "$WORK/profiles",
  "devices": [
    {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 200},
    {"id": "gas2", "profile": "gas_lel", "host": "127.0.0.1", "port": $gas2_port, "interval_ms": 200,
     "points": [{"id": "lel", "outputs": [{"point": "siren1.horn", "audible": true}]}]},
    {"id": "siren1", "profile": "siren_beacon", "host": "127.0.0.1", "port": $siren_port,
     "interval_ms": 200, "points": [{"id": "horn", "writable": true}]},
    {"id": "gas3", "profile": "gas_split_flag", "host": "127.0.0.1", "port": $gas3_port, "interval_ms": 200}
  ]
}
JSON
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "riskgw -n refused the test config"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/gw.log" "uplink mqtt connected" "$STEP_S" || fail "gateway did not connect"
sleep 1                         # a few good readings of both detectors first

event() { grep "\"device\":\"$2\"" "$WORK/events.log" | grep "\"point\":\"lel\"" | grep "\"kind\":\"$1\"" || true; }

# ---- gas1 flags a fault while its register reads 0 ----
sim_say "set status 1"           # the flag first: no poll may see 0 %LEL without it
sim_say "set lel 0"
wait_for_line "$WORK/events.log" '"device":"gas1".*"kind":"FAULT"' "$STEP_S" \
  || fail "no FAULT for gas1/lel when its detector flagged a fault: $(cat "$WORK/events.log")"
jq -e '.quality == "sensor_fault" and .severity == 0' <<<"$(event FAULT gas1)" >/dev/null \
  || fail "FAULT event of gas1: $(event FAULT gas1)"

# ---- meanwhile gas2 alarms, and its alarm sounds the horn ----
ctl_say gas2 "set lel 30"
wait_for_line "$WORK/events.log" '"device":"gas2".*"kind":"RAISED"' "$STEP_S" \
  || fail "no RAISED for gas2 while gas1 was in fault: $(cat "$WORK/events.log")"
wait_coil horn 1 "$STEP_S"
wait_for_line "$WORK/events.log" '"device":"siren1".*"kind":"OUTPUT","level":"on"' "$STEP_S" \
  || fail "no OUTPUT event for the horn"
sleep 1
[ -z "$(event FAULT_CLEARED gas1)" ] || fail "gas1's fault cleared while its flag still stood"
[ -z "$(grep '"device":"gas1"' "$WORK/events.log" | grep -v '"kind":"FAULT"')" ] \
  || fail "gas1 had events other than FAULT: $(grep '"device":"gas1"' "$WORK/events.log")"

# ---- the flag drops: the fault clears ----
sim_say "set status 0"
wait_for_line "$WORK/events.log" '"device":"gas1".*"kind":"FAULT_CLEARED"' "$STEP_S" \
  || fail "no FAULT_CLEARED for gas1 after its flag dropped"

# ---- the store: gas1's readings under the flag are faults (value NULL), never good 0 ----
db() { sqlite3 "$WORK/riskgw.db" "$1"; }
key=$(db "SELECT point_key FROM points WHERE device = 'gas1' AND point = 'lel';")
cleared=$(db "SELECT ts_ms FROM events WHERE point_key = $key AND kind = 'FAULT_CLEARED';")
zeros=$(db "SELECT count(*) FROM samples WHERE point_key = $key AND value = 0 AND ts_ms < $cleared;")
nulls=$(db "SELECT count(*) FROM samples WHERE point_key = $key AND value IS NULL;")
[ "$zeros" = 0 ] || fail "$zeros readings of gas1/lel stored as 0 %LEL while its detector flagged a fault: $(db "SELECT ts_ms, value, quality FROM samples WHERE point_key = $key ORDER BY ts_ms;")"
[ "$nulls" -gt 0 ] || fail "no fault reading of gas1/lel stored"
[ "$(db "SELECT quality FROM events WHERE point_key = $key AND kind = 'FAULT';")" = sensor_fault ] \
  || fail "the stored FAULT event does not say sensor_fault"

# ---- gas3: the flag in another read block ----
ctl_say gas3 "set fault 1"
wait_for_line "$WORK/events.log" '"device":"gas3".*"kind":"FAULT"' "$STEP_S" \
  || fail "no FAULT for gas3/lel when its flag (read apart) rose: $(grep gas3 "$WORK/events.log")"
ctl_say gas3 "set lel 30"
sleep 2                         # ten polls of 30 %LEL under the flag
[ -z "$(event RAISED gas3)" ] || fail "gas3 raised an alarm from a reading its detector flagged as faulty"
jq -e '.quality == "sensor_fault"' <<<"$(event FAULT gas3)" >/dev/null || fail "FAULT event of gas3: $(event FAULT gas3)"
ctl_say gas3 "set fault 0"
wait_for_line "$WORK/events.log" '"device":"gas3".*"kind":"RAISED"' "$STEP_S" \
  || fail "no RAISED for gas3 once its flag dropped: $(grep gas3 "$WORK/events.log")"
[ -n "$(event FAULT_CLEARED gas3)" ] || fail "no FAULT_CLEARED for gas3 before its alarm"
echo "PASS: FAULT with quality sensor_fault from the detector's flag (in the same read and apart); gas2's alarm and horn meanwhile"

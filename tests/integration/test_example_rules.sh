#!/usr/bin/env bash
# The documented site rules run, as shipped in docs/examples/, with the real
# profiles' point ids against the shipped scenarios (played faster), all real:
#  - casting (docs/examples/casting.json, casting_cooling_failure at 10x): cooling
#    water lost past 400 mm raises cooling_loss, latched, and sounds siren2's horn;
#    casting_not_permitted stays quiet (no sensor or valve fault);
#  - dust (docs/examples/dust.json, dust_clog_spark at 10x): the ash hopper heats
#    past 50 C while the fan runs, a spark while the fan runs, and the isolation
#    valve, closed by hand through the simulator while the fan runs;
#  - power (docs/examples/power_shutdown.json, power_shutdown_load at 5x): the
#    load that returns during the "shutdown" calendar raises load_in_shutdown,
#    while the same load before the calendar began raised nothing. The gateway
#    runs under libfaketime so that a calendar minute starts 11 s (55 scenario
#    seconds, mid-shutdown) after the meter's scenario.
set -euo pipefail
BUILD=${1:?usage: test_example_rules.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/siren.sh"
harness_init
STEP_S=40
SCEN=$SRC/simulators/scenarios
EX=$SRC/docs/examples

mq_port=$(free_port)
start_mosquitto "$mq_port"
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t 'riskgw/v1/ent-test/gw-test/event/#'

sim() {         # NAME PROFILE SPEED SCENARIO UNIT: sets PORT_<NAME>
    start_ctl_sim "$1" "$2" --speed "$3" --unit "$5" ${4:+--scenario "$SCEN/$4"}
    printf -v "PORT_$1" %s "$CTL_SIM_PORT"
}
t0=$(date +%s)
sim meter power_meter_3ph 5 power_shutdown_load.json 7     # the examples' unit ids
sim cast casting_plc 10 casting_cooling_failure.json 1
sim dust dust_collector 10 dust_clog_spark.json 1
sim siren siren_beacon 1 "" 9

# The gateway's clock: a minute starts 11 s after the meter's scenario did.
boundary=$((t0 + 11))
offset=$(( (60 - boundary % 60) % 60 ))
echo "+$offset" > "$WORK/clock.offset"
fake_start=$((boundary + offset))
from=$(date -d "@$fake_start" +%Y-%m-%dT%H:%M)
to=$(date -d "@$((fake_start + 3600))" +%Y-%m-%dT%H:%M)

jq -s --arg mq "tcp://127.0.0.1:$mq_port" --arg db "$WORK/riskgw.db" --arg from "$from" --arg to "$to" \
   --argjson ports "{\"meter7\": $PORT_meter, \"cast1\": $PORT_cast, \"dust1\": $PORT_dust, \"siren2\": $PORT_siren}" '
   {enterprise: "ent-test", gateway: "gw-test", mqtt: {uri: $mq}, store: {path: $db},
    devices: [.[].devices[] | .host = "127.0.0.1" | .port = $ports[.id] | .interval_ms = 100],
    calendars: {shutdown: [{from: $from, to: $to}]},
    rules: [.[].rules[]]}' "$EX/casting.json" "$EX/dust.json" "$EX/power_shutdown.json" > "$WORK/site.json"
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "the examples' rules were refused: $(cat "$WORK/site.json")"
start_bg_faketime gw "$BUILD/riskgw" -c "$WORK/site.json"

raised() { wait_for_line "$WORK/events.log" "\"point\":\"$1\".*\"kind\":\"RAISED\"" "$STEP_S" \
             || fail "no RAISED for $1: $(cat "$WORK/events.log"; tail -5 "$WORK/gw.log")"; }
raised cooling_loss
wait_coil horn 1 10
raised hopper_hot_running
raised spark_fan_running
raised load_in_shutdown
ctl_say dust "set isolation_valve_closed 1"
raised isolation_closed_running
sleep 1

rule_events() { grep "\"device\":\"_rules\"" "$WORK/events.log" | jq -r "select(.point == \"$1\") | .kind" | paste -sd' '; }
[ -z "$(rule_events casting_not_permitted)" ] || fail "casting_not_permitted without a fault: $(rule_events casting_not_permitted)"
[ "$(rule_events load_in_shutdown)" = RAISED ] || fail "load_in_shutdown events: $(rule_events load_in_shutdown)"
# the 300 kW before the shutdown began raised nothing: the alarm is from the load's return
ts=$(grep '"point":"load_in_shutdown"' "$WORK/events.log" | jq -r 'select(.kind == "RAISED") | .ts' | head -1)
[ "$ts" -ge $((fake_start * 1000)) ] || fail "load_in_shutdown raised at $ts, before the calendar began at ${fake_start}000"
for r in cooling_loss spark_fan_running isolation_closed_running; do
    case "$(rule_events $r)" in RAISED*) ;; *) fail "$r events: $(rule_events $r)" ;; esac
done
jq -e -s 'map(select(.device == "_rules" and .point == "cooling_loss"))[0] | .severity == 2 and .level == "alarm"' \
   "$WORK/events.log" >/dev/null || fail "cooling_loss event fields"
echo "PASS: the casting, dust and power rules of docs/examples raised as documented"

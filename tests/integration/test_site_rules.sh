#!/usr/bin/env bash
# Site rule sets against the simulators' scenarios (played 10x fast), each with the
# exact event sequence that must reach MQTT:
#  - deep-well casting: cooling-water pressure and flow collapse mid-cast, past
#    400 mm: the combined rules (only meaningful while casting) raise, latched;
#  - dust removal: bags clog (dP H then HH, with the site shortening the
#    profile's 30 s on-delay to 1 s: at 10x, dP takes 3 s from H to HH), a spark while the
#    fan runs (a combined rule), and the latched spark and extinguishing inputs.
set -euo pipefail
BUILD=${1:?usage: test_site_rules.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

mq_port=$(free_port)
start_mosquitto "$mq_port"
start_sub sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v -t 'riskgw/v1/ent-test/gw-test/event/#'
cast_port=$(free_port)
dust_port=$(free_port)
start_bg cast "$BUILD/riskgw-sim" --profile casting_plc --port "$cast_port" --speed 10 \
    --scenario "$SRC/simulators/scenarios/casting_cooling_failure.json"
start_bg dust "$BUILD/riskgw-sim" --profile dust_collector --port "$dust_port" --speed 10 \
    --scenario "$SRC/simulators/scenarios/dust_clog_spark.json"
wait_for_line "$WORK/cast.log" "listening on" 10 || fail "casting simulator did not start"
wait_for_line "$WORK/dust.log" "listening on" 10 || fail "dust simulator did not start"

cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"}, "store": {"path": "$WORK/riskgw.db"},
 "devices": [
   {"id": "cast", "profile": "casting_plc", "host": "127.0.0.1", "port": $cast_port, "interval_ms": 100},
   {"id": "dust", "profile": "dust_collector", "host": "127.0.0.1", "port": $dust_port, "interval_ms": 100,
    "points": [{"id": "dp", "alarm": {"levels": [{"name": "L", "below": 300}, {"name": "H", "above": 1800},
                                                 {"name": "HH", "above": 2500}], "hysteresis": 50, "on_delay_s": 1}}]}],
 "rules": [
   {"id": "cooling_pressure_loss", "name": "Cooling-water pressure lost during a cast",
    "when": "cast.casting_active == 1 and cast.cast_length > 400 and (cast.cw_pressure < 0.15 or rate(cast.cw_pressure, 1s) < -0.05)",
    "level": "alarm", "severity": 2, "latch": true},
   {"id": "cooling_flow_loss", "name": "Cooling-water flow lost during a cast",
    "when": "cast.casting_active == 1 and cast.cast_length > 400 and (cast.cw_flow < 80 or rate(cast.cw_flow, 1s) < -20)",
    "level": "alarm", "severity": 2, "latch": true},
   {"id": "spark_while_running", "name": "Spark in the duct while the fan runs",
    "when": "dust.spark == 1 and dust.fan_run == 1", "level": "alarm", "severity": 3, "latch": true}]}
JSON
"$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null || fail "the site config was refused"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/sub.log" '"point":"extinguishing".*"kind":"RETURNED"' 40 || { tail -5 "$WORK/gw.log"; fail "the dust scenario did not finish"; }
wait_for_line "$WORK/sub.log" '"point":"dp".*"kind":"ESCALATED"' 10 || fail "dP never escalated to HH"
sleep 1

# seq_of TOPIC_PART: "point:KIND:level ..." for events whose topic contains TOPIC_PART, in seq order.
seq_of() { grep "/event/$1" "$WORK/sub.log" | sed 's/^[^ ]* //' | jq -r -s 'unique_by(.seq) | .[] | .point + ":" + .kind + ":" + .level' | paste -sd' '; }
casting=$(seq_of _rules/cooling)
echo "casting: $casting"
case "$casting" in
  "cooling_pressure_loss:RAISED:alarm cooling_flow_loss:RAISED:alarm"|"cooling_flow_loss:RAISED:alarm cooling_pressure_loss:RAISED:alarm") ;;
  *) fail "casting events: $casting" ;;
esac
[ -z "$(seq_of cast/)" ] || fail "casting point alarms that should not be: $(seq_of cast/)"
# expect TOPIC_PART SEQUENCE: the exact events of one point, in seq order.
expect() { local got; got=$(seq_of "$1"); echo "$1: $got"; [ "$got" = "$2" ] || fail "$1 events: '$got', expected '$2'"; }
expect dust/dp "dp:RAISED:H dp:ESCALATED:HH"
expect dust/spark "spark:RAISED:H spark:RETURNED:H"
expect dust/extinguishing "extinguishing:RAISED:H extinguishing:RETURNED:H"
expect _rules/spark "spark_while_running:RAISED:alarm spark_while_running:RETURNED:alarm"
[ "$(grep -c '/event/dust/' "$WORK/sub.log" | tr -d ' ')" -ge 6 ] || fail "dust events missing"
echo "PASS: casting cooling loss and dust clog/spark produced exactly the expected events"

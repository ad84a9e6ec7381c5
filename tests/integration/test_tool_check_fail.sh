#!/usr/bin/env bash
# riskgw check on a site that is not right, all real: a gas detector and a 4-20 mA
# module behind one converter port of riskgw-sim, and a device nobody serves.
# Through the simulator's control socket the detector reads 116 %LEL (past its
# plausible range), one loop is broken (2 mA), one sits in NE43's uncertain band
# (3.7 mA), and one register of the module is refused. check must exit 1 and
# say for each what is wrong and why, and still read the points around the
# refused register. report, with no gateway running, reads the bus itself and
# lists the same problems as open items.
set -euo pipefail
BUILD=${1:?usage: test_tool_check_fail.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

conv=$(free_port); dead=$(free_port)
cat > "$WORK/sim-site.json" <<JSON
{"devices": [
  {"id": "gas1", "profile": "gas_lel",   "port": $conv, "unit": 1, "scenario": "normal_day.json"},
  {"id": "ai1",  "profile": "ai_4_20ma", "port": $conv, "unit": 2, "scenario": "normal_day.json"}]}
JSON
start_bg sim "$BUILD/riskgw-sim" --site "$WORK/sim-site.json" --control "$WORK/sim.ctl"
wait_for_line "$WORK/sim.log" "listening on" 10 || fail "the simulator did not start; see $WORK/sim.log"
sim_ctl "$WORK/sim.ctl" gas1 set lel 116
sim_ctl "$WORK/sim.ctl" ai1 fault ch2
sim_ctl "$WORK/sim.ctl" ai1 set ch3 -1.875      # 3.7 mA: NE43 says uncertain
sim_ctl "$WORK/sim.ctl" ai1 inject gap input 5  # ch6's register: exception 2

cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "store": {"path": "$WORK/riskgw.db"},
 "devices": [
  {"id": "gas1", "profile": "gas_lel",   "host": "127.0.0.1", "port": $conv, "unit": 1},
  {"id": "ai1",  "profile": "ai_4_20ma", "host": "127.0.0.1", "port": $conv, "unit": 2},
  {"id": "dead", "profile": "gas_o2",    "host": "127.0.0.1", "port": $dead, "unit": 1, "timeout_ms": 200}]}
JSON

rc=0
"$BUILD/riskgw" check -c "$WORK/site.json" > "$WORK/check.out" 2>&1 || rc=$?
cat "$WORK/check.out"
[ "$rc" = 1 ] || fail "check exited $rc on a broken site, expected 1"
expect() { grep -Eq -- "$1" "$WORK/check.out" || fail "check did not say: $1"; }
expect "^dead \(gas_o2\) at 127\.0\.0\.1:$dead unit 1: FAIL: cannot connect to 127\.0\.0\.1:$dead: Connection refused"
expect "^  lel +holding 0 +1160 +116 %LEL +out_of_range +FAIL: implausible: 116 %LEL is outside -5\.\.105"
expect "^  status +holding 1 bit 0 +0 +0 +good +ok$"
expect "^  ch2 +input 1 +2000 .* sensor_fault +FAIL: sensor fault: loop current below 3\.6"
expect "^  ch3 +input 2 +3700 .* uncertain +WARN: uncertain: loop current in a NAMUR NE43 uncertain band"
expect "^  ch6 +input 5 +- .*FAIL: the device refuses this address \(exception 2, illegal data address\)"
expect "^  ch5 +input 4 +[0-9]+ .* good +ok$"
expect "^  ch7 +input 6 +[0-9]+ .* good +ok$"
expect "^  o2 +holding 0 +- .*FAIL: not read: the device does not answer"
expect "^result: FAILED: 2 of 3 devices answer; 6 of 12 points ok, 1 warnings, 5 failed$"

# A unit id nobody serves behind the converter: the converter's exception 0x0B.
sed "s/\"port\": $dead, \"unit\": 1/\"port\": $conv, \"unit\": 9/" "$WORK/site.json" > "$WORK/site9.json"
"$BUILD/riskgw" check -c "$WORK/site9.json" > "$WORK/check9.out" 2>&1 && fail "check passed with a missing unit"
grep -Eq "^dead \(gas_o2\) at 127\.0\.0\.1:$conv unit 9: FAIL: answers holding 0\+2 only with exception 11 \(gateway target device failed to respond\)" \
    "$WORK/check9.out" || fail "check's reason for a missing unit: $(grep '^dead' "$WORK/check9.out")"

# The report reads the bus itself when no gateway runs, and lists the open items.
rc=0
"$BUILD/riskgw" report --lang en -c "$WORK/site.json" -o "$WORK/report.html" > "$WORK/report.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "report exited $rc with open items, expected 1: $(cat "$WORK/report.out")"
for want in "read from the bus by this report" "OPEN ITEMS" "DOES NOT ANSWER: cannot connect" \
            "implausible: 116 %LEL" "sensor fault: loop current" "NOT TESTED"; do
    grep -q "$want" "$WORK/report.html" || fail "the report does not say: $want"
done
echo "PASS: check and report name every dead device and implausible point, and why"

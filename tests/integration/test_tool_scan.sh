#!/usr/bin/env bash
# riskgw scan finds the right unit ids, all real:
#  - Modbus TCP: three instruments behind one riskgw-sim port (a TCP-to-RTU
#    converter) at units 2, 5 and 9; the scan of 1..247 lists exactly those, the
#    power meter by its exception (it has no holding registers), and no other id
#    (the converter answers exception 0x0B for them);
#  - Modbus RTU: a detector at unit 7 on a pseudo-terminal at 38400 baud, even
#    parity; scanning every default baud rate and parity finds it at exactly that
#    setting and nowhere else (the simulator ignores a master at other settings).
# And it fails plainly: nothing listening (exit 1), a bad range (exit 2).
set -euo pipefail
BUILD=${1:?usage: test_tool_scan.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

# found FILE: the unit ids of the result table, space-separated.
found() { awk '/^UNIT /{t=1; next} t && /^[0-9]/ {print $1}' "$1" | paste -sd' '; }

conv=$(free_port)
cat > "$WORK/sim-site.json" <<JSON
{"devices": [
  {"id": "gas2",   "profile": "gas_lel",         "port": $conv, "unit": 2},
  {"id": "o2-5",   "profile": "gas_o2",          "port": $conv, "unit": 5},
  {"id": "meter9", "profile": "power_meter_3ph", "port": $conv, "unit": 9}]}
JSON
start_bg sim "$BUILD/riskgw-sim" --site "$WORK/sim-site.json"
start_bg rtu "$BUILD/riskgw-sim" --profile gas_lel --rtu-pty --baud 38400 --parity E --unit 7
wait_for_line "$WORK/sim.log" "listening on" 10 || fail "the TCP simulator did not start; see $WORK/sim.log"
wait_for_line "$WORK/rtu.log" "rtu on /dev/pts/" 10 || fail "the RTU simulator did not start; see $WORK/rtu.log"
pts=$(sed -n 's/^riskgw-sim: rtu on \(\/dev\/pts\/[0-9]*\).*/\1/p' "$WORK/rtu.log")

# ---- TCP: the whole range behind one converter port ----
"$BUILD/riskgw" scan "127.0.0.1:$conv" > "$WORK/tcp.out" || { cat "$WORK/tcp.out"; fail "scan found nothing on TCP"; }
cat "$WORK/tcp.out"
[ "$(found "$WORK/tcp.out")" = "2 5 9" ] || fail "TCP scan found units '$(found "$WORK/tcp.out")', expected '2 5 9'"
grep -Eq "^2 +tcp +holding 0 = [0-9]+ \(0x[0-9A-F]{4}\)$" "$WORK/tcp.out" || fail "unit 2's answer"
grep -Eq "^9 +tcp +exception 2 \(illegal data address\) at holding 0$" "$WORK/tcp.out" || fail "unit 9 (no holding registers) was not found by its exception"
grep -q "^riskgw scan: 3 answers in" "$WORK/tcp.out" || fail "TCP scan summary"
"$BUILD/riskgw" scan "127.0.0.1:$conv" --units 3-4,6-8 --register input:0 > "$WORK/none.out" && fail "scan claimed units that are not there"
grep -q "^tcp  *nothing$" "$WORK/none.out" || fail "an empty scan does not say so: $(cat "$WORK/none.out")"

# ---- RTU: every default baud rate and parity, units 6..8 ----
"$BUILD/riskgw" scan "$pts" --units 6-8 > "$WORK/rtu.out" || { cat "$WORK/rtu.out"; fail "scan found nothing on the serial line"; }
cat "$WORK/rtu.out"
[ "$(grep -c '^[0-9]* 8[NEO][12] ' "$WORK/rtu.out")" = 18 ] || fail "the RTU scan did not try 6 baud rates x 3 parities"
[ "$(found "$WORK/rtu.out")" = "7" ] || fail "RTU scan found units '$(found "$WORK/rtu.out")', expected '7'"
grep -Eq "^7 +38400 8E1 +holding 0 = [0-9]+" "$WORK/rtu.out" || fail "unit 7 not found at 38400 8E1: $(grep '^7 ' "$WORK/rtu.out")"
grep -q "^38400 8E1  *units 7$" "$WORK/rtu.out" || fail "the 38400 8E1 line"
"$BUILD/riskgw" scan "$pts" --units 7 --baud 9600,38400 --parity E --first > "$WORK/first.out" || fail "scan --first"
grep -q "^38400 8E1" "$WORK/first.out" || fail "--first did not reach 38400"

# ---- failing plainly ----
rc=0; "$BUILD/riskgw" scan "127.0.0.1:$(free_port)" > "$WORK/closed.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q "Connection refused" "$WORK/closed.out" || fail "a closed port: exit $rc, $(cat "$WORK/closed.out")"
rc=0; "$BUILD/riskgw" scan "$pts" --units 0-300 > "$WORK/bad.out" 2>&1 || rc=$?
[ "$rc" = 2 ] && grep -q "expected numbers or ranges from 1 to 247" "$WORK/bad.out" || fail "a bad range: exit $rc, $(cat "$WORK/bad.out")"
echo "PASS: scan finds units 2, 5, 9 behind a TCP port and unit 7 at 38400 8E1 on a serial line"

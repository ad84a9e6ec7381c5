#!/usr/bin/env bash
# Local outputs over Modbus RTU, all real: the siren module sits on a serial line (a
# pseudo-terminal riskgw-sim serves) with a dead unit beside it. A gas alarm (the
# detector over TCP) sounds the horn and lights the beacon on the line, silence
# releases the horn, reset releases the beacon; the dead unit's write fails after
# its retries with an OUTPUT_FAILED event, and the live module on the same line is
# polled all the while.
set -euo pipefail
BUILD=${1:?usage: test_local_outputs_rtu.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/siren.sh"
harness_init
STEP_S=10

siren_plant health

start_bg siren sh -c "exec '$BUILD/riskgw-sim' --profile siren_beacon --rtu-pty --baud 115200 \
    --control '$WORK/siren.ctl' </dev/null"
wait_for_line "$WORK/siren.log" "^riskgw-sim: rtu on /dev/pts/[0-9]+ " "$STEP_S" || fail "siren simulator did not start"
line=$(sed -n 's/^riskgw-sim: rtu on \(\/dev\/pts\/[0-9]*\) .*/\1/p' "$WORK/siren.log")

cat > "$WORK/site.json" <<JSON
{
  "enterprise": "ent-test", "gateway": "gw-test",
  "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
  "store": {"path": "$WORK/riskgw.db"},
  "status_interval_s": 1,
  "buses": [{"id": "rs485-1", "device": "$line", "baud": 115200, "pause_ms": 5}],
  "devices": [
    {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100,
     "points": [{"id": "lel",
                 "alarm": {"levels": [{"name": "level1", "above": 25}, {"name": "level2", "above": 50}], "latch": true},
                 "outputs": [{"point": "siren1.horn", "audible": true}, {"point": "siren1.beacon"},
                             {"point": "siren9.horn"}]}]},
    {"id": "siren1", "profile": "siren_beacon", "bus": "rs485-1", "unit": 1, "interval_ms": 200,
     "timeout_ms": 200, "points": [{"id": "horn", "writable": true}, {"id": "beacon", "writable": true}]},
    {"id": "siren9", "profile": "siren_beacon", "bus": "rs485-1", "unit": 9, "interval_ms": 200,
     "timeout_ms": 100, "retries": 1, "points": [{"id": "horn", "writable": true}]}
  ]
}
JSON
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/gw.log" "output siren1/beacon is 0 \(asserted at start" "$STEP_S" \
  || fail "the outputs on the line were not asserted at start: $(cat "$WORK/gw.log")"

sim_say "set lel 30"
wait_for_line "$WORK/events.log" '"kind":"RAISED"' "$STEP_S" || fail "no RAISED at 30 %LEL"
wait_coil horn 1 "$STEP_S"
wait_coil beacon 1 "$STEP_S"
wait_for_line "$WORK/events.log" '"device":"siren9".*"kind":"OUTPUT_FAILED","level":"on"' "$STEP_S" \
  || fail "no OUTPUT_FAILED for the dead unit on the line"
grep '"device":"siren9".*"level":"on"' "$WORK/events.log" | grep -q 'Connection timed out (2 tries)' \
  || fail "the dead unit's failure does not say why: $(grep siren9 "$WORK/events.log")"

"$BUILD/riskgw" silence -c "$WORK/site.json" gas1 lel --actor tech-li >/dev/null || fail "silence refused"
wait_coil horn 0 "$STEP_S"
[ "$(coil beacon)" = 1 ] || fail "silence released the beacon: $(siren show)"
sim_say "set lel 2"
wait_for_line "$WORK/events.log" '"kind":"RETURNED"' "$STEP_S" || fail "no RETURNED"
"$BUILD/riskgw" reset -c "$WORK/site.json" gas1 lel --actor tech-li >/dev/null || fail "reset refused"
wait_coil beacon 0 "$STEP_S"

siren1=$(jq -r -s 'unique_by(.seq) | .[] | select(.device == "siren1") | .kind + ":" + .point + ":" + .level' \
         "$WORK/events.log" | paste -sd' ')
[ "$siren1" = "OUTPUT:horn:on OUTPUT:beacon:on OUTPUT:horn:off OUTPUT:beacon:off" ] \
  || fail "siren1 events on the wire: $siren1"
# The dead unit costs the line its timeouts until it is backed off; from then on the
# live module is read on its 200 ms schedule (health reports every second).
backed_off() { jq -s '[.[] | select(any(.devices[]; .id == "siren9" and .backed_off))] | length' "$WORK/health.log"; }
deadline=$((SECONDS + STEP_S))
until [ "$(backed_off)" -ge 4 ]; do
    [ "$SECONDS" -le "$deadline" ] || fail "no three seconds of health reports with the dead unit backed off"
    sleep "$HARNESS_POLL_S"
done
jq -e -s 'map(select(any(.devices[]; .id == "siren9" and .backed_off))) | [first, last]
          | map({ts, s: (.devices[] | select(.id == "siren1"))})
          | (.[1].s.polls_ok - .[0].s.polls_ok) >= ((.[1].ts - .[0].ts) / 200 * 0.8)
            and .[1].s.polls_failed == 0' "$WORK/health.log" >/dev/null \
  || fail "the live module was not read on schedule beside the dead unit: $(cat "$WORK/health.log")"
echo "PASS: horn and beacon on a serial line followed the alarm; the dead unit's write failed without holding up the line"

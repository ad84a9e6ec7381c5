#!/usr/bin/env bash
# make demo: a private mosquitto, the gas-detector simulator playing a leak over
# and over, the gateway, and a live view of alarms arriving at a subscriber.
# Runs until Ctrl-C, or DEMO_SECONDS=N seconds; always cleans up what it started.
set -euo pipefail
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
. "$SRC/tests/lib/harness.sh"
harness_init

mq_port=$(free_port)
sim_port=$(free_port)
start_mosquitto "$mq_port"
start_bg sim "$BUILD/riskgw-sim" --profile gas_lel --port "$sim_port" --unit 1 \
    --scenario "$SRC/simulators/scenarios/gas_leak.json" --loop
wait_for_line "$WORK/sim.log" "listening on" 10 || fail "the simulator did not start; see $WORK/sim.log"
sed -e "s|@MQTT_PORT@|$mq_port|" -e "s|@SIM_PORT@|$sim_port|" -e "s|@WORK@|$WORK|" \
    "$SRC/simulators/demo/site.json.in" > "$WORK/site.json"
start_bg gateway "$BUILD/riskgw" -c "$WORK/site.json"

cat <<TXT
riskgw demo
  broker     mosquitto on 127.0.0.1:$mq_port (private, stops with the demo)
  simulator  gas detector (%LEL) on 127.0.0.1:$sim_port, scenario: gas leak, looping
  gateway    config $WORK/site.json, store $WORK/riskgw.db, log $WORK/gateway.log
  alarms     level 1 at 25 %LEL, level 2 at 50 %LEL (GB/T 50493-2019), hysteresis 2
Live view of alarm messages (subscribe yourself: mosquitto_sub -p $mq_port -v -t 'riskgw/v1/#'):
TXT
mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v \
    -t 'riskgw/v1/+/+/event/#' -t 'riskgw/v1/+/+/status' \
  | jq -R -r --unbuffered -f "$SRC/simulators/demo/view.jq" &
HARNESS_PIDS+=("$!")
if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
  echo "demo: $DEMO_SECONDS s are up; stopping"
else
  wait
fi

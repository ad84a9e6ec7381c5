#!/usr/bin/env bash
# make demo: a private mosquitto, a whole demo site in the simulator (gas, toxic,
# O2, 4-20 mA, dust collector, casting PLC, power meter, each playing its
# scenario over and over), the gateway with combined rules and its site console
# (the address is printed; nothing is opened), and a live view of the alarms
# arriving at a subscriber.
# Runs until Ctrl-C, or DEMO_SECONDS=N seconds; always cleans up what it started.
set -euo pipefail
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
. "$SRC/tests/lib/harness.sh"
harness_init

mq_port=$(free_port)
p0=$(free_port); p1=$(free_port); p2=$(free_port); p3=$(free_port)
start_mosquitto "$mq_port"
# The shipped demo site, moved onto free ports.
jq --argjson m "{\"15020\": $p0, \"15021\": $p1, \"15022\": $p2, \"15023\": $p3}" \
   '.devices |= map(.port = $m[(.port | tostring)])' "$SRC/simulators/sites/demo.json" > "$WORK/sim-site.json"
sed -i "s|\"scenario\": \"|\"scenario\": \"$SRC/simulators/scenarios/|" "$WORK/sim-site.json"
start_bg sim "$BUILD/riskgw-sim" --site "$WORK/sim-site.json" --loop
wait_for_line "$WORK/sim.log" "listening on 127.0.0.1:$p3" 10 || fail "the simulator did not start; see $WORK/sim.log"
# The site console on a loopback port, with one operator (the demo prints its address, opens nothing).
console_port=$(free_port)
operator=$(echo "demo-password" | "$BUILD/riskgw" passwd demo)
sed -e "s|@MQTT_PORT@|$mq_port|" -e "s|@P0@|$p0|g" -e "s|@P1@|$p1|g" -e "s|@P2@|$p2|g" -e "s|@P3@|$p3|g" \
    -e "s|@WORK@|$WORK|" "$SRC/simulators/demo/site.json.in" |
  jq --arg listen "127.0.0.1:$console_port" --argjson op "$operator" \
     '.console = {"listen": $listen, "operators": [$op]}' > "$WORK/site.json"
chmod 0640 "$WORK/site.json"
start_bg gateway "$BUILD/riskgw" -c "$WORK/site.json"

cat <<TXT
riskgw demo
  broker     mosquitto on 127.0.0.1:$mq_port (private, stops with the demo)
  simulator  a demo site on 127.0.0.1:$p0..$p3 (log $WORK/sim.log), every scenario looping:
             gas leak (%LEL), H2S, O2, 4-20 mA inputs behind one converter; dust collector
             clogging then a spark; a cast losing its cooling water; load in a shutdown
  gateway    config $WORK/site.json, store $WORK/riskgw.db, log $WORK/gateway.log
  console    http://127.0.0.1:$console_port/  (sign in as demo, password demo-password)
  try        $BUILD/riskgw status -c $WORK/site.json
             $BUILD/riskgw silence -c $WORK/site.json gas1 lel
Live view of alarm messages (subscribe yourself: mosquitto_sub -p $mq_port -v -t 'riskgw/v1/#'):
TXT
# The subscriber is the background job (so cleanup kills it: it would otherwise
# reconnect forever to the stopped broker); the view reads it and ends with it.
mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v \
    -t 'riskgw/v1/+/+/event/#' -t 'riskgw/v1/+/+/status' \
  > >(jq -R -r --unbuffered -f "$SRC/simulators/demo/view.jq") &
HARNESS_PIDS+=("$!")
if [ -n "${DEMO_SECONDS:-}" ]; then
  sleep "$DEMO_SECONDS"
  echo "demo: $DEMO_SECONDS s are up; stopping"
else
  wait
fi

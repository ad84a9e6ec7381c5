#!/usr/bin/env bash
# Config reload on a running gateway: SIGHUP with a bad file is refused with the
# reason and polling goes on under the old config; a good file is applied (a new
# device is polled) while a standing latched alarm stays latched and is not sent
# again; the MQTT reload command answers with the same verdicts.
set -euo pipefail
BUILD=${1:?usage: test_reload.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_sub events mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/event/#"
start_sub tele mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/telemetry/#"
start_sub replies mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/reply"

start_gas_sim

# site DEVICES_JSON: write the config with the given devices array.
site() {
  cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"}, "store": {"path": "$WORK/riskgw.db"},
 "devices": $1}
JSON
}
latched='"points": [{"id": "lel", "alarm": {"levels": [{"name": "level1", "above": 1}, {"name": "level2", "above": 50}], "latch": true}}]'
site "[{\"id\": \"gas1\", \"profile\": \"gas_lel\", \"host\": \"127.0.0.1\", \"port\": $SIM_PORT, \"interval_ms\": 100, $latched}]"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/events.log" '"kind":"RAISED"' 10 || fail "the 2 %LEL > 1 alarm was not raised"

# ---- a bad file: refused, old config keeps polling ----
echo '{"enterprise": "ent-test", "gateway": ' > "$WORK/site.json"
kill -HUP "$gw"
wait_for_line "$WORK/gw.log" "reload refused, the running config stays: .*site.json:[0-9]+:[0-9]+: JSON syntax error" 10 \
  || fail "bad reload not refused with its reason: $(tail -3 "$WORK/gw.log")"
before=$(wc -l < "$WORK/tele.log")
sleep 2.5
[ "$(wc -l < "$WORK/tele.log")" -gt "$before" ] || fail "polling stopped after a refused reload"
kill -0 "$gw" || fail "the gateway died on a bad reload"

# ---- a good file adds a device; the latched alarm stays and is not sent again ----
site "[{\"id\": \"gas1\", \"profile\": \"gas_lel\", \"host\": \"127.0.0.1\", \"port\": $SIM_PORT, \"interval_ms\": 100, $latched},
       {\"id\": \"gas2\", \"profile\": \"gas_lel\", \"host\": \"127.0.0.1\", \"port\": $SIM_PORT, \"interval_ms\": 100}]"
kill -HUP "$gw"
wait_for_line "$WORK/gw.log" "reloaded .*: 2 devices, 4 points" 10 || fail "good reload not applied"
wait_for_line "$WORK/tele.log" '"device":"gas2"' 10 || fail "the new device is not polled"
sleep 1
[ "$(jq -s '[.[] | select(.kind == "RAISED") | .seq] | unique | length' "$WORK/events.log")" = 1 ] \
  || fail "the standing alarm was raised again after the reload"
mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m '{"id":"x","cmd":"reset","device":"gas1","point":"lel"}'
wait_for_line "$WORK/replies.log" '"id":"x"' 10 || fail "no reply"
grep '"id":"x"' "$WORK/replies.log" | jq -e '.ok == false' >/dev/null || fail "latch lost across the reload"

# ---- the reload command: refused for a mqtt change, applied for a good file ----
sed -i "s|\"uri\": \"tcp://127.0.0.1:$mq_port\"|\"uri\": \"tcp://127.0.0.1:$mq_port\", \"keepalive_s\": 60|" "$WORK/site.json"
mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m '{"id":"r1","cmd":"reload"}'
wait_for_line "$WORK/replies.log" '"id":"r1"' 10 || fail "no reply to reload"
grep '"id":"r1"' "$WORK/replies.log" | jq -e '.ok == false and (.error | test("mqtt section changed; restart"))' >/dev/null \
  || fail "mqtt change not refused: $(grep '"id":"r1"' "$WORK/replies.log")"
sed -i 's|, "keepalive_s": 60||' "$WORK/site.json"
mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m '{"id":"r2","cmd":"reload"}'
wait_for_line "$WORK/replies.log" '"id":"r2"' 10 || fail "no reply to reload"
grep '"id":"r2"' "$WORK/replies.log" | jq -e '.ok == true' >/dev/null || fail "good reload command refused"
echo "PASS: bad reload refused and polling went on; good reload applied with the latch kept"

#!/usr/bin/env bash
# The same alarm through all three uplinks at once: MQTT, the national
# dust-enterprise platform (SM4-CBC, decrypted here by the openssl command, an
# implementation independent of ours) and a duty-staff webhook (a readable text
# line). The national platform receives exactly the payload the MQTT subscriber
# receives, and each uplink confirms on its own cursor.
set -euo pipefail
BUILD=${1:?usage: test_http_uplinks.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init
key=0123456789abcdeffedcba9876543210
iv=fedcba98765432100123456789abcdef

mq_port=$(free_port)
start_mosquitto "$mq_port"
start_sub sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -t 'riskgw/v1/ent-test/gw-test/event/#'
start_bg http /usr/bin/python3 "$SRC/tests/lib/http_server.py" "$WORK/http.port" "$WORK/http.jsonl" \
    --secret s3cret --key "$key" --iv "$iv"
wait_for_line "$WORK/http.port" '^[0-9]+$' 10 || fail "http server did not start"
http_port=$(cat "$WORK/http.port")

start_gas_sim "$SRC/tests/integration/gas_leak_fast.json"
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
 "national": {"url": "http://127.0.0.1:$http_port/national/upload", "appid": "app-1",
              "appsecret": "s3cret", "sm4_key": "$key", "sm4_iv": "$iv", "classes": ["events"]},
 "webhooks": [{"name": "duty", "url": "http://127.0.0.1:$http_port/robot/send?key=tok",
               "rate_limit": {"count": 10, "window_s": 60}}],
 "store": {"path": "$WORK/riskgw.db"},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": 200, "points": [{"id": "lel", "alarm": {"latch": false}}]}]}
JSON
# The file holds the appsecret and the SM4 key: readable by all, it is warned about.
chmod 0644 "$WORK/site.json"
out=$("$BUILD/riskgw" -n -c "$WORK/site.json" 2>&1)
grep -q "holds secrets .* every user on this box can read it; run: chmod 0640" <<<"$out" \
  || fail "a world-readable config with secrets was not warned about: $out"
chmod 0640 "$WORK/site.json"
out=$("$BUILD/riskgw" -n -c "$WORK/site.json" 2>&1)
grep -q "holds secrets" <<<"$out" && fail "a 0640 config was warned about: $out"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/sub.log" '"kind":"CLEARED"' 40 || fail "no CLEARED on MQTT"
sleep 1.5

mqtt_payloads=$(jq -c -s 'unique_by(.seq)' "$WORK/sub.log")
national=$(jq -c -s '[.[] | select(.path | startswith("/national")) | .decrypted | fromjson] | unique_by(.seq)' "$WORK/http.jsonl")
[ "$national" = "$mqtt_payloads" ] || fail "national platform got $national, MQTT got $mqtt_payloads"
jq -e -s 'all(.[] | select(.path | startswith("/national")); .appsecret == "s3cret"
           and (.body | fromjson | .appid == "app-1"))' "$WORK/http.jsonl" >/dev/null \
  || fail "national requests lack the appsecret header or appid"
texts=$(jq -r -s '.[] | select(.path | startswith("/robot")) | .body | fromjson | .text.content' "$WORK/http.jsonl")
echo "$texts"
for kind in RAISED ESCALATED CLEARED; do
  grep -q "gas1/lel.*$kind" <<<"$texts" || fail "webhook lacks a $kind line"
done
n=$(jq 'length' <<<"$national")
cursors=$(sqlite3 "$WORK/riskgw.db" "SELECT sink || '=' || seq FROM cursors WHERE cls = 0 ORDER BY sink;" | paste -sd' ')
echo "event cursors: $cursors"
for s in mqtt national webhook:duty; do
  grep -q "$s=$n" <<<"$cursors" || fail "uplink $s has not confirmed all $n events: $cursors"
done
echo "PASS: $n events through MQTT, the national platform (SM4) and the duty webhook"

#!/usr/bin/env bash
# The first vertical slice, all real: riskgw-sim plays a gas leak on a loopback
# Modbus TCP port, riskgw polls it, decides the two-level alarm, stores it in
# SQLite and publishes it at QoS 1 to a real mosquitto. The test asserts the
# alarm messages (RAISED level1, ESCALATED level2, ..., CLEARED) with their
# fields and sequence numbers, the same events in the SQLite file, the retained
# online/offline status, and that this plain site maps no TLS or HTTP library.
set -euo pipefail
BUILD=${1:?usage: test_gas_alarm.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

mq_port=$(free_port)
start_mosquitto "$mq_port"
start_sub sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v -t 'riskgw/v1/ent-test/gw-test/event/#'

start_gas_sim "$SRC/tests/integration/gas_leak_fast.json"

cat > "$WORK/site.json" <<JSON
{
  "enterprise": "ent-test", "gateway": "gw-test",
  "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
  "store": {"path": "$WORK/riskgw.db"},
  "status_interval_s": 1,
  "devices": [
    {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "unit": 1,
     "interval_ms": 200, "points": [{"id": "lel", "alarm": {"latch": false}}]}
  ]
}
JSON
"$BUILD/riskgw" -n -c "$WORK/site.json" || fail "riskgw -n refused the test config"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw_pid=$BG_PID

wait_for_line "$WORK/sub.log" '"kind":"CLEARED"' 40 || { cat "$WORK/gw.log"; fail "no CLEARED event within 40 s"; }
sleep 0.5

# ---- the messages on the broker ----
payloads=$(sed 's/^[^ ]* //' "$WORK/sub.log")
kinds=$(jq -r '.kind + ":" + .level' <<<"$payloads" | paste -sd' ')
echo "events seen: $kinds"
case "$kinds" in
  "RAISED:level1 ESCALATED:level2 DEESCALATED:level1 CLEARED:level1") ;;
  "RAISED:level1 ESCALATED:level2 CLEARED:level2") ;;
  *) fail "unexpected event sequence: $kinds" ;;
esac
topics=$(cut -d' ' -f1 "$WORK/sub.log" | sort -u)
[ "$topics" = "riskgw/v1/ent-test/gw-test/event/gas1/lel" ] || fail "unexpected topics: $topics"
jq -e -s 'all(.[]; .v == 1 and .enterprise == "ent-test" and .gateway == "gw-test"
                  and .device == "gas1" and .point == "lel" and .unit == "%LEL"
                  and .quality == "good" and (.id | type) == "number" and .ts > 1700000000000)' \
   <<<"$payloads" >/dev/null || fail "a message lacks a field: $payloads"
jq -e -s '[.[].seq] == [range(1; length + 1)]' <<<"$payloads" >/dev/null \
   || fail "seq is not 1..n without gaps: $(jq -c -s '[.[].seq]' <<<"$payloads")"
jq -e -s '(.[0].value >= 25) and (.[1].value >= 50) and (.[-1].value < 25)' <<<"$payloads" >/dev/null \
   || fail "values do not match the setpoints: $(jq -c -s '[.[].value]' <<<"$payloads")"

# ---- the same events in the SQLite file ----
stored=$(sqlite3 "$WORK/riskgw.db" "SELECT kind || ':' || level FROM events ORDER BY id;" | paste -sd' ')
[ "$stored" = "$kinds" ] || fail "stored events '$stored' differ from published '$kinds'"
ids=$(sqlite3 "$WORK/riskgw.db" "SELECT id FROM events ORDER BY id;" | paste -sd' ')
[ "$ids" = "$(jq -r '.id' <<<"$payloads" | paste -sd' ')" ] || fail "event ids differ between store and MQTT"
[ "$(sqlite3 "$WORK/riskgw.db" 'PRAGMA journal_mode;')" = wal ] || fail "store is not in WAL mode"
nsamples=$(sqlite3 "$WORK/riskgw.db" "SELECT count(*) FROM samples;")
[ "$nsamples" -gt 20 ] || fail "only $nsamples samples stored"

# ---- health: retained on .../health, and on the box through `riskgw status` ----
health=$(mosquitto_sub -h 127.0.0.1 -p "$mq_port" -t 'riskgw/v1/ent-test/gw-test/health' -C 1 -W 5)
jq -e '.devices[0].id == "gas1" and .devices[0].polls_ok > 10 and .process.threads >= 3
       and .process.rss_kib > 0 and .store.ok == true and .uplinks[0].name == "mqtt"
       and .uplinks[0].connected == true and (.config_hash | length) == 16' <<<"$health" >/dev/null \
  || fail "health report incomplete: $health"
view=$("$BUILD/riskgw" status -c "$WORK/site.json") || fail "riskgw status failed"
grep -Eq '^  gas1 +[0-9]+ +0 +[0-9]+s +polling$' <<<"$view" || fail "riskgw status does not show gas1 polling: $view"
grep -q 'mqtt       connected' <<<"$view" || fail "riskgw status does not show the uplink: $view"
# Reports every second go to RAM (/run/riskgw, where this user may write): the card
# keeps the copy made at start, the next one is 10 minutes away.
card_report=$WORK/riskgw.db.status.json
card_ts=$(jq -r .ts "$card_report") || fail "no copy of the health report beside the store"
in_ram=0
[ -w /run/riskgw ] && in_ram=1
if [ "$in_ram" = 1 ]; then
    [ "$(health_report "$WORK/site.json" | jq -r .ts)" -gt "$card_ts" ] ||
        fail "riskgw status does not read a newer report from RAM than the card's copy ($card_ts)"
fi

# ---- footprint: a plain tcp:// site without HTTP uplinks or metrics maps only the
# plain Paho build, none of the libraries opened on demand (docs/dependencies.md) ----
maps=$(cat "/proc/$gw_pid/maps") || fail "cannot read the gateway's memory map"
grep -q '/libpaho-mqtt3a\.so' <<<"$maps" || fail "riskgw does not run Paho's plain build"
for lib in libpaho-mqtt3as libssl libcrypto libcurl libmicrohttpd; do
  ! grep -q "/$lib\.so" <<<"$maps" || fail "riskgw mapped $lib although this site does not use it"
done

# ---- status: retained online now, offline after a clean stop ----
status=$(mosquitto_sub -h 127.0.0.1 -p "$mq_port" -t 'riskgw/v1/ent-test/gw-test/status' -C 1 -W 5)
jq -e '.online == true' <<<"$status" >/dev/null || fail "status is not online: $status"
kill -TERM "$gw_pid"
wait "$gw_pid" || fail "riskgw did not exit 0 on SIGTERM; see $WORK/gw.log"
[ "$(jq -r .ts "$card_report")" -gt "$card_ts" ] || fail "no last health report beside the store at the stop"
[ "$(health_report "$WORK/site.json")" = "$(cat "$card_report")" ] ||
    fail "riskgw status does not show the last report once the gateway stopped"
if [ "$in_ram" = 1 ] && ram_reports "$WORK/riskgw.db\""; then
    fail "a report of the stopped gateway is left in /run/riskgw"
fi
status=$(mosquitto_sub -h 127.0.0.1 -p "$mq_port" -t 'riskgw/v1/ent-test/gw-test/status' -C 1 -W 5)
jq -e '.online == false' <<<"$status" >/dev/null || fail "status after stop is not offline: $status"
echo "PASS: $(jq -s length <<<"$payloads") alarm messages, $nsamples samples stored"

#!/usr/bin/env bash
# Minute aggregates: the per-minute min/avg/max the store keeps for months after the
# raw samples go (docs/store.md). The gateway runs under libfaketime with its wall
# clock set a few seconds before a minute turns; the simulator holds the reading at
# 10 %LEL, then 30. When the minute turns, the gateway writes that minute's row:
# it must name the minute, count every good reading of it (10 a second, not only
# the ones stored), and give min 10, max 30 and an average between them. The stop,
# a second into the next minute, writes that minute so far (it is not lost with
# the process); a second run inside the same minute adds to that row, not over it.
set -euo pipefail
BUILD=${1:?usage: test_minute_aggregates.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

LEAD_S=6                            # the gateway starts this long before the minute turns
INTERVAL_MS=100
MS_PER_MIN=60000

start_gas_sim
sim_say "set lel 10"
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 200},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": $INTERVAL_MS}]}
JSON
# The gateway's wall clock: real time shifted so that it reads ss = 60 - LEAD_S now.
now_s=${EPOCHREALTIME%.*}
echo "+$(((60 - LEAD_S - now_s % 60 + 60) % 60))" >"$WORK/clock.offset"
start_bg_faketime gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
turn=$((now_s + LEAD_S))            # real time at which the gateway's minute turns
query() { sqlite3 "$WORK/riskgw.db" "$1" 2>/dev/null; }
for _ in $(seq 100); do             # the first readings (10 %LEL) are in
    [ "$(query "SELECT count(*) FROM samples")" -ge 1 ] 2>/dev/null && break
    sleep 0.1
done
[ "${EPOCHREALTIME%.*}" -lt $((turn - 2)) ] || fail "the gateway took too long to start; see $WORK/gw.log"
sleep 1
sim_say "set lel 30"
while [ "${EPOCHREALTIME%.*}" -le $((turn + 1)) ]; do sleep 0.1; done   # the new minute's first reading closes the old one
kill -TERM "$gw"
wait "$gw" 2>/dev/null || true

key=$(query "SELECT point_key FROM points WHERE device = 'gas1' AND point = 'lel'")
[ -n "$key" ] || fail "the store has no point gas1/lel; see $WORK/gw.log"
rows=$(query "SELECT minute_ms, n, min, avg, max FROM aggregates WHERE point_key = $key ORDER BY minute_ms")
[ "$(wc -l <<<"$rows")" = 2 ] || fail "expected the closed minute and the one the stop cut, got: '$rows'"
IFS='|' read -r minute n min avg max <<<"$(head -1 <<<"$rows")"
IFS='|' read -r cut cut_n cut_min _ cut_max <<<"$(tail -1 <<<"$rows")"
first=$(query "SELECT min(ts_ms) FROM samples WHERE point_key = $key")
[ $((minute % MS_PER_MIN)) = 0 ] || fail "minute_ms $minute is not the start of a minute"
[ "$first" -ge "$minute" ] && [ "$first" -lt $((minute + MS_PER_MIN)) ] ||
    fail "the aggregate's minute $minute does not hold the first sample ($first)"
stored=$(query "SELECT count(*) FROM samples WHERE point_key = $key AND ts_ms < $((minute + MS_PER_MIN))")
# Readings every 100 ms for about LEAD_S s; only the changes and heartbeats are stored.
[ "$n" -ge $((LEAD_S * 1000 / INTERVAL_MS / 2)) ] && [ "$n" -gt "$stored" ] ||
    fail "the minute counted $n readings (stored rows $stored): not every reading was counted"
awk -v a="$min" -v b="$max" -v m="$avg" 'BEGIN { exit !(a == 10 && b == 30 && m > 10 && m < 30) }' ||
    fail "minute aggregate min/avg/max $min/$avg/$max, expected 10 / between / 30"
[ "$cut" = $((minute + MS_PER_MIN)) ] && [ "$cut_n" -ge 1 ] && [ "$cut_min" = 30.0 ] && [ "$cut_max" = 30.0 ] ||
    fail "the stop did not write the minute it cut: '$(tail -1 <<<"$rows")'"

# A second run inside the same minute: its readings add to the row the stop wrote.
start_bg_faketime gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
sleep 2
kill -TERM "$gw"
wait "$gw" 2>/dev/null || true
again=$(query "SELECT n, min, max FROM aggregates WHERE point_key = $key AND minute_ms = $cut")
IFS='|' read -r again_n again_min again_max <<<"$again"
[ "${again_n:-0}" -gt "$cut_n" ] && [ "$again_min" = 30.0 ] && [ "$again_max" = 30.0 ] ||
    fail "the second run's readings did not add to minute $cut: $cut_n readings before, now '$again'"
echo "PASS: minute $minute: $n readings, min $min avg $avg max $max ($stored stored rows);" \
     "the minute cut by a stop: $cut_n readings, $again_n after a second run"

#!/usr/bin/env bash
# A minute in which a point reads exactly its last stored value writes no aggregate
# row (gateway/core_history.c, docs/store.md): the samples already say it, and on a
# steady plant those rows were most of what reached the flash card (issue 17). The
# gateway runs under libfaketime, its wall clock a few seconds before a minute
# turns, polling a detector that holds 2 %LEL: the partial minute it starts in and
# the whole minute after write no row, and the samples still say 2 for them. Then
# the reading moves to 10: that minute is written (cut by the stop), min 2, max 10.
set -euo pipefail
BUILD=${1:?usage: test_still_minutes.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

LEAD_S=3                            # the gateway starts this long before its minute turns
MS_PER_MIN=60000

start_gas_sim                       # clean air: a constant 2 %LEL
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 200},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT,
              "interval_ms": 100}]}
JSON
now_s=${EPOCHREALTIME%.*}
offset=$(((60 - LEAD_S - now_s % 60 + 60) % 60))
echo "+$offset" >"$WORK/clock.offset"
start_bg_faketime gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
turn=$((now_s + LEAD_S))            # real time at which the gateway's first minute turns
query() { sqlite3 -cmd '.timeout 5000' "$WORK/riskgw.db" "$1" 2>/dev/null; }
# Through the first turn and one whole still minute, into the third.
while [ "${EPOCHREALTIME%.*}" -le $((turn + 61)) ]; do sleep 0.2; done
sim_say "set lel 10"
sleep 1.5
kill -TERM "$gw"
wait "$gw" 2>/dev/null || true

key=$(query "SELECT point_key FROM points WHERE device = 'gas1' AND point = 'lel'")
[ -n "$key" ] || fail "the store has no point gas1/lel; see $WORK/gw.log"
third=$(( (turn + offset + 60) * 1000 ))    # the gateway's time at the second turn
third=$((third - third % MS_PER_MIN))
rows=$(query "SELECT minute_ms, min, max FROM aggregates WHERE point_key = $key ORDER BY minute_ms")
[ "$(wc -l <<<"$rows")" = 1 ] || fail "expected only the minute the reading moved in, got: '$rows'"
IFS='|' read -r minute min max <<<"$rows"
[ "$minute" = "$third" ] && [ "$min" = 2.0 ] && [ "$max" = 10.0 ] ||
    fail "expected minute $third with min 2 and max 10, got '$rows'"
held=$(query "SELECT value || '|' || quality FROM samples WHERE point_key = $key AND ts_ms < $third
              ORDER BY ts_ms DESC LIMIT 1")
[ "$held" = "2.0|0" ] || fail "the samples do not say what the still minutes read: last sample before them '$held'"
readings=$(query "SELECT count(*) FROM samples WHERE point_key = $key AND ts_ms < $third")
echo "PASS: two still minutes wrote no aggregate row (their $readings stored sample(s) say 2 %LEL);" \
     "the minute the reading moved in wrote min $min max $max"

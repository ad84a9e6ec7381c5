#!/usr/bin/env bash
# Telemetry is a view held in memory, and an outage loses none of it (issue 17,
# gateway/store_outbox_mem.c). A plant of DEVICES bench devices whose every reading
# changes (so every reading is stored as history), the default config:
#
# 1. While the uplink keeps up, no telemetry is written to the store: its outbox
#    table holds no telemetry row (before, every message was written, checkpointed
#    and deleted: most of what a steady plant wrote to its card).
# 2. The broker goes away for OUTAGE_S, longer than the memory budget holds: the
#    gateway writes the backlog to its store (spills) instead of dropping it.
# 3. When the broker returns, the subscriber gets every telemetry seq from 1 on,
#    none twice with different content, and every sample the store kept from the
#    outage arrives in a telemetry message (device, point and reading time).
#
# The issue's long form (10 minutes at 100 devices, about 15 minutes in all):
#   OUTAGE_DEVICES=100 OUTAGE_S=600 bash tests/integration/test_telemetry_outage.sh build
# passed on 2026-12-06: 59,745 messages spilled, all 75,162 seqs arrived, none
# reused, carrying all 1,799,948 samples stored during the outage; the backlog
# reached the (checking) subscriber 144 s after the broker returned.
set -euo pipefail
BUILD=${1:?usage: test_telemetry_outage.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/telemetry.sh"
harness_init

DEVICES=${OUTAGE_DEVICES:-40}
OUTAGE_S=${OUTAGE_S:-20}                # 40 devices x ~1.5 KB/s: about 1.2 MB, past the 512 KiB budget
KEEP_UP_S=6
base_topic=riskgw/v1/ent-test/gw-test
db=$WORK/riskgw.db
query() { sqlite3 -cmd '.timeout 5000' "$db" "$1"; }

started=
for _ in 1 2 3; do                      # a random base below the ephemeral range; retry on a clash
    sim_base=$((20000 + RANDOM % 9000))
    start_bg sims "$BUILD/riskgw-sim" --count "$DEVICES" --base-port "$sim_base" --profile bench_30reg \
        --scenario "$SRC/bench/bench_noise.json" --quiet
    wait_for_line "$WORK/sims.log" 'listening on' 10 && { started=1; break; }
    kill "$BG_PID" 2>/dev/null || true
done
[ -n "$started" ] || fail "riskgw-sim --count $DEVICES did not start; see $WORK/sims.log"

mq_port=$(free_port)
broker() { start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/" "max_queued_messages 0"; }
broker
start_sub sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -c -i riskgw-outage-sub -v -t "$base_topic/telemetry/#"
sleep 0.3
devices=$(jq -nc --argjson n "$DEVICES" --argjson base "$sim_base" '[range($n) | {id: "d\(.)",
    profile: "bench_30reg", host: "127.0.0.1", port: ($base + .), unit: 1, phase_ms: (. * 1000 / $n | floor)}]')
cat >"$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "store": {"path": "$db"}, "status_interval_s": 1,
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port", "reconnect_min_ms": 200, "reconnect_max_ms": 1000},
 "devices": $devices}
JSON
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 15 || fail "the gateway did not connect; see $WORK/gw.log"

# ---- 1. keeping up: telemetry flows, none of it on the card ----
sleep "$KEEP_UP_S"
sent=$(telemetry_lines "$WORK/sub.log" | wc -l)
[ "$sent" -ge $((DEVICES * (KEEP_UP_S - 2))) ] || fail "only $sent telemetry messages arrived in $KEEP_UP_S s from $DEVICES devices"
rows=$(query "SELECT count(*) FROM outbox WHERE cls = 1")
[ "$rows" -eq 0 ] || fail "the store's outbox holds $rows telemetry rows while the uplink keeps up: telemetry is written to flash"
reported_spill() { health_report "$WORK/site.json" | jq -r '.store.telemetry_spilled'; }
[ "$(reported_spill)" = 0 ] || fail "the health report says $(reported_spill) telemetry messages spilled while the uplink keeps up"

# ---- 2. the outage: the backlog goes to the store, not away ----
stop_mosquitto TERM
wait_for_line "$WORK/gw.log" "uplink mqtt lost" 10 || fail "the gateway did not notice the broker going"
down_ms=$(($(date +%s%N) / 1000000))
sleep "$OUTAGE_S"
up_ms=$(($(date +%s%N) / 1000000))
spilled=$(query "SELECT count(*) FROM outbox WHERE cls = 1")
[ "$spilled" -gt 0 ] || fail "after a ${OUTAGE_S} s outage the store holds no telemetry: the backlog was not spilled"
sleep 1.5                               # the next health report (status_interval_s 1)
[ "$(reported_spill)" -ge "$spilled" ] ||
    fail "the health report says $(reported_spill) telemetry messages spilled; the store holds $spilled"
broker
wait_for_line "$WORK/gw.log" "uplink mqtt connected.*" 15 || fail "the gateway did not reconnect"

# ---- 3. the backlog drains: every seq, every stored reading of the gap ----
# The backlog goes out in seq order, so once the subscriber gets messages made just
# now, it has had the whole backlog. (Waiting for the outbox table to empty is not
# enough: after a long outage the broker and the checking subscriber lag behind
# the gateway by thousands of messages.) Allow the gateway and the subscriber a
# generous rate for the backlog: at least 200 messages a second.
drain_s=$((60 + DEVICES * OUTAGE_S / 200))
for _ in $(seq $((drain_s * 2))); do
    newest=$(telemetry_lines "$WORK/sub.log" | tail -n 1 | jq -r '.ts // 0' 2>/dev/null || echo 0)
    [ $(($(date +%s%N) / 1000000 - ${newest:-0})) -lt 3000 ] && break
    sleep 0.5
done
[ "$(query "SELECT count(*) FROM outbox WHERE cls = 1")" -le 1 ] ||
    fail "the spilled telemetry did not drain within $drain_s s of the broker's return"
sleep 3                                 # the last of it through the broker to the subscriber
kill -TERM "$gw"
wait "$gw" || fail "the gateway did not stop cleanly; see $WORK/gw.log"
sleep 1

telemetry_check_gaps "$WORK/sub.log"
telemetry_check_reuse "$WORK/sub.log"
skipped=$(grep -c 'are skipped' "$WORK/gw.log" || true)
[ "$skipped" -eq 0 ] || fail "the gateway skipped telemetry seqs without an unclean stop"
got=$(telemetry_lines "$WORK/sub.log" | jq -s '[.[].seq] | unique | length')
last=$(telemetry_lines "$WORK/sub.log" | jq -s '[.[].seq] | max')
[ "$got" -eq "$last" ] || fail "$got distinct telemetry seqs arrived up to $last"
# Every sample of the outage the store kept, as device|point|reading time.
query "SELECT p.device || '|' || p.point || '|' || s.ts_ms FROM samples s JOIN points p USING (point_key)
       WHERE s.ts_ms > $down_ms AND s.ts_ms < $up_ms" | sort -u >"$WORK/stored.txt"
kept=$(wc -l <"$WORK/stored.txt")
[ "$kept" -ge $((DEVICES * 30 * (OUTAGE_S - 2))) ] || fail "only $kept samples stored during the ${OUTAGE_S} s outage"
telemetry_lines "$WORK/sub.log" | jq -r '.device as $d | .points | to_entries[] | "\($d)|\(.key)|\(.value.ts)"' |
    sort -u >"$WORK/delivered.txt"
missing=$(comm -23 "$WORK/stored.txt" "$WORK/delivered.txt" | wc -l)
[ "$missing" -eq 0 ] || fail "$missing of $kept samples stored during the outage never arrived in telemetry, e.g.
$(comm -23 "$WORK/stored.txt" "$WORK/delivered.txt" | head -3)"
dups=$(( $(telemetry_lines "$WORK/sub.log" | wc -l) - got ))
echo "PASS: no telemetry written while keeping up; a ${OUTAGE_S} s outage spilled $spilled messages;" \
     "afterwards all $last telemetry seqs arrived (none reused, $dups re-sent) carrying all $kept samples the store kept from the outage"

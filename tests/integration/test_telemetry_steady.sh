#!/usr/bin/env bash
# Telemetry in steady state, on 96 simulated devices polled every second:
#
# 1. It is spread across the commit interval (gateway/core_telemetry.c), not
#    written in one burst at its tick: a burst keeps the core busy and leaves the
#    WAL writing out when the next alarm's fsync must wait for it. A subscriber
#    stamps each message's arrival: every device is heard about once a second,
#    and no 100 ms stretch carries more than half a second's messages (a burst
#    carries all 96 within a few ms).
# 2. Delivered messages leave the store's outbox every commit interval, so it
#    holds what is in flight or waiting, not every message ever sent (an hourly
#    prune let it grow by 3.6 GB an hour at 500 devices).
set -euo pipefail
BUILD=${1:?usage: test_telemetry_steady.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

DEVICES=96
LISTEN_S=6
BURST_MS=100

started=
for _ in 1 2 3; do                      # a random base below the ephemeral range; retry on a clash
    base=$((20000 + RANDOM % 9000))
    start_bg sims "$BUILD/riskgw-sim" --count "$DEVICES" --base-port "$base" --profile gas_lel --quiet
    wait_for_line "$WORK/sims.log" 'listening on' 5 && { started=1; break; }
    kill "$BG_PID" 2>/dev/null || true
done
[ -n "$started" ] || fail "riskgw-sim --count $DEVICES did not start; see $WORK/sims.log"
start_mosquitto "$(free_port)"
devices=$(jq -nc --argjson n "$DEVICES" --argjson base "$base" '[range($n) | {id: "d\(.)",
    profile: "gas_lel", host: "127.0.0.1", port: ($base + .), unit: 1, interval_ms: 1000, phase_ms: (. * 10)}]')
cat >"$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 1000},
 "mqtt": {"uri": "tcp://127.0.0.1:$MOSQUITTO_PORT"},
 "devices": $devices}
JSON
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
wait_for_line "$WORK/gw.log" 'running:' 10 || fail "riskgw did not start; see $WORK/gw.log"
sleep 2                                 # every device polled, the first rounds behind us
timeout "$LISTEN_S" mosquitto_sub -p "$MOSQUITTO_PORT" -t 'riskgw/v1/ent-test/gw-test/telemetry/#' \
    -F '%U %t' >"$WORK/arrivals.txt" || true

got=$(wc -l <"$WORK/arrivals.txt")
[ "$got" -gt 0 ] || fail "no telemetry arrived; see $WORK/gw.log"
quiet=$(awk -v n="$DEVICES" -v s="$LISTEN_S" '{ seen[$2]++ }
    END { for (i = 0; i < n; i++) { t = "riskgw/v1/ent-test/gw-test/telemetry/d" i
                                    if (seen[t] < s - 2) print "d" i " (" seen[t] + 0 ")" } }' \
    "$WORK/arrivals.txt" | head -5 | paste -sd' ')
[ -z "$quiet" ] || fail "in ${LISTEN_S} s some devices had fewer than $((LISTEN_S - 2)) messages: $quiet"
densest=$(awk -v w="$BURST_MS" '{ t[NR] = $1 * 1000 }
    END { j = 1; best = 0
          for (i = 1; i <= NR; i++) { while (t[i] - t[j] > w) j++; if (i - j + 1 > best) best = i - j + 1 }
          print best }' "$WORK/arrivals.txt")
[ "$densest" -le $((DEVICES / 2)) ] ||
    fail "$densest telemetry messages arrived within ${BURST_MS} ms: the $DEVICES devices' telemetry came in a burst"
rows=$(sqlite3 -cmd '.timeout 5000' "$WORK/riskgw.db" "SELECT count(*) FROM outbox WHERE cls = 1")
[ "$rows" -le $((DEVICES * 3)) ] ||
    fail "the outbox holds $rows telemetry rows after $got were delivered: delivered rows are not retired"
echo "PASS: $got telemetry messages in ${LISTEN_S} s from $DEVICES devices; at most $densest in any ${BURST_MS} ms; $rows rows left in the outbox"

#!/usr/bin/env bash
# History on request (docs/interface.md): the platform asks on .../cmd for what a
# device recorded and gets it on .../reply in numbered chunks, the last marked.
#  - across a restart: three hours of stored samples plus the readings of two runs
#    (the first killed -9 while it answered), asked again after the restart: every
#    row the store holds for the range, exactly, in order, chunks 1..N, none too big;
#    and two days of minute aggregates the same way;
#  - past retention (raw and minute) and too large: one reply, a sentence, no chunk;
#  - garbage: each gets one error reply, and nothing in the store or the alarms moves;
#  - while alarms are raised: a long answer is streaming when the gas rises, and the
#    alarm reaches the platform before the answer's last chunk, not after it;
#  - a stop in the middle of an answer is a clean stop (it says what it left).
# The subscriber holds every reply to docs/asyncapi.yaml (tests/lib/contract/).
set -euo pipefail
BUILD=${1:?usage: test_history.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

HOUR_MS=3600000
DAY_MS=$((24 * HOUR_MS))
CHUNK_BYTES_MAX=32768
mq_port=$(free_port)
start_mosquitto "$mq_port"
base=riskgw/v1/ent-test/gw-test
start_bg sub mosquitto_sub -h 127.0.0.1 -p "$mq_port" -q 1 -v -t "$base/reply" -t "$base/event/#"
wait_subscribed "$BG_PID" || fail "the subscriber did not subscribe; see $WORK/sub.log"
start_gas_sim
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test",
 "mqtt": {"uri": "tcp://127.0.0.1:$mq_port"},
 "store": {"path": "$WORK/riskgw.db", "commit_interval_ms": 200},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 100}]}
JSON

query() { sqlite3 "$WORK/riskgw.db" "$1"; }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }
ask() { mosquitto_pub -h 127.0.0.1 -p "$mq_port" -q 1 -t "$base/cmd" -m "$1"; }
start_gateway() {
    start_bg "$1" "$BUILD/riskgw" -c "$WORK/site.json"
    GW=$BG_PID
    wait_for_line "$WORK/$1.log" "uplink mqtt connected" 15 || fail "the gateway did not connect; see $WORK/$1.log"
}
# The replies to request ID, in the order they arrived.
answer() { sed -n "s|^$base/reply ||p" "$WORK/sub.log" | jq -c --arg id "$1" 'select(.id == $id)'; }
# wait_answer ID: until its last chunk, or a refusal, arrived (60 s at most).
wait_answer() {
    local deadline=$((SECONDS + 60))
    until answer "$1" | jq -e -s 'any(.[]; .last == true or .ok == false)' >/dev/null; do
        [ "$SECONDS" -le "$deadline" ] || fail "no complete answer to $1: $(answer "$1" | tail -c 300)"
        sleep "$HARNESS_POLL_S"
    done
}
# complete ID: chunks 1..N, only the last marked, total = the rows sent, none refused or too big.
complete() {
    answer "$1" | jq -e -s 'length > 0 and map(.chunk) == [range(1; length + 1)]
        and map(.last) == [range(1; length) | false] + [true] and all(.[]; .ok)
        and .[-1].total == (map(.rows | length) | add)' >/dev/null ||
        fail "the answer to $1 is not chunks 1..N with the last marked: $(answer "$1" | jq -c '{chunk, last, ok, total, n: (.rows | length)}' | head -40)"
    local big
    big=$(answer "$1" | awk -v max=$CHUNK_BYTES_MAX 'length($0) > max' | wc -l)
    [ "$big" = 0 ] || fail "$big chunks of $1 are larger than $CHUNK_BYTES_MAX bytes"
}
rows_of() { answer "$1" | jq -c '.rows[]'; }
# refused ID REGEX: exactly one reply, a refusal whose sentence matches, and no chunk.
refused() {
    wait_answer "$1"
    answer "$1" | jq -e -s --arg re "$2" 'length == 1 and .[0].ok == false and (.[0] | has("chunk") | not)
        and (.[0].error | test($re))' >/dev/null || fail "$1 was not refused with /$2/: $(answer "$1")"
}

# ---- a store with three hours of samples and two days of minute aggregates before now ----
start_gateway gw0                       # creates the store and the point keys
kill -TERM "$GW"; wait "$GW" 2>/dev/null || true
lel=$(query "SELECT point_key FROM points WHERE device = 'gas1' AND point = 'lel'")
status=$(query "SELECT point_key FROM points WHERE device = 'gas1' AND point = 'status'")
[ -n "$lel" ] && [ -n "$status" ] || fail "the first run did not register gas1's points; see $WORK/gw0.log"
t0=$(($(now_ms) - 3 * HOUR_MS))
m0=$(($(now_ms) / 60000 * 60000 - 2 * DAY_MS - HOUR_MS))
query "DELETE FROM samples;
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 5999)
INSERT INTO samples (point_key, ts_ms, value, quality)
  SELECT CASE WHEN n % 10 = 9 THEN $status ELSE $lel END, $t0 + n * 1500,
         CASE WHEN n % 100 = 7 THEN NULL WHEN n % 10 = 9 THEN 0 ELSE (n % 50) / 2.0 END,
         CASE WHEN n % 100 = 7 THEN 4 ELSE 0 END FROM i;
WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 2879)
INSERT INTO aggregates (point_key, minute_ms, n, min, avg, max)
  SELECT $lel, $m0 + n * 60000, 600, n % 7, n % 7 + 0.25, n % 7 + 1.5 FROM i;"

# ---- a request across a restart ----
start_gateway gw1
run1=$(now_ms)
for v in 3 4 5; do sim_say "set lel $v"; sleep 0.3; done
ask "{\"id\":\"h-cut\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$t0}"
for _ in $(seq 200); do answer h-cut | grep -q . && break; sleep "$HARNESS_POLL_S"; done
kill -9 "$GW"; wait "$GW" 2>/dev/null || true
cut_chunks=$(answer h-cut | wc -l)
[ "$cut_chunks" -ge 1 ] || fail "the first run never started answering h-cut; see $WORK/gw1.log"
start_gateway gw2
run2=$(now_ms)
for v in 6 7; do sim_say "set lel $v"; sleep 0.3; done
sleep 1.5
to=$(($(now_ms) - 1000))                # every reading before this is committed
ask "{\"id\":\"h-raw\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$t0,\"to\":$to,\"v\":1}"
wait_answer h-raw
complete h-raw
sqlite3 -json "$WORK/riskgw.db" "SELECT p.point AS point, s.ts_ms AS ts, s.value AS v,
    CASE s.quality WHEN 0 THEN 'good' WHEN 1 THEN 'uncertain' WHEN 2 THEN 'out_of_range'
         WHEN 3 THEN 'sensor_fault' ELSE 'comm_fail' END AS q
    FROM samples s JOIN points p USING (point_key)
    WHERE p.device = 'gas1' AND s.ts_ms >= $t0 AND s.ts_ms < $to ORDER BY s.rowid" | jq -c '.[]' >"$WORK/raw-db.jsonl"
rows_of h-raw >"$WORK/raw-answer.jsonl"
jq -e -n --slurpfile a "$WORK/raw-answer.jsonl" --slurpfile b "$WORK/raw-db.jsonl" '$a == $b' >/dev/null ||
    fail "h-raw is not the store's rows: $(diff "$WORK/raw-answer.jsonl" "$WORK/raw-db.jsonl" | head -5)"
in_run1=$(jq -s --argjson a "$run1" --argjson b "$run2" 'map(select(.ts >= $a and .ts < $b)) | length' "$WORK/raw-answer.jsonl")
in_run2=$(jq -s --argjson a "$run2" 'map(select(.ts >= $a)) | length' "$WORK/raw-answer.jsonl")
raw_rows=$(wc -l <"$WORK/raw-answer.jsonl")
[ "$raw_rows" -gt 6000 ] && [ "$in_run1" -ge 3 ] && [ "$in_run2" -ge 2 ] ||
    fail "h-raw holds $raw_rows rows, $in_run1 of the killed run and $in_run2 of the next: expected the stored 6000, 3 and 2 more"
raw_chunks=$(answer h-raw | wc -l)

ask "{\"id\":\"h-min\",\"cmd\":\"history\",\"device\":\"gas1\",\"points\":[\"lel\"],\"resolution\":\"minute\",\"from\":$((m0 - HOUR_MS)),\"to\":$((m0 + 2 * DAY_MS))}"
wait_answer h-min
complete h-min
sqlite3 -json "$WORK/riskgw.db" "SELECT 'lel' AS point, minute_ms AS ts, n, min, avg, max FROM aggregates
    WHERE point_key = $lel AND minute_ms >= $((m0 - HOUR_MS)) AND minute_ms < $((m0 + 2 * DAY_MS))
    ORDER BY minute_ms" | jq -c '.[]' >"$WORK/min-db.jsonl"
rows_of h-min >"$WORK/min-answer.jsonl"
[ "$(wc -l <"$WORK/min-answer.jsonl")" = 2880 ] &&
    jq -e -n --slurpfile a "$WORK/min-answer.jsonl" --slurpfile b "$WORK/min-db.jsonl" '$a == $b' >/dev/null ||
    fail "h-min is not the store's 2880 minutes: $(diff "$WORK/min-answer.jsonl" "$WORK/min-db.jsonl" | head -5)"

# ---- past retention, too large ----
now=$(now_ms)
ask "{\"id\":\"h-old\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$((now - 31 * DAY_MS))}"
refused h-old "outside retention: raw samples are kept 30 days"
ask "{\"id\":\"h-old-min\",\"cmd\":\"history\",\"device\":\"gas1\",\"resolution\":\"minute\",\"from\":$((now - 91 * DAY_MS))}"
refused h-old-min "outside retention: minute aggregates are kept 90 days"
ask "{\"id\":\"h-big\",\"cmd\":\"history\",\"device\":\"gas1\",\"points\":[\"lel\"],\"resolution\":\"minute\",\"from\":$((now - 89 * DAY_MS))}"
refused h-big "too large: up to [0-9]+ minute rows"

# ---- garbage: an error each, and nothing else changes ----
before=$(query "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM samples WHERE ts_ms < $now),
                       (SELECT group_concat(hex(state)) FROM rule_state), (SELECT count(*) FROM aggregates WHERE minute_ms < $m0 + $DAY_MS)")
replies_before=$(sed -n "s|^$base/reply ||p" "$WORK/sub.log" | wc -l)
ask 'history please'
ask '{"id":"g-nodevice","cmd":"history","from":1}'
ask '{"id":"g-device","cmd":"history","device":"nope","from":1}'
ask '{"id":"g-point","cmd":"history","device":"gas1","points":["nope"],"from":1}'
ask "{\"id\":\"g-order\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$now,\"to\":$((now - 1))}"
ask "{\"id\":\"g-res\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$now,\"resolution\":\"hour\"}"
ask "{\"id\":\"g-v2\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$now,\"v\":2}"
ask "{\"id\":\"g-future\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$((now + DAY_MS))}"
refused g-nodevice "^device: is required"
refused g-device "no device nope"
refused g-point "no point gas1/nope"
refused g-order "^to: must be later than from"
refused g-res "^resolution: \"hour\" is not one of"
refused g-v2 "^v: this gateway speaks interface version 1; a command for version 2 is refused"
refused g-future "^from: is not earlier than to"
sed -n "s|^$base/reply ||p" "$WORK/sub.log" | jq -e -s --argjson n "$replies_before" \
    '.[$n:] | length == 8 and any(.[]; .id == "" and .ok == false and (.error | test("JSON syntax error")))' >/dev/null ||
    fail "the garbage did not get exactly one error reply each: $(sed -n "s|^$base/reply ||p" "$WORK/sub.log" | tail -n +$((replies_before + 1)))"
after=$(query "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM samples WHERE ts_ms < $now),
                      (SELECT group_concat(hex(state)) FROM rule_state), (SELECT count(*) FROM aggregates WHERE minute_ms < $m0 + $DAY_MS)")
[ "$before" = "$after" ] || fail "garbage requests changed the store: before $before, after $after"
kill -0 "$GW" 2>/dev/null || fail "the gateway died on garbage; see $WORK/gw2.log"

# ---- while alarms are raised: the alarm goes before the rest of a long answer ----
# The answer takes 2.5 s at least (25 chunks, at most ten a second); the gas rises as
# soon as the gateway took the request.
taken() { grep -c "command history gas1 from .* done" "$WORK/gw2.log"; }
asked=$(taken)
ask "{\"id\":\"h-busy\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$t0}"
for _ in $(seq 200); do [ "$(taken)" -gt "$asked" ] && break; sleep "$HARNESS_POLL_S"; done
raised_at=$(now_ms)
sim_say "set lel 60"
wait_for_line "$WORK/sub.log" "^$base/event/gas1/lel .*\"kind\":\"RAISED\"" 10 || fail "no RAISED event while h-busy streamed"
took=$(($(now_ms) - raised_at))
wait_answer h-busy
complete h-busy
alarm_line=$(grep -n "^$base/event/gas1/lel .*\"kind\":\"RAISED\"" "$WORK/sub.log" | head -1 | cut -d: -f1)
last_line=$(grep -n "^$base/reply .*\"id\":\"h-busy\".*\"last\":true" "$WORK/sub.log" | cut -d: -f1)
busy_chunks=$(answer h-busy | wc -l)
[ "$alarm_line" -lt "$last_line" ] ||
    fail "the alarm arrived after the whole history answer ($busy_chunks chunks): it waited behind it"
[ "$took" -lt 5000 ] || fail "the alarm took $took ms to arrive while history streamed"
! grep -E "ERROR|history .*(failed|dropped)" "$WORK"/gw2.log || fail "the gateway logged errors; see $WORK/gw2.log"

# ---- a stop in the middle of an answer: a clean stop all the same ----
asked=$(taken)
ask "{\"id\":\"h-stop\",\"cmd\":\"history\",\"device\":\"gas1\",\"from\":$t0}"
for _ in $(seq 200); do [ "$(taken)" -gt "$asked" ] && break; sleep "$HARNESS_POLL_S"; done
kill -TERM "$GW"
rc=0
wait "$GW" || rc=$?
[ "$rc" = 0 ] || fail "the gateway stopped with status $rc in the middle of an answer; see $WORK/gw2.log"
grep -q 'history raw of gas1 for "h-stop": not finished, the gateway stops' "$WORK/gw2.log" ||
    fail "the stop did not say it left h-stop unanswered; see $WORK/gw2.log"
echo "PASS: across a restart $raw_rows raw rows in $raw_chunks chunks (the killed run had sent $cut_chunks)," \
     "2880 minutes; retention and size refused; 8 garbage requests refused, nothing changed;" \
     "an alarm $took ms after the gas rose, while $busy_chunks chunks streamed"

#!/usr/bin/env bash
# Broker failover: the gateway is given two brokers (mqtt.uri as a list, as for
# the nodes of a cluster) and runs the busy plant. Its broker is SIGKILLed while
# alarms are being raised (the first time frozen for a second before, so a window
# of messages is in flight); it must move to the other one, later back when that
# one is killed in turn. The platform's side is one subscriber on each broker
# (mosquitto_sub, QoS 1, persistent session, timestamped lines), read as one
# stream. With FAILOVER_B=rabbitmq (make test-brokers) the second broker is
# RabbitMQ's MQTT plugin: the move is between two broker implementations. Checks: every event in the store arrived (seqs 1..last, every id; the
# telemetry without a gap); in seq order (each seq's first arrival after the
# one before it, up to the two subscribers' stamping jitter across brokers); and no duplicate beyond QoS 1's redelivery: a seq that came
# twice was raised before a kill, came again after that kill, at most once per
# broker connection, at most one window (mqtt.window) of them per kill.
set -euo pipefail
BUILD=${1:?usage: test_broker_failover.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
harness_init

RUN_S=${FAILOVER_RUN_S:-6}              # alarms raised on each broker between kills
SWITCH_WAIT_S=20
WINDOW=32                               # the gateway's default mqtt.window
# The gateway talks to one broker at a time, so its order shows in each broker's
# stream; across the two, a seq's first arrival is stamped by another subscriber
# process, which a loaded machine (ASan, a neighbour's campaign) delays by up to
# this much: a telemetry seq confirmed on broker a was once stamped after the next
# seq's copy on broker b.
STAMP_JITTER_MS=1000

port_a=$(free_port)
declare -A broker_pid
# FAILOVER_B=rabbitmq (make test-brokers): broker b is RabbitMQ with its MQTT plugin.
FAILOVER_B=${FAILOVER_B:-mosquitto}
if [ "$FAILOVER_B" = rabbitmq ]; then
    . "$SRC/tests/lib/rabbitmq.sh"
    start_rabbitmq
    port_b=$RABBIT_MQTT_PORT
    broker_pid[b]=$RABBIT_PID
else
    port_b=$(free_port)
fi
broker() {                              # broker a|b: start it, remember its pid
    if [ "$1" = b ] && [ "$FAILOVER_B" = rabbitmq ]; then
        start_rabbitmq
        broker_pid[b]=$RABBIT_PID
        return
    fi
    start_mosquitto "$([ "$1" = a ] && echo "$port_a" || echo "$port_b")"
    broker_pid[$1]=$MOSQUITTO_PID
}
declare -A sub_pid subacks
subscribed() {                          # subscribed a|b: its consumer is subscribed (again)
    subacks[$1]=$((${subacks[$1]:-0} + 1))
    wait_subscribed "${sub_pid[$1]}" 60 "${subacks[$1]}" ||
        fail "the subscriber on broker $1 did not subscribe; see $WORK/sub-$1.log"
}
subscribe() {                           # subscribe a|b: the platform's consumer on that broker
    local port
    port=$([ "$1" = a ] && echo "$port_a" || echo "$port_b")
    start_bg "sub-$1" mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -c -i "riskgw-failover-$1" \
        -F "%U $1 %t %p" -t "$FAULTS_BASE/event/#" -t "$FAULTS_BASE/telemetry/#"
    sub_pid[$1]=$BG_PID
    subscribed "$1"
}
now_ms() { date +%s%3N; }
connected_to() { grep -c "Connected to MQTT broker tcp://127.0.0.1:$1 " "$WORK/gw.log" || true; }

broker a
[ "$FAILOVER_B" = rabbitmq ] || broker b
subscribe a
subscribe b
faults_plant "$port_a" "$WORK/riskgw.db"
jq --arg a "tcp://127.0.0.1:$port_a" --arg b "tcp://127.0.0.1:$port_b" '.mqtt.uri = [$a, $b]' \
    "$WORK/site.json" >"$WORK/site2.json"
mv "$WORK/site2.json" "$WORK/site.json"
start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "Connected to MQTT broker tcp://127.0.0.1:$port_a " 10 ||
    fail "the gateway did not connect to the first broker; see $WORK/gw.log"

# failover FROM TO [FREEZE_S]: kill -9 broker FROM while alarms flow (frozen first
# for FREEZE_S, so what the gateway sends meanwhile is in flight, unconfirmed, at
# the kill); the gateway must reach TO.
kills=()
failover() {
    local from=$1 to=$2 freeze=${3:-0} port_to before t0
    port_to=$([ "$to" = a ] && echo "$port_a" || echo "$port_b")
    sleep "$RUN_S"
    before=$(connected_to "$port_to")
    kill -STOP "${broker_pid[$from]}"
    sleep "$freeze"
    # The kill's time is read after it: read before, a loaded machine let a few ms
    # pass until the kill, and a chunk of telemetry raised in them reached this
    # broker's subscriber, came again on the other broker, and looked like a
    # re-send with no kill between (CI, seqs 685-689).
    kill -9 "${broker_pid[$from]}"
    t0=$(now_ms)
    kills+=("$t0")
    wait "${broker_pid[$from]}" 2>/dev/null || true     # RabbitMQ's VM is not our child: no wait
    for _ in $(seq $((SWITCH_WAIT_S * 10))); do
        [ "$(connected_to "$port_to")" -gt "$before" ] && break
        sleep 0.1
    done
    [ "$(connected_to "$port_to")" -gt "$before" ] ||
        fail "the gateway did not move to broker $to within $SWITCH_WAIT_S s after $from was killed; see $WORK/gw.log"
    kill -0 "$gw" 2>/dev/null || fail "the gateway died when broker $from was killed; see $WORK/gw.log"
    echo "broker $from killed: the gateway was on broker $to after $(($(now_ms) - t0)) ms"
}
failover a b 1
broker a                                # back, empty (no persistence); its subscriber reconnects
subscribed a
failover b a
sleep "$RUN_S"

# One stream, in arrival order, as the platform's two consumers saw it.
merged() { cat "$WORK/sub-a.log" "$WORK/sub-b.log" | grep -E '^[0-9]+\.[0-9]+ [ab] ' | sort -s -n -k1,1; }
# The backlog drains with the gateway running (the last stored event arrives), then
# it stops cleanly and the stream is read once more, complete.
last_received() { merged | cut -d' ' -f3- >"$WORK/sub.log"; faults_event_lines "$WORK/sub.log" | jq -s 'map(.seq) | max // 0'; }
last_stored() { sqlite3 -cmd '.timeout 5000' "$WORK/riskgw.db" "SELECT IFNULL(MAX(seq), 0) FROM outbox WHERE cls = 0;"; }
for _ in $(seq 60); do
    [ "$(last_received)" -ge "$(last_stored)" ] && break
    sleep 0.5
done
kill -TERM "$gw"
wait "$gw" || fail "the gateway did not stop cleanly after the failovers"
sleep 1                                 # the subscribers write what the last PUBACKs confirmed
merged | cut -d' ' -f3- >"$WORK/sub.log"
faults_check_delivered "$WORK/sub.log" "$WORK/riskgw.db" 1
[ "$FAULTS_EVENTS" -ge 10 ] || fail "only $FAULTS_EVENTS events: the plant was not busy"

# Every message with a seq (events and telemetry, each its own sequence): arrival
# time (ms), broker, class, seq, raised (ts). One line per copy.
merged | awk '{ c = $3 ~ /\/event\// ? "event" : "telemetry"; t = $1; b = $2; $1 = $2 = $3 = ""; print t, b, c, $0 }' |
    jq -R -r 'split(" ") as $f | ($f[5:] | join(" ") | fromjson) as $m | select($m.seq != null)
              | "\($f[0] | tonumber * 1000 | floor) \($f[1]) \($f[2]) \($m.seq) \($m.ts)"' >"$WORK/copies"
kills_json=$(printf '%s\n' "${kills[@]}" | jq -s -c .)
verdict=$(jq -R -s -r --argjson kills "$kills_json" --argjson window "$WINDOW" --argjson jitter "$STAMP_JITTER_MS" '
    [split("\n")[] | select(length > 0) | split(" ") | {t: (.[0] | tonumber), b: .[1], c: .[2],
      seq: (.[3] | tonumber), ts: (.[4] | tonumber)}] as $all
    | [$all | group_by(.c)[] | . as $c
       | ($c | group_by(.seq) | map(sort_by(.t))) as $by_seq
       | ($by_seq | map(.[0]) | sort_by(.t)) as $firsts
       | {c: $c[0].c, copies: ($c | length), distinct: ($firsts | length),
          # Late: a higher seq came first on the same broker, or on the other broker
          # more than $jitter ms before (two subscriber processes stamp their lines).
          late: [range(1; $firsts | length) as $i | $firsts[$i] as $x
                 | select(any($firsts[:$i][]; .seq > $x.seq and (.b == $x.b or $x.t - .t > $jitter)))
                 | $x.seq],
          # A copy after the first is a redelivery only if a kill came between the raise and it.
          beyond: [$by_seq[] | select(length > 1) | . as $copies
                   | select([$copies[1:][] | .t as $t | $kills | any(. > $copies[0].ts and . <= $t)] | all | not)
                   | $copies[0].seq],
          too_many: [$by_seq[] | select(length > ($kills | length) + 1) | .[0].seq],
          dups: ([$by_seq[] | select(length > 1)] | length)}] as $classes
    | [$classes[] | . as $k
       | if ($k.late | length) > 0 then "\($k.c) seqs arrived out of order: \($k.late[:5])"
         elif ($k.beyond | length) > 0 then "\($k.c) seqs arrived twice with no broker kill between raise and re-send: \($k.beyond[:5])"
         elif ($k.too_many | length) > 0 then "\($k.c) seqs arrived more often than there were broker connections: \($k.too_many[:5])"
         elif $k.dups > $window * ($kills | length) then "\($k.dups) \($k.c) seqs arrived twice: more than one window per kill"
         else empty end] as $bad
    | if ($bad | length) > 0 then $bad | join("; ")
      else ($classes | map(select(.c == "event"))[0]) as $e
           | ($classes | map(select(.c == "telemetry"))[0]) as $m
           | "ok \($e.copies) \($e.distinct) \($e.dups) \($m.dups)" end' "$WORK/copies")
case $verdict in
    ok*) read -r _ copies distinct dups tdups <<<"$verdict" ;;
    *) fail "$verdict" ;;
esac
[ "$distinct" = "$FAULTS_LAST_SEQ" ] || fail "$distinct distinct event seqs arrived, the store has $FAULTS_LAST_SEQ"
echo "PASS: 2 broker kills, $distinct events (seq 1..$FAULTS_LAST_SEQ) arrived in seq order," \
     "$dups re-sent across a kill ($copies copies in all); $FAULTS_TELEMETRY telemetry messages without a gap," \
     "$tdups re-sent across a kill"

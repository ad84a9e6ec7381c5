# faults.sh - the busy plant and the delivery check shared by the fault tests
# (bash; source it after harness.sh, with $BUILD and $SRC set).
#
# The plant is the demo site (one device of each kind, each playing its scenario
# ten times faster, over and over: gas leaks, a clogging dust filter, a cast losing
# its cooling water, a load during a shutdown, with the demo's combined rules),
# polled every 200 ms and committed every 200 ms, plus two gas detectors whose
# alarms are latched: `hold2` reads 60 %LEL for ever (a standing alarm) and
# `latch3` reads 60 for its first 3 s, then 2 (returned, still latched). Neither
# may ever be sent again as new: that is how a test sees that the alarm state survived.
#
#   start_mosquitto "$port" "persistence true" "persistence_location $WORK/"
#   faults_subscribe "$port"              # a persistent QoS-1 subscriber: $WORK/sub.log
#   faults_plant "$port" "$WORK/riskgw.db"  # simulator running; gateway config in $WORK/site.json
#   ... faults ...
#   faults_check_delivered "$WORK/sub.log" "$WORK/riskgw.db" 30
#
# The gateway's logs must be $WORK/gw*.log (start_bg gw...): telemetry.sh reads
# from them which seqs a restart skipped.

. "$SRC/tests/lib/telemetry.sh"

FAULTS_ENTERPRISE=ent-faults
FAULTS_GATEWAY=gw-faults
FAULTS_BASE=riskgw/v1/$FAULTS_ENTERPRISE/$FAULTS_GATEWAY
FAULTS_SPEED=${FAULTS_SPEED:-10}        # scenario time runs this many times faster
FAULTS_INTERVAL_MS=200                  # poll and commit period of the busy plant

# faults_subscribe PORT [NAME]: the platform's side, a subscriber with a persistent
# session (QoS 1, fixed client id) that reconnects by itself, so it also gets what
# the broker queued for it while it was away. Writes "topic payload" lines to $WORK/NAME.log.
faults_subscribe() {
    local name=${2:-sub}
    start_bg "$name" mosquitto_sub -h 127.0.0.1 -p "$1" -q 1 -c -i "riskgw-faults-$name" -v \
        -t "$FAULTS_BASE/event/#" -t "$FAULTS_BASE/telemetry/#"
    wait_subscribed "$BG_PID" || fail "the subscriber did not subscribe; see $WORK/$name.log"
}

# faults_ports: choose the simulator's four ports (FAULTS_PORTS: the converter of the
# detectors, the dust collector, the casting PLC, the power meter) ahead of faults_plant.
FAULTS_PORTS=()
faults_ports() {
    FAULTS_PORTS=("$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)")
}

# faults_plant MQTT_PORT DB [EXTRA_DEVICES_JSON]: start the simulator, write the
# gateway's config to $WORK/site.json. EXTRA_DEVICES_JSON is a JSON array of more
# gateway device objects (the soak adds broken ones).
faults_plant() {
    local mq_port=$1 db=$2 extra=${3:-[]}
    [ ${#FAULTS_PORTS[@]} = 4 ] || faults_ports
    local p0=${FAULTS_PORTS[0]} p1=${FAULTS_PORTS[1]} p2=${FAULTS_PORTS[2]} p3=${FAULTS_PORTS[3]}
    jq --argjson m "{\"15020\": $p0, \"15021\": $p1, \"15022\": $p2, \"15023\": $p3}" \
       --arg dir "$SRC/tests/integration/faults" \
       '.devices |= map(.port = $m[(.port | tostring)])
        | .devices += [{"id": "hold2", "profile": "gas_lel", "port": $m["15020"], "unit": 5,
                        "scenario": ($dir + "/standing.json")},
                       {"id": "latch3", "profile": "gas_lel", "port": $m["15020"], "unit": 6,
                        "scenario": ($dir + "/latched.json")}]' \
       "$SRC/simulators/sites/demo.json" >"$WORK/sim-site.json"
    start_bg sim "$BUILD/riskgw-sim" --site "$WORK/sim-site.json" --loop --speed "$FAULTS_SPEED"
    wait_for_line "$WORK/sim.log" "listening on 127.0.0.1:$p3" 10 || fail "the simulator did not start; see $WORK/sim.log"
    local latched='{"levels": [{"name": "level1", "above": 25}, {"name": "level2", "above": 50}],
                    "hysteresis": 2, "latch": true}'
    sed -e "s|@MQTT_PORT@|$mq_port|" -e "s|@P0@|$p0|g" -e "s|@P1@|$p1|g" -e "s|@P2@|$p2|g" -e "s|@P3@|$p3|g" \
        -e "s|@WORK@|$WORK|" "$SRC/simulators/demo/site.json.in" |
    jq --arg db "$db" --argjson p0 "$p0" --argjson alarm "$latched" --argjson extra "$extra" \
       --argjson every "$FAULTS_INTERVAL_MS" --arg ent "$FAULTS_ENTERPRISE" --arg gw "$FAULTS_GATEWAY" \
       '.enterprise = $ent | .gateway = $gw | .status_interval_s = 2
        | .store = {"path": $db, "commit_interval_ms": $every}
        | .mqtt += {"reconnect_min_ms": 200, "reconnect_max_ms": 1000}
        | .devices = ([.devices[] | .interval_ms = $every]
            + [{"id": "hold2", "unit": 5}, {"id": "latch3", "unit": 6}
               | . + {"profile": "gas_lel", "host": "127.0.0.1", "port": $p0, "interval_ms": $every,
                      "points": [{"id": "lel", "alarm": $alarm}]}]
            + $extra)' >"$WORK/site.json"
    "$BUILD/riskgw" -n -c "$WORK/site.json" >/dev/null 2>"$WORK/site.check" ||
        fail "riskgw refused the plant's config: $(cat "$WORK/site.check")"
}

# faults_event_lines LOG: the event payloads a subscriber received (stored ones: with a seq).
faults_event_lines() {
    sed -n 's|^[^ ]*/event/[^ ]* ||p' "$1" | jq -c 'select(.seq != null)'
}

# faults_raised LOG DEVICE: how many distinct RAISED events of DEVICE arrived (by seq).
faults_raised() {
    faults_event_lines "$1" | jq -s --arg d "$2" '[.[] | select(.device == $d and .kind == "RAISED") | .seq] | unique | length'
}

# faults_stored_count KIND [DEVICE]: distinct seqs of that kind that arrived stored
# ($WORK/sub.log, faults_subscribe's); DEVICE "" or none: the gateway's own events.
faults_stored_count() {
    faults_event_lines "$WORK/sub.log" | jq -s --arg k "$1" --arg d "${2:-}" \
        '[.[] | select(.kind == $k and (.device // "") == $d) | .seq] | unique | length'
}
# faults_wait_stored KIND DEVICE N TIMEOUT_S: until N distinct seqs of that kind arrived
faults_wait_stored() {
    local deadline=$((SECONDS + $4))
    until [ "$(faults_stored_count "$1" "$2")" -ge "$3" ]; do
        [ "$SECONDS" -le "$deadline" ] || return 1
        sleep 0.2
    done
}
# faults_wait_unstored KIND DEVICE TIMEOUT_S: until one arrived with "stored": false
faults_wait_unstored() {
    local deadline=$((SECONDS + $3))
    until sed -n 's|^[^ ]*/event/[^ ]* ||p' "$WORK/sub.log" | jq -e -s --arg k "$1" --arg d "$2" \
            'any(.[]; .stored == false and .kind == $k and (.device // "") == $d)' >/dev/null; do
        [ "$SECONDS" -le "$deadline" ] || return 1
        sleep 0.2
    done
}

# faults_store_lists DB: from the store, $WORK/stored.ids (every event id) and
# $WORK/stored.pairs ("seq id" of the event rows still in the outbox: delivered ones
# are pruned, the newest is always kept); sets FAULTS_LAST_SEQ. Readable beside a
# running gateway.
faults_store_lists() {
    local q=(sqlite3 -cmd '.timeout 5000' "$1")
    FAULTS_LAST_SEQ=$("${q[@]}" "SELECT IFNULL(MAX(seq), 0) FROM outbox WHERE cls = 0;")
    "${q[@]}" "SELECT id FROM events;" | sort -u >"$WORK/stored.ids"
    "${q[@]}" "SELECT seq || ' ' || json_extract(payload, '\$.id') FROM outbox WHERE cls = 0;" |
        sort -k1,1 >"$WORK/stored.pairs"
    FAULTS_EPOCH=$("${q[@]}" "SELECT value FROM meta WHERE name = 'epoch';")
}

# faults_check_announced LOG DB: whatever arrived with a seq is in the store: its id
# is a stored event, its seq is at most the store's last, a seq never carried two
# events, the outbox rows still there carry the same id, all under the store's epoch;
# and no telemetry seq carried two different messages.
faults_check_announced() {
    local log=$1 extra twice
    faults_event_lines "$log" >"$WORK/received.events"      # first: the store holds all of it by then
    jq -r '"\(.seq) \(.id)"' "$WORK/received.events" | sort -u | sort -k1,1 >"$WORK/received.pairs"
    cut -d' ' -f2 "$WORK/received.pairs" | sort -u >"$WORK/received.ids"
    faults_store_lists "$2"
    extra=$(comm -13 "$WORK/stored.ids" "$WORK/received.ids" | head -5 | paste -sd,)
    [ -z "$extra" ] || fail "events arrived that the store does not hold: ids $extra"
    twice=$(cut -d' ' -f1 "$WORK/received.pairs" | sort | uniq -d | head -5 | paste -sd,)
    [ -z "$twice" ] || fail "one seq carried two different events: seq $twice"
    extra=$(jq -s --argjson last "$FAULTS_LAST_SEQ" '[.[].seq | select(. > $last)] | unique | .[:5] | join(",")' \
        "$WORK/received.events")
    [ "$extra" = '""' ] || fail "seqs arrived beyond the store's last ($FAULTS_LAST_SEQ): $extra"
    extra=$(join "$WORK/stored.pairs" "$WORK/received.pairs" | awk '$2 != $3' | head -5 | paste -sd,)
    [ -z "$extra" ] || fail "seqs arrived with another id than the store gave them (seq stored received): $extra"
    jq -e -s --argjson e "$FAULTS_EPOCH" 'all(.[]; .epoch == $e)' "$WORK/received.events" >/dev/null ||
        fail "an event arrived under another epoch than the store's ($FAULTS_EPOCH)"
    telemetry_check_reuse "$log"
}

# faults_check_delivered LOG DB TIMEOUT_S: faults_check_announced, and the other way
# round: every event in the store arrived (seqs 1..last, every stored id). Beside a
# running gateway the two are read one after the other, so it retries until they
# agree, for up to TIMEOUT_S (the backlog drains meanwhile). Telemetry seqs have no
# gap but the ones a restart skipped. Sets FAULTS_EVENTS (stored events), FAULTS_MESSAGES (event messages
# received, re-sends included), FAULTS_TELEMETRY.
faults_check_delivered() {
    local log=$1 deadline=$((SECONDS + $3)) gap missing
    while :; do
        faults_check_announced "$log" "$2"
        gap=$(jq -s --argjson last "$FAULTS_LAST_SEQ" '[range(1; $last + 1)] - [.[].seq] | .[:5] | join(",")' \
            "$WORK/received.events")
        missing=$(comm -23 "$WORK/stored.ids" "$WORK/received.ids" | head -5 | paste -sd,)
        [ "$gap" = '""' ] && [ -z "$missing" ] && break
        [ "$SECONDS" -le "$deadline" ] ||
            fail "stored events never arrived: seq $gap, ids $missing (of $FAULTS_LAST_SEQ seqs)"
        sleep 0.2
    done
    telemetry_check_gaps "$log"
    FAULTS_EVENTS=$(wc -l <"$WORK/stored.ids")
    FAULTS_MESSAGES=$(wc -l <"$WORK/received.events")
    FAULTS_TELEMETRY=$(telemetry_lines "$log" | jq -s '[.[].seq] | unique | length')
}

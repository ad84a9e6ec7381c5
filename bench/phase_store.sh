# phase_store.sh - figure 4: the store's write rate, the rules' rate and a backlog drain.
#
# bench_store (the store module's own benchmark) and bench_rules (the rules
# module's, when it is built) print "NAME VALUE"; bench_drain empties an outbox of
# DRAIN_COUNT telemetry messages through the real outbox and MQTT sink into the
# private mosquitto. Each runs STORE_RUNS times; the median is reported. The bytes
# per point per day come from the scale phase (the store's growth in its window).

DRAIN_COUNT=100000

# median_of NAME KEY RUNS CMD...: run CMD RUNS times and print the median of the number
# after KEY in its output ("null" when a run fails).
median_of() {
    local name=$1 key=$2 runs=$3 r out
    shift 3
    : >"$WORK/$name.txt"
    for r in $(seq "$runs"); do
        out=$("$@" 2>>"$WORK/$name.err") || { echo null; return; }
        field "$key" <<<"$out" >>"$WORK/$name.txt"
    done
    grep -v null "$WORK/$name.txt" | median
}

phase_store() {
    local store rules=null drain
    section "4. Store and outbox"
    bench_log "store: bench_store x $STORE_RUNS"
    store=$(median_of bench_store store_samples_per_s "$STORE_RUNS" "$BUILD/bench_store" "$WORK")
    result store_samples_per_s "$store"
    row "store samples/s (bench_store, 15,000 per commit)" "$(fmt "$store" 0)" ">= 200000" "$(verdict "$store" ">=" 200000)"
    if [ -x "$BUILD/bench_rules" ]; then
        bench_log "rules: bench_rules x $STORE_RUNS"
        rules=$(median_of bench_rules rules_samples_per_s "$STORE_RUNS" "$BUILD/bench_rules")
        row "rules samples/s (bench_rules)" "$(fmt "$rules" 0)" "info" "-"
    else
        row "rules samples/s (bench_rules)" "not built" "info" "-"
    fi
    result rules_samples_per_s "$rules"
    bench_log "outbox: bench_drain of $DRAIN_COUNT messages x $STORE_RUNS"
    drain=$(median_of bench_drain outbox_drain_msgs_per_s "$STORE_RUNS" \
                "$BUILD/bench_drain" -u "$MQ_URI" -n "$DRAIN_COUNT" -d "$WORK")
    result outbox_drain_msgs_per_s "$drain"
    row "outbox drain, QoS 1 msgs/s ($DRAIN_COUNT x 30-point telemetry)" "$(fmt "$drain" 0)" ">= 10000" "$(verdict "$drain" ">=" 10000)"
}

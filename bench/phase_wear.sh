# phase_wear.sh - figure 6: what the gateway writes to its card, and how long a card lasts.
#
# Storage writes are /proc/PID/io write_bytes of the gateway (the WAL, checkpoints,
# logs: what wears flash), which another process's CPU load does not disturb.
# Two plants per N (WEAR_NS), each with the default config (write_site: only the
# store path, MQTT and the devices):
# - steady: bench_30reg devices whose registers hold still (no scenario), measured
#   over WEAR_STEADY_S (the issue's target is judged over at least 5 minutes, so
#   that the 300 s sample heartbeat falls inside); both Ns run at once, since
#   write_bytes is per process;
# - worst case: every reading changes between two polls (bench_noise.json), so
#   every reading is stored, over WEAR_WORST_S, one N at a time.
# Card life assumes a card rated for WEAR_CARD_TB terabytes written by the host,
# the gateway its only writer, and no wear the rating does not already count.

WEAR_CARD_TB=30
WEAR_STEADY_TARGET_KIBS=4               # at N=100, the whole gateway (issue 17)
WEAR_WORST_TARGET_KIBS_DEV=2            # KiB per device per second at N=500

# wear_start LABEL N SCENARIO: a plant and a gateway; sets WEAR_GW, WEAR_SIMS.
wear_start() {
    local base site=$WORK/wear-$1-$2.json
    base=$(free_port_range "$2") || fail "no $2 consecutive free ports"
    start_sims "$2" "$base" "$3" || fail "riskgw-sim lacks --count: no wear figures at N=$2"
    WEAR_SIMS=("${SIM_PIDS[@]}")
    # Both steady gateways run at once on one broker: each needs its own client id, or
    # the broker hands the session from one to the other every few seconds (each then
    # falls behind and spills its telemetry to the card, which is what the row measured).
    BENCH_GATEWAY="gw-wear-$1-$2" write_site "$site" "$WORK/wear-$1-$2.db" "$MQ_PORT" "$(bench_devices "$2" "$base")"
    start_gateway "gw-wear-$1-$2" "$site"
    WEAR_GW=$GW_PID
}

# wear_rows LABEL N KIBS WHAT TARGET: the rows and results of one measurement.
wear_rows() {
    local label=$1 n=$2 kibs=$3 per_dev_day life v=-
    if [ "$kibs" = null ]; then
        row "N=$n $4: storage writes" "n/a (/proc/PID/io unreadable)" "$5" "-"
        return
    fi
    per_dev_day=$(calc "$kibs * 86400 / 1024 / $n")
    life=$(calc "$WEAR_CARD_TB * 1e12 / ($kibs * 1024 * 86400 * 365)")
    result "wear_${label}_n${n}_kib_s" "$kibs"
    result "wear_${label}_n${n}_mib_per_device_day" "$per_dev_day"
    result "wear_${label}_n${n}_card_years" "$life"
    if [ "$label" = steady ] && [ "$n" = 100 ]; then
        v=$(verdict "$kibs" "<=" "$WEAR_STEADY_TARGET_KIBS")
    elif [ "$label" = worst ] && [ "$n" = 500 ]; then
        v=$(verdict "$(calc "$kibs / $n")" "<=" "$WEAR_WORST_TARGET_KIBS_DEV")
    fi
    row "N=$n $4: storage writes" \
        "$(fmt "$kibs" 2) KiB/s ($(fmt "$(calc "$kibs / $n")" 2) per device; $(fmt "$per_dev_day" 2) MiB per device per day)" "$5" "$v"
    row "N=$n $4: card life" "$(fmt "$life" 1) years" "info ($WEAR_CARD_TB TB written, the gateway its only writer)" "-"
}

# wear_measure PID SECONDS: KiB/s the process wrote to storage over the next SECONDS.
wear_measure() {
    local w0 w1 t0 t1
    w0=$(proc_written "$1"); t0=$(now_ms)
    sleep "$2"
    w1=$(proc_written "$1"); t1=$(now_ms)
    [ -n "$w0" ] && [ -n "$w1" ] || { echo null; return; }
    calc "($w1 - $w0) / 1024 / (($t1 - $t0) / 1000)"
}

# wear_report_row: where the health report went. On a board /run is RAM (tmpfs); in a
# container it may be the disk, and then the report's writes are in the figures.
wear_report_row() {
    local fs
    fs=$(stat -f -c %T /run/riskgw 2>/dev/null || stat -f -c %T /run 2>/dev/null) || fs=unknown
    if [ "$fs" = tmpfs ]; then
        row "health report (every status_interval_s)" "/run/riskgw on tmpfs (RAM), as on a board" "info (not in the figures above)" "-"
    else
        row "health report (every status_interval_s)" "/run/riskgw on $fs here, not RAM" \
            "info (its ~110 bytes a device each report are in the figures above)" "-"
    fi
}

phase_wear() {
    section "6. Card wear: storage writes of the default config (/proc/PID/io write_bytes), steady over ${WEAR_STEADY_S} s, every reading changing over ${WEAR_WORST_S} s"
    local n gws=() sims=() kibs
    for n in $WEAR_NS; do
        wear_start steady "$n" ""
        gws+=("$WEAR_GW"); sims+=("${WEAR_SIMS[@]}")
    done
    sleep "$WARMUP_S"
    local i=0 waiters=() pid
    for n in $WEAR_NS; do          # measured side by side: each its own write_bytes
        wear_measure "${gws[$i]}" "$WEAR_STEADY_S" >"$WORK/wear-steady-$n.kibs" &
        waiters+=("$!")
        i=$((i + 1))
    done
    wait "${waiters[@]}"
    for pid in "${gws[@]}"; do stop_proc "$pid"; done
    SIM_PIDS=("${sims[@]}"); stop_sims
    for n in $WEAR_NS; do
        kibs=$(cat "$WORK/wear-steady-$n.kibs")
        wear_rows steady "$n" "$kibs" "steady plant (registers hold still)" "<= $WEAR_STEADY_TARGET_KIBS KiB/s at N=100"
    done
    for n in $WEAR_NS; do
        wear_start worst "$n" "$BENCH_SCENARIO"
        sleep "$WARMUP_S"
        kibs=$(wear_measure "$WEAR_GW" "$WEAR_WORST_S")
        stop_proc "$WEAR_GW"
        SIM_PIDS=("${WEAR_SIMS[@]}"); stop_sims
        wear_rows worst "$n" "$kibs" "every reading changes" "<= $WEAR_WORST_TARGET_KIBS_DEV KiB/s per device at N=500"
    done
    wear_report_row
}

# phase_footprint.sh - figure 5: binary size, start-up time and idle cost.
#
# Sizes are of the stripped daemon, amd64 from BUILD and aarch64 from the cross
# build (`make cross`), if there is one. Start-up is bench_startup: exec to the
# first Modbus request, with a fresh store each time, median of STARTUP_RUNS, for
# one device and for a site of STARTUP_SITE_N (whose points all need keys). riskgw
# refuses a config without devices, so "idle" is one device polled once a minute:
# the cost of the daemon itself (timers, MQTT keepalive, commits).

IDLE_INTERVAL_MS=60000
STARTUP_SITE_N=500                  # a big site's first start: every point key is new
CROSS_DIR=${BENCH_CROSS_DIR:-$SRC/build-cross-aarch64}

# stripped_kib BINARY STRIP: the size of a stripped copy, in KiB.
stripped_kib() {
    local tmp=$WORK/strip.$$
    cp "$1" "$tmp" && "$2" "$tmp" && awk -v b="$(stat -c %s "$tmp")" 'BEGIN { printf "%.1f", b / 1024 }'
    rm -f "$tmp"
}

footprint_sizes() {
    local amd arm=null
    amd=$(stripped_kib "$BUILD/riskgw" strip)
    row "stripped riskgw, $(uname -m)" "$amd KiB" "info" "-"
    if [ -x "$CROSS_DIR/riskgw" ] && command -v aarch64-linux-gnu-strip >/dev/null; then
        arm=$(stripped_kib "$CROSS_DIR/riskgw" aarch64-linux-gnu-strip)
        row "stripped riskgw, aarch64" "$arm KiB" "info" "-"
    else
        row "stripped riskgw, aarch64" "n/a (no $CROSS_DIR/riskgw: run make cross first)" "info" "-"
    fi
    result binary_kib "$(jq -nc --argjson amd64 "$amd" --argjson aarch64 "$arm" '{amd64: $amd64, aarch64: $aarch64}')"
}

# startup_median N: exec to first poll with N devices on a fresh store, median of
# STARTUP_RUNS. The first device is bench_startup's listener and polled first; the
# others' ports are free and refuse, which costs the start nothing.
startup_median() {
    local n=$1 base r out
    base=$(free_port_range "$n") || fail "no $n consecutive free ports"
    : >"$WORK/startup-$n.txt"
    for r in $(seq "$STARTUP_RUNS"); do
        write_site "$WORK/site-start-$n-$r.json" "$WORK/start-$n-$r.db" "$MQ_PORT" "$(bench_devices "$n" "$base")"
        out=$("$BUILD/bench_startup" -p "$base" -- "$BUILD/riskgw" -c "$WORK/site-start-$n-$r.json" 2>>"$WORK/startup.err") &&
            field startup_ms <<<"$out" >>"$WORK/startup-$n.txt"
    done
    median <"$WORK/startup-$n.txt"
}

footprint_startup() {
    STARTUP_MS=$(startup_median 1)
    local site_ms
    site_ms=$(startup_median "$STARTUP_SITE_N")
    result startup_ms "$STARTUP_MS"
    result startup_site "$(jq -nc --argjson n "$STARTUP_SITE_N" --argjson ms "$site_ms" '{devices: $n, ms: $ms}')"
    row "start-up, exec to first poll (fresh store)" "$(fmt "$STARTUP_MS" 1) ms" "info" "-"
    row "start-up with $STARTUP_SITE_N devices ($((STARTUP_SITE_N * 30)) new points)" "$(fmt "$site_ms" 1) ms" "info" "-"
}

footprint_idle() {
    local port from to
    port=$(free_port)
    start_bg idlesim "$BUILD/riskgw-sim" --profile "$BENCH_PROFILE" --port "$port" --unit 1 -q
    local sim=$BG_PID
    wait_for_line "$WORK/idlesim.log" 'listening on' 10 || fail "the idle simulator did not start"
    write_site "$WORK/site-idle.json" "$WORK/idle.db" "$MQ_PORT" \
        "$(printf '{"id":"d0000","profile":"%s","host":"127.0.0.1","port":%d,"unit":1,"interval_ms":%d}' "$BENCH_PROFILE" "$port" "$IDLE_INTERVAL_MS")"
    start_gateway gw-idle "$WORK/site-idle.json"
    from=$(( $(now_ms) + 2000 )); to=$(( from + IDLE_S * 1000 ))
    measure "$GW_PID" "$from" "$to" || fail "riskgw died while idle; see $WORK/gw-idle.log"
    stop_proc "$GW_PID"
    stop_proc "$sim"
    result idle "$(jq -nc --argjson cpu "$M_CPU" --argjson rss "$M_RSS_KIB" --argjson threads "$M_THREADS" \
        --argjson secs "$IDLE_S" '{cpu_pct: $cpu, rss_kib: $rss, threads: $threads, window_s: $secs, devices: 1}')"
    row "idle CPU (1 device polled once a minute, ${IDLE_S} s)" "$(fmt "$M_CPU" 3) % of a core, $(fmt "$(calc "$M_RSS_KIB / 1024")" 1) MiB, $M_THREADS threads" "info" "-"
}

phase_footprint() {
    section "5. Footprint"
    footprint_sizes
    bench_log "footprint: start-up x $STARTUP_RUNS, idle ${IDLE_S} s"
    footprint_startup
    footprint_idle
}

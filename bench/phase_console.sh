# phase_console.sh - figure 6: what the site console costs (docs/console.md).
#
# The same site of CONSOLE_N devices (VERDICT_N: 500 in the full run) three times:
# console off; console on with no page open (its memory: the private pages of
# /proc/PID/smaps_rollup against the off run); console on with CONSOLE_PAGES pages
# open, each asking /api/now twice a second (for the snapshot after the one it has)
# and the event log every 3 s as the page does (curl loops, read_without_sign_in). The target: with 5 pages open, riskgw's
# CPU within 10 % of the console-off run; idle, at most 1 MiB more memory of its own
# (smaps_rollup Anonymous). The private library pages that the console's libraries
# add (libmicrohttpd links GnuTLS: code that no other process here maps, so private
# counts it) are a row of their own beside it, with the RSS: a box pays them once,
# whoever maps those libraries (bench/README.md, "6. The site console").

CONSOLE_PAGES=5
CONSOLE_CPU_TARGET=1.10
CONSOLE_IDLE_KIB_TARGET=1024

# page_loop URL FILE: one open console page's requests, until killed. As the page
# does (gateway/console/web/app.js), it asks for the snapshot after the one it has
# (?v=N), which the console answers 204 when nothing newer was taken.
page_loop() {
    local k=0 v= head
    while :; do
        : >"$2"
        curl -s -o "$2" "$1/api/now${v:+?v=$v}"
        head=$(head -c 64 "$2")
        [[ $head =~ \"v\":\ ?([0-9]+) ]] && v=${BASH_REMATCH[1]}
        [ $((k++ % 6)) = 0 ] && curl -s -o /dev/null "$1/api/events"
        sleep 0.5
    done
}

# console_run NAME SITE PAGES URL: start riskgw, warm up, open PAGES pages, measure;
# sets C_CPU, C_PRIVATE_KIB, C_ANON_KIB and C_IDLE_RSS_KIB (before any page opened) and C_RSS_KIB.
console_run() {
    local name=$1 site=$2 pages=$3 url=$4 from to i pids=()
    start_gateway "$name" "$site"
    sleep "$WARMUP_S"
    C_PRIVATE_KIB=$(private_kib "$GW_PID")
    C_ANON_KIB=$(anon_kib "$GW_PID")
    C_IDLE_RSS_KIB=$(proc_status "$GW_PID" VmRSS)
    for ((i = 0; i < pages; i++)); do
        page_loop "$url" "$WORK/page-$name-$i.json" &
        pids+=("$!")
        HARNESS_PIDS+=("$!")
    done
    from=$(( $(now_ms) + 1000 )); to=$(( from + WINDOW_S * 1000 ))
    measure "$GW_PID" "$from" "$to" || fail "riskgw died in the console run $name; see $WORK/$name.log"
    C_CPU=$M_CPU
    C_RSS_KIB=$M_RSS_KIB
    for i in "${pids[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
    stop_proc "$GW_PID"
}

phase_console() {
    local n=$VERDICT_N base port url off_cpu off_priv idle_priv on_cpu ratio delta devices off_anon idle_anon
    local off_rss idle_rss anon_delta
    section "6. The site console: $n devices, ${CONSOLE_PAGES} pages open (window ${WINDOW_S} s)"
    base=$(free_port_range "$n") || fail "no $n consecutive free ports"
    start_sims "$n" "$base" || { row "console" "not run: riskgw-sim lacks --count" "" "pending"; return; }
    devices=$(bench_devices "$n" "$base")
    port=$(free_port)
    url="http://127.0.0.1:$port"
    write_site "$WORK/site-console-off.json" "$WORK/console-off.db" "$MQ_PORT" "$devices"
    write_site "$WORK/site-console-on.json" "$WORK/console-on.db" "$MQ_PORT" "$devices" \
        "\"console\":{\"listen\":\"127.0.0.1:$port\",\"read_without_sign_in\":true},"
    bench_log "console: off"
    console_run gw-console-off "$WORK/site-console-off.json" 0 "$url"
    off_cpu=$C_CPU off_priv=$C_PRIVATE_KIB off_anon=$C_ANON_KIB off_rss=$C_IDLE_RSS_KIB
    bench_log "console: on, $CONSOLE_PAGES pages"
    console_run gw-console-on "$WORK/site-console-on.json" "$CONSOLE_PAGES" "$url"
    on_cpu=$C_CPU idle_priv=$C_PRIVATE_KIB idle_anon=$C_ANON_KIB idle_rss=$C_IDLE_RSS_KIB
    stop_sims
    ratio=$(calc "$on_cpu / $off_cpu")
    delta=$(calc "$idle_priv - $off_priv")
    anon_delta=$(calc "$idle_anon - $off_anon")
    result console "$(jq -nc --argjson n "$n" --argjson pages "$CONSOLE_PAGES" --argjson off "$off_cpu" \
        --argjson on "$on_cpu" --argjson ratio "$ratio" --argjson off_priv "$off_priv" --argjson idle_priv "$idle_priv" \
        --argjson off_anon "$off_anon" --argjson idle_anon "$idle_anon" --argjson off_rss "$off_rss" \
        --argjson idle_rss "$idle_rss" \
        '{devices: $n, pages: $pages, cpu_pct_off: $off, cpu_pct_on: $on, cpu_ratio: $ratio,
          private_kib_off: $off_priv, private_kib_on_idle: $idle_priv, anon_kib_off: $off_anon,
          anon_kib_on_idle: $idle_anon, rss_kib_off: $off_rss, rss_kib_on_idle: $idle_rss}')"
    row "CPU with $CONSOLE_PAGES console pages open vs console off" \
        "$(fmt "$on_cpu" 1) % vs $(fmt "$off_cpu" 1) % (x$(fmt "$ratio" 2))" "<= x$CONSOLE_CPU_TARGET" \
        "$(verdict "$ratio" "<=" "$CONSOLE_CPU_TARGET")"
    row "console on, no page open: its own memory (smaps_rollup Anonymous)" \
        "+$(fmt "$anon_delta" 0) KiB ($(fmt "$off_anon" 0) -> $(fmt "$idle_anon" 0) KiB)" "<= +$CONSOLE_IDLE_KIB_TARGET KiB" \
        "$(verdict "$anon_delta" "<=" "$CONSOLE_IDLE_KIB_TARGET")"
    row "console on, no page open: private pages (library code counted while no other process maps it)" \
        "+$(fmt "$delta" 0) KiB ($(fmt "$off_priv" 0) -> $(fmt "$idle_priv" 0) KiB); RSS +$(fmt "$(calc "$idle_rss - $off_rss")" 0) KiB" \
        "info (libmicrohttpd + GnuTLS)" "-"
}

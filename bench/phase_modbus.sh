# phase_modbus.sh - figure 3: Modbus efficiency of the gateway's pollers.
#
# TCP. A poller is schedule-driven, so one device at the minimum interval (10 ms)
# asks only 100 times a second and says nothing about efficiency. The fair race is
# the saturated one: both masters keep exactly one request in flight on one TCP
# connection to the same single-threaded simulator, each starting the next request
# as soon as a reply is in, and pay the same loopback round trip. bench_modbus does
# that with modbus_read_registers() back to back. riskgw gets K devices behind the
# same host:port (one connection, as behind a TCP-to-RTU converter), each at 10 ms,
# so the schedule asks for K x 100 requests/s. K is swept over half, once and twice
# what the bare loop achieved (the poller's rate turned out to depend on K, not only
# on its CPU), and the best median is the poller's ceiling. Each request reads one register
# (one point), so the core's work stays small beside the poller's; MQTT is off.
# The gateway's rate is the samples it has seen (one a request), from the health
# report it writes beside its store every second.
#
# RTU. With a simulator that can serve a pseudo-terminal at a baud rate
# (riskgw-sim --rtu-pty --baud B) one device at the minimum interval is polled and
# its transactions/s compared with what the line can carry for these frame sizes.

MB_INTERVAL_MS=10                   # the smallest poll interval a config accepts
MB_DEMANDS="0.5 1 2"                # the schedules tried, as multiples of the bare rate
MB_K_MIN=10
MB_K_MAX=2000
RTU_BAUDS="9600 115200"
RTU_REQ_BYTES=8                     # FC3 request: unit, fc, address, count, CRC
RTU_BITS_PER_CHAR=11                # Modbus RTU: start + 8 data + parity (or a 2nd stop) + stop
RTU_GAP_CHARS=3.5                   # silence that ends a frame
RTU_GAP_FIXED_S=0.00175             # above 19200 baud the standard fixes the gap at 1.75 ms
RTU_GAP_FIXED_ABOVE=19200

converter_devices() {
    local k=$1 port=$2 i sep=
    for ((i = 0; i < k; i++)); do
        printf '%s{"id":"m%04d","host":"127.0.0.1","port":%d,"unit":1,"interval_ms":%d,"phase_ms":%d,"points":[{"id":"r0","address":0}]}' \
            "$sep" "$i" "$port" "$MB_INTERVAL_MS" $((i % MB_INTERVAL_MS))
        sep=,
    done
}

STATUS_EVERY='"status_interval_s":1,'

# samples_rate PID CONFIG SECONDS: samples/s the gateway saw over about SECONDS from now
# (its health report's count and time), and its CPU in microseconds per sample:
# "RATE US_PER_SAMPLE".
samples_rate() {
    local m0 m1 s0 s1
    s0=$(status_samples "$2"); m0=$(cpu_mark "$1") || return 1
    sleep "$3"
    s1=$(status_samples "$2"); m1=$(cpu_mark "$1") || return 1
    awk -v a="$s0" -v b="$s1" -v c="$m0" -v d="$m1" 'BEGIN {
        split(a, x, " "); split(b, y, " "); split(c, p, " "); split(d, q, " ");
        rate = (y[2] - x[2]) / ((y[1] - x[1]) / 1000); if (rate <= 0) exit 1;
        cpu_s = (q[2] - p[2]) / 1e9; t = (q[1] - p[1]) / 1000;
        printf "%.0f %.2f\n", rate, cpu_s * 1e6 / (rate * t) }'
}

# modbus_tcp_gateway PORT K: riskgw with K devices on one connection; the median of
# MB_RUNS windows as "RATE US_PER_SAMPLE" (also appended to mb-gw.txt).
modbus_tcp_gateway() {
    local r
    write_site "$WORK/site-mb-$2.json" "$WORK/mb-$2.db" "" "$(converter_devices "$2" "$1")" "$STATUS_EVERY"
    start_gateway "gw-mb-$2" "$WORK/site-mb-$2.json"
    sleep "$MB_WARMUP_S"
    : >"$WORK/mb-gw-$2.txt"
    for r in $(seq "$MB_RUNS"); do
        samples_rate "$GW_PID" "$WORK/site-mb-$2.json" "$MB_LOOP_S" >>"$WORK/mb-gw-$2.txt" ||
            fail "no sample rate from riskgw; see $WORK/gw-mb-$2.log"
    done
    stop_proc "$GW_PID"
    echo "$2 $(awk '{ print $1 }' "$WORK/mb-gw-$2.txt" | median) $(awk '{ print $2 }' "$WORK/mb-gw-$2.txt" | median)" \
        | tee -a "$WORK/mb-gw.txt"
}

modbus_tcp() {
    local port bare_rate bare_us demand k best ratio r tried=
    port=$(free_port)
    start_bg mbsim "$BUILD/riskgw-sim" --profile "$BENCH_PROFILE" --port "$port" --unit 1 -q
    local sim=$BG_PID
    wait_for_line "$WORK/mbsim.log" 'listening on' 10 || fail "the Modbus simulator did not start"
    : >"$WORK/mb-bare.txt"
    for r in $(seq "$MB_RUNS"); do
        "$BUILD/bench_modbus" -p "$port" -s "$MB_LOOP_S" >>"$WORK/mb-bare.txt" 2>>"$WORK/mb-bare.err" ||
            fail "bench_modbus failed: $(cat "$WORK/mb-bare.err")"
    done
    bare_rate=$(awk '{ print $2 }' "$WORK/mb-bare.txt" | median)
    bare_us=$(awk '{ print $8 }' "$WORK/mb-bare.txt" | median)
    : >"$WORK/mb-gw.txt"
    for demand in $MB_DEMANDS; do
        k=$(awk -v r="$bare_rate" -v f="$demand" -v i="$MB_INTERVAL_MS" -v lo="$MB_K_MIN" -v hi="$MB_K_MAX" \
                'BEGIN { k = int(r * f * i / 1000 + 0.5); print (k < lo ? lo : (k > hi ? hi : k)) }')
        bench_log "modbus TCP: bare loop $bare_rate requests/s; riskgw with $k devices on one connection"
        modbus_tcp_gateway "$port" "$k" >/dev/null
        tried="$tried${tried:+, }K=$k: $(awk -v k="$k" '$1 == k { printf "%.0f", $2 }' "$WORK/mb-gw.txt")"
    done
    stop_proc "$sim"
    best=$(sort -k2 -g "$WORK/mb-gw.txt" | tail -1)        # "K RATE US"
    read -r k gw_rate gw_us <<<"$best"
    ratio=$(calc "$gw_rate / $bare_rate")
    result modbus_tcp_poll_ratio "$ratio"
    result modbus_tcp "$(jq -nc --argjson bare "$bare_rate" --argjson gw "$gw_rate" --argjson k "$k" \
        --argjson bare_us "$bare_us" --argjson gw_us "$gw_us" --argjson runs "$MB_RUNS" --argjson secs "$MB_LOOP_S" \
        --argjson sweep "$(jq -Rsc 'split("\n") | map(select(length > 0) | split(" ") | {devices: (.[0] | tonumber),
                           requests_per_s: (.[1] | tonumber), cpu_us_per_sample: (.[2] | tonumber)})' "$WORK/mb-gw.txt")" \
        '{bare_requests_per_s: $bare, riskgw_requests_per_s: $gw, riskgw_devices_on_connection: $k,
          bare_cpu_us_per_request: $bare_us, riskgw_cpu_us_per_sample: $gw_us, runs: $runs, run_s: $secs,
          riskgw_sweep: $sweep}')"
    row "TCP requests/s, one connection: riskgw / bare" "$(fmt "$gw_rate" 0) / $(fmt "$bare_rate" 0) = $(fmt "$ratio" 2)" ">= 0.9" "$(verdict "$ratio" ">=" 0.9)"
    row "  riskgw by devices on the connection (10 ms each)" "$tried" "info" "-"
    row "  CPU per request: riskgw (whole daemon) / bare" "$(fmt "$gw_us" 1) / $(fmt "$bare_us" 1) us" "info" "-"
}

# rtu_theory BAUD REGS: transactions/s the line carries for an FC3 read of REGS registers.
rtu_theory() {
    awk -v baud="$1" -v regs="$2" -v req="$RTU_REQ_BYTES" -v bits="$RTU_BITS_PER_CHAR" -v gapc="$RTU_GAP_CHARS" \
        -v gapf="$RTU_GAP_FIXED_S" -v above="$RTU_GAP_FIXED_ABOVE" 'BEGIN {
        resp = 5 + 2 * regs; gap = (baud > above) ? gapf : gapc * bits / baud;
        printf "%.1f", 1 / ((req + resp) * bits / baud + 2 * gap) }'
}

# modbus_rtu_one BAUD: one line speed; its figures as JSON in RTU_JSON (null: not measured).
modbus_rtu_one() {
    local baud=$1 pty= theory rate
    RTU_JSON=null
    theory=$(rtu_theory "$baud" "$BENCH_POINTS")
    start_bg "rtusim-$baud" "$BUILD/riskgw-sim" --profile "$BENCH_PROFILE" --rtu-pty --baud "$baud" --unit 1 -q
    local sim=$BG_PID
    wait_for_line "$WORK/rtusim-$baud.log" 'rtu on ' 10 &&
        pty=$(grep -o '/dev/pts/[0-9]*' "$WORK/rtusim-$baud.log" | head -1)
    if [ -z "${pty:-}" ]; then
        stop_proc "$sim"
        row "RTU $baud baud, 30 registers" "pending (riskgw-sim --rtu-pty gave no pty; see rtusim-$baud.log)" "$theory tx/s theoretical" "pending"
        return
    fi
    write_site "$WORK/site-rtu-$baud.json" "$WORK/rtu-$baud.db" "" \
        "$(printf '{"id":"rtu1","bus":"rtu","unit":1,"profile":"%s","interval_ms":%d}' "$BENCH_PROFILE" "$MB_INTERVAL_MS")" \
        "$STATUS_EVERY$(printf '"buses":[{"id":"rtu","device":"%s","baud":%d}],' "$pty" "$baud")"
    start_gateway "gw-rtu-$baud" "$WORK/site-rtu-$baud.json"
    sleep "$MB_WARMUP_S"
    rate=$(samples_rate "$GW_PID" "$WORK/site-rtu-$baud.json" "$RTU_WINDOW_S" | awk -v p="$BENCH_POINTS" '{ printf "%.1f", $1 / p }')
    stop_proc "$GW_PID"
    stop_proc "$sim"
    local ratio=null
    [ -n "$rate" ] && ratio=$(calc "$rate / $theory")
    row "RTU $baud baud, 30 registers: transactions/s" "$rate of $theory theoretical ($(fmt "$(calc "$ratio * 100")" 0) %)" \
        ">= 0.9 of theoretical" "$(verdict "$ratio" ">=" 0.9)"
    RTU_JSON=$(jq -nc --argjson baud "$baud" --argjson rate "${rate:-null}" --argjson theory "$theory" \
                      --argjson ratio "$ratio" \
        '{baud: $baud, transactions_per_s: $rate, theoretical_per_s: $theory, ratio: $ratio}')
}

modbus_rtu() {
    local baud all=
    if ! "$BUILD/riskgw-sim" --help 2>&1 | grep -q -- '--rtu-pty'; then
        for baud in $RTU_BAUDS; do
            row "RTU $baud baud, 30 registers" "pending (riskgw-sim has no --rtu-pty yet)" "$(rtu_theory "$baud" "$BENCH_POINTS") tx/s theoretical" "pending"
        done
        result modbus_rtu null
        return
    fi
    for baud in $RTU_BAUDS; do
        modbus_rtu_one "$baud"
        all="$all$RTU_JSON"$'\n'
    done
    result modbus_rtu "$(jq -sc 'map(select(. != null))' <<<"$all")"
}

phase_modbus() {
    section "3. Modbus efficiency"
    modbus_tcp
    modbus_rtu
}

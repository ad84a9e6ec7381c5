# lib_site.sh - the benchmark's plant: simulated devices and the gateway config that polls them.
#
# The simulated devices are riskgw-sim serving the bench_30reg profile (30 holding
# registers) on consecutive loopback ports BASE..BASE+N-1, unit 1, playing
# bench_noise.json: every register changes between two polls, so the gateway stores
# every reading (its on-change history then saves nothing: the worst case). One simulator
# process serves them all when it knows --count; an older simulator is started once
# per device instead, which is only sensible for small N (BENCH_SIM_FALLBACK_MAX).

BENCH_PROFILE=bench_30reg
BENCH_POINTS=30                 # registers per bench_30reg device
BENCH_ENTERPRISE=bench
BENCH_GATEWAY=gw-bench
BENCH_SCENARIO=$SRC/bench/bench_noise.json
BENCH_SIM_FALLBACK_MAX=${BENCH_SIM_FALLBACK_MAX:-100}
SIM_PIDS=()

# free_port_range N: the first of N consecutive loopback ports that are all free now,
# below the kernel's ephemeral range so that client sockets do not take them meanwhile.
free_port_range() {
    /usr/bin/python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
for _ in range(50):
    base = random.randrange(10000, max(10001, low - n))
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", p)); socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks: s.close()
    print(base); sys.exit(0)
sys.exit("no range of %d free ports found" % n)
PY
}

sim_has_count() { "$BUILD/riskgw-sim" --help 2>&1 | grep -q -- '--count'; }

# start_sims N BASE [SCENARIO]: N bench devices on BASE..BASE+N-1 playing SCENARIO
# (bench_noise.json by default; "" for registers that hold still); 1 when this
# simulator cannot.
start_sims() {
    local n=$1 base=$2 i scen=()
    [ -n "${3-$BENCH_SCENARIO}" ] && scen=(--scenario "${3-$BENCH_SCENARIO}")
    SIM_PIDS=()
    if sim_has_count; then
        start_bg "sims-$n" "$BUILD/riskgw-sim" --count "$n" --base-port "$base" --profile "$BENCH_PROFILE" \
            "${scen[@]}" -q
        SIM_PIDS+=("$BG_PID")
        wait_for_line "$WORK/sims-$n.log" 'listening on' 60 || fail "riskgw-sim --count $n did not start; see $WORK/sims-$n.log"
        return 0
    fi
    [ "$n" -le "$BENCH_SIM_FALLBACK_MAX" ] || return 1
    for i in $(seq 0 $((n - 1))); do
        start_bg "sim-$n-$i" "$BUILD/riskgw-sim" --profile "$BENCH_PROFILE" --port $((base + i)) --unit 1 \
            "${scen[@]}" -q
        SIM_PIDS+=("$BG_PID")
    done
    for i in $(seq 0 $((n - 1))); do
        wait_for_line "$WORK/sim-$n-$i.log" 'listening on' 20 || fail "riskgw-sim on port $((base + i)) did not start"
    done
}

stop_sims() {
    local pid
    for pid in "${SIM_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${SIM_PIDS[@]}"; do stop_proc "$pid"; done
    SIM_PIDS=()
}

# bench_devices N BASE [INTERVAL_MS] [PHASES]: the JSON device objects d0000.. for N
# devices on BASE... PHASES "auto" (the default) leaves phase_ms out, as a site's config
# does unless it asks: the pollers spread the devices over the interval
# (docs/drivers.md); "zero" sets phase_ms 0 on every device, so every request goes out
# at the same instant, as the multiplexed bare loop sends them.
bench_devices() {
    local n=$1 base=$2 interval=${3:-1000} phases=${4:-auto} i sep= phase=
    [ "$phases" = zero ] && phase=',"phase_ms":0'
    for ((i = 0; i < n; i++)); do
        printf '%s{"id":"d%04d","profile":"%s","host":"127.0.0.1","port":%d,"unit":1,"interval_ms":%d%s}' \
            "$sep" "$i" "$BENCH_PROFILE" $((base + i)) "$interval" "$phase"
        sep=,
    done
}

# write_site FILE DB MQTT_PORT DEVICES_JSON [EXTRA]: a gateway config. MQTT_PORT ""
# leaves MQTT out; EXTRA is more top-level members ('"buses":[...],').
write_site() {
    local mqtt=
    [ -n "$3" ] && mqtt="\"mqtt\":{\"uri\":\"tcp://127.0.0.1:$3\"},"
    printf '{"enterprise":"%s","gateway":"%s","profile_dir":"%s",%s%s"store":{"path":"%s"},"devices":[%s]}\n' \
        "$BENCH_ENTERPRISE" "$BENCH_GATEWAY" "$SRC/drivers/profiles" "$mqtt" "${5:-}" "$2" "$4" >"$1"
    "$BUILD/riskgw" -n -c "$1" >/dev/null 2>"$1.check" || fail "riskgw refused the generated config $1: $(cat "$1.check")"
}

# start_gateway NAME SITE: run riskgw on SITE; sets GW_PID once its core loop runs.
start_gateway() {
    start_bg "$1" "$BUILD/riskgw" -c "$2"
    GW_PID=$BG_PID
    wait_for_line "$WORK/$1.log" 'running:' 30 || fail "riskgw did not start; see $WORK/$1.log"
}

# db_history_bytes DB: bytes of the pages that hold history (raw samples and minute
# aggregates; telemetry outbox rows are pruned once delivered), read beside the
# running gateway through SQLite's dbstat table.
db_history_bytes() {
    sqlite3 -cmd '.timeout 5000' "$1" \
        "SELECT IFNULL(SUM(pgsize), 0) FROM dbstat WHERE name IN ('samples', 'aggregates');" 2>/dev/null
}

# status_samples CONFIG: "TS_MS SEEN" from the newest health report of the gateway run
# with CONFIG (`riskgw status --json`): its wall time and the samples it has seen since start.
status_samples() {
    "$BUILD/riskgw" status -c "$1" --json 2>/dev/null | jq -r '"\(.ts) \(.samples.seen)"'
}

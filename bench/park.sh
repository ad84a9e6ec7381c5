#!/usr/bin/env bash
# park.sh - `make bench-park`: a whole park on one machine (bench/README.md, "Park").
#
#   bash bench/park.sh BUILD_DIR
#   PARK_GATEWAYS=50 PARK_DEVICES=20 PARK_SECONDS=120 PARK_SPEED=10 bash bench/park.sh build
#
# K gateways (PARK_GATEWAYS), each its own riskgw process with its own store and
# its own riskgw-sim playing a site of M devices (PARK_DEVICES, at least 7: the
# demo's seven, then copies of them on ports of their own) with the demo's
# scenarios looping PARK_SPEED times faster and the demo's rules; one mosquitto
# (persistent, $SYS every second); one subscriber acting as the centre
# (park_centre.py: dedupe by (gateway, epoch, seq), gaps, latency). Half way the
# broker is restarted. At the end of the run each store's last event seq is read:
# those are the alarms raised; the backlog then drains (the plant still runs) until
# the centre holds seqs 1..last of every gateway, and the report compares.
# Prints the figures; writes them to bench/out/park-K-M-TIME.json (gitignored).
# Exit 1 when an alarm is missing, or a gap remains, after the drain.
set -uo pipefail
BUILD=$(cd "${1:?usage: bench/park.sh BUILD_DIR}" && pwd) || exit 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/lib/harness.sh"
. "$SRC/bench/lib_proc.sh"
. "$SRC/bench/lib_site.sh"
harness_init

K=${PARK_GATEWAYS:-50}
M=${PARK_DEVICES:-20}
SECONDS_RUN=${PARK_SECONDS:-120}
SPEED=${PARK_SPEED:-10}
DRAIN_S=${PARK_DRAIN_S:-120}
OUT_DIR=${PARK_OUT_DIR:-$SRC/bench/out}
DEMO_DEVICES=7                          # simulators/sites/demo.json
PORTS_PER_COPY=4                        # the converter, the dust collector, the PLC, the meter
[ "$M" -ge "$DEMO_DEVICES" ] || fail "PARK_DEVICES=$M: a site needs at least the demo's $DEMO_DEVICES devices (its rules use them)"
COPIES=$(( (M + DEMO_DEVICES - 1) / DEMO_DEVICES ))
park_log() { echo "park: $*" >&2; }

mq_port=$(free_port)
broker() {
    start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/" "sys_interval 1" \
        "max_queued_messages 100000"
}
broker
start_bg centre /usr/bin/python3 "$SRC/bench/park_centre.py" "$mq_port" "$WORK/progress.json" "$WORK/summary.json" "$WORK/run.json"
centre=$BG_PID
wait_for_line "$WORK/mosquitto-$mq_port.log" "as park-centre" 10 || fail "the centre did not connect; see $WORK/centre.log"

# site_files G BASE: the simulator's site and the gateway's config of gateway G on ports BASE..
site_files() {
    local g=$1 base=$2 id
    id=$(printf 'gw-%03d' "$g")
    jq --argjson base "$base" --argjson copies "$COPIES" --argjson m "$M" --argjson per "$PORTS_PER_COPY" '
        .devices as $d | {devices: [range($copies) as $c | $d[]
            | .port = $base + $c * $per + (.port - 15020)
            | if $c > 0 then .id += "-c\($c)" else . end][:$m]}' \
        "$SRC/simulators/sites/demo.json" >"$WORK/$id-sim.json"
    sed -e "s|@MQTT_PORT@|$mq_port|" -e "s|@P0@|15020|g" -e "s|@P1@|15021|g" -e "s|@P2@|15022|g" \
        -e "s|@P3@|15023|g" "$SRC/simulators/demo/site.json.in" |
    jq --argjson base "$base" --argjson copies "$COPIES" --argjson m "$M" --argjson per "$PORTS_PER_COPY" \
       --arg gw "$id" --arg ent "$(printf 'ent-%03d' "$g")" --arg db "$WORK/$id.db" '
        .devices as $d | .enterprise = $ent | .gateway = $gw | .store = {"path": $db}
        | .mqtt += {"reconnect_min_ms": 500, "reconnect_max_ms": 4000}
        | .devices = ([range($copies) as $c | $d[]
            | .port = $base + $c * $per + (.port - 15020)
            | if $c > 0 then .id += "-c\($c)" else . end][:$m])' >"$WORK/$id.json"
    "$BUILD/riskgw" -n -c "$WORK/$id.json" >/dev/null 2>"$WORK/$id.check" ||
        fail "riskgw refused gateway $id's config: $(cat "$WORK/$id.check")"
}

park_log "$K gateways x $M devices, ${SECONDS_RUN} s, scenarios x$SPEED, broker restart at $((SECONDS_RUN / 2)) s"
span=$((COPIES * PORTS_PER_COPY))
base=$(free_port_range $((K * span))) || fail "no range of $((K * span)) free ports"
GW_PIDS=()
for g in $(seq 1 "$K"); do
    id=$(printf 'gw-%03d' "$g")
    site_files "$g" $((base + (g - 1) * span))
    start_bg "$id-sim" "$BUILD/riskgw-sim" --site "$WORK/$id-sim.json" --loop --speed "$SPEED" -q
done
for g in $(seq 1 "$K"); do
    id=$(printf 'gw-%03d' "$g")
    last_port=$(jq '[.devices[].port] | max' "$WORK/$id-sim.json")
    for _ in $(seq 100); do port_open "$last_port" && break; sleep 0.1; done
    start_bg "$id" "$BUILD/riskgw" -c "$WORK/$id.json"
    GW_PIDS+=("$BG_PID")
done
for g in $(seq 1 "$K"); do
    wait_for_line "$WORK/$(printf 'gw-%03d' "$g").log" "uplink mqtt connected" 30 ||
        fail "gateway $g did not connect; see $WORK/$(printf 'gw-%03d' "$g").log"
done

# CPU of all gateways together, from their ticks at both ends of the run.
ticks_all() { local p t=0; for p in "${GW_PIDS[@]}"; do t=$((t + $(proc_ticks "$p" || echo 0))); done; echo "$t"; }
rss_all() { local p r=0; for p in "${GW_PIDS[@]}"; do r=$((r + $(proc_status "$p" VmRSS || echo 0))); done; echo "$r"; }
t0=$(now_ms)
ticks0=$(ticks_all)
sleep_until_ms $((t0 + SECONDS_RUN * 500))
park_log "restarting the broker"
restart_at=$(now_ms)
stop_mosquitto TERM
broker
restart_ms=$(($(now_ms) - restart_at))
sleep_until_ms $((t0 + SECONDS_RUN * 1000))
t1=$(now_ms)
ticks1=$(ticks_all)
rss_kib=$(rss_all)
sent_at_end=$(jq '[.[]] | add // 0' "$WORK/progress.json")

# What the gateways raised in the run; then their backlogs reach the centre.
stored() {                              # "gateway/epoch count" of every store
    local g id
    for g in $(seq 1 "$K"); do
        id=$(printf 'gw-%03d' "$g")
        sqlite3 -cmd '.timeout 5000' "$WORK/$id.db" \
            "SELECT '$id/' || (SELECT value FROM meta WHERE name = 'epoch') || ' ' || IFNULL(MAX(seq), 0) FROM outbox WHERE cls = 0;"
    done
}
stored >"$WORK/stored.txt"
jq -R -s --argjson restart "[$restart_at, $((restart_at + restart_ms))]" '
    {last_seq: ([split("\n")[] | select(length > 0) | split(" ") | {(.[0]): (.[1] | tonumber)}] | add),
     restart: $restart}' "$WORK/stored.txt" >"$WORK/run.json"
missing=-1
for _ in $(seq "$DRAIN_S"); do
    missing=$(jq -R -s -r --slurpfile p "$WORK/progress.json" '
        [split("\n")[] | select(length > 0) | split(" ") | (.[1] | tonumber) - ($p[0][.[0]] // 0)
         | if . < 0 then 0 else . end] | add' "$WORK/stored.txt")
    [ "$missing" = 0 ] && break
    sleep 1
done
drained_ms=$(($(now_ms) - t1))
for p in "${GW_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
for p in "${GW_PIDS[@]}"; do stop_proc "$p"; done
kill -TERM "$centre"
wait "$centre" 2>/dev/null
[ -s "$WORK/summary.json" ] || fail "the centre wrote no summary; see $WORK/centre.log"

raised=$(awk '{ s += $2 } END { print s + 0 }' "$WORK/stored.txt")
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }')
mkdir -p "$OUT_DIR"
out="$OUT_DIR/park-$K-$M-$(date -u +%Y%m%dT%H%M%SZ).json"
jq -n --slurpfile s "$WORK/summary.json" --argjson k "$K" --argjson m "$M" --argjson speed "$SPEED" \
   --argjson secs "$secs" --argjson raised "$raised" --argjson missing "$missing" \
   --argjson cpu "$(awk -v a="$ticks0" -v b="$ticks1" -v hz="$CLK_TCK" -v s="$secs" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }')" \
   --argjson rss "$rss_kib" --argjson restart_ms "$restart_ms" --argjson drained_ms "$drained_ms" \
   --argjson at_end "$sent_at_end" --arg cmd "PARK_GATEWAYS=$K PARK_DEVICES=$M PARK_SECONDS=$SECONDS_RUN PARK_SPEED=$SPEED bash bench/park.sh BUILD" \
   --arg host "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" '
   $s[0] as $c | {command: $cmd, host: $host, gateways: $k, devices_per_gateway: $m, scenario_speed: $speed,
     run_s: $secs, broker_restart_ms: $restart_ms, drain_after_run_ms: $drained_ms,
     alarms_stored_by_gateways: $raised, alarms_received_once: $c.received_once,
     alarms_received_by_end_of_run: $at_end, missing_after_drain: $missing,
     alarms_received_after_run: $c.received_once_after_run, gateways_heard: $c.gateways_heard,
     duplicates_dropped: $c.duplicates_dropped, gaps: $c.gaps, gap_seqs: $c.gap_seqs,
     first_arrivals_out_of_order: $c.first_arrivals_out_of_order, kinds: $c.kinds,
     latency_ms_p50: $c.latency_ms_p50, latency_ms_p99: $c.latency_ms_p99, latency_ms_max: $c.latency_ms_max,
     latency_ms_p50_away_from_restart: $c.latency_ms_p50_away_from_restart,
     latency_ms_p99_away_from_restart: $c.latency_ms_p99_away_from_restart,
     broker_messages_in: $c.broker_publish_received,
     broker_messages_in_per_s: (($c.broker_publish_received / $secs) * 10 | round / 10),
     gateways_cpu_pct_of_one_core: $cpu, gateways_rss_mib: (($rss / 1024) * 10 | round / 10),
     gateway_rss_mib_each: (($rss / 1024 / $k) * 100 | round / 100)}' >"$out"
jq -r '
  "gateways x devices           \(.gateways) x \(.devices_per_gateway) (scenarios x\(.scenario_speed)), \(.run_s) s, \(.host)",
  "alarms stored by gateways    \(.alarms_stored_by_gateways)",
  "alarms received once         \(.alarms_received_once)   (missing after the drain: \(.missing_after_drain); from \(.gateways_heard) gateways)",
  "duplicates dropped           \(.duplicates_dropped)",
  "gaps                         \(.gaps)",
  "first arrivals out of order  \(.first_arrivals_out_of_order)",
  "alarm latency p50 / p99      \(.latency_ms_p50 | floor) / \(.latency_ms_p99 | floor) ms (max \(.latency_ms_max | floor) ms, broker restart included)",
  "  away from the restart      \(.latency_ms_p50_away_from_restart | floor) / \(.latency_ms_p99_away_from_restart | floor) ms",
  "messages/s into the broker   \(.broker_messages_in_per_s)",
  "gateways CPU (sum)           \(.gateways_cpu_pct_of_one_core) % of one core",
  "gateways RSS (sum)           \(.gateways_rss_mib) MiB (\(.gateway_rss_mib_each) MiB each)",
  "broker restart               \(.broker_restart_ms) ms down; backlog drained \(.drain_after_run_ms) ms after the run"' "$out"
park_log "figures in $out"
jq -e --argjson k "$K" '.missing_after_drain == 0 and .gaps == 0 and .gateways_heard == $k
       and .alarms_received_once == .alarms_stored_by_gateways' "$out" >/dev/null ||
    fail "not every alarm arrived exactly once: see $out"

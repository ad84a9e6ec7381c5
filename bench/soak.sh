#!/usr/bin/env bash
# soak.sh - `make soak`: riskgw for an hour on a whole plant, a third of it broken,
# and proof that memory and file descriptors stay flat.
#
# The plant is the fault tests' busy plant (tests/lib/faults.sh): every kind of
# device in the shipped profiles - combustible gas, toxic gas, oxygen, a 4-20 mA
# input module, a dust collector, a casting PLC, a power meter - each playing its
# scenario over and over at SOAK_SPEED times real time, with the demo's combined
# rules and two latched alarms; and as many broken devices again as a third of
# the total: two answer every request with exception 11 (unit ids no device on
# the converter serves), one port refuses connections, one accepts and never
# answers, one more exception 11 on the meter's port. Telemetry and alarms go to
# a local mosquitto and a persistent subscriber.
#
# Every SOAK_SAMPLE_S the gateway's VmRSS and open descriptors are recorded
# (SOAK_CSV). After the warm-up (SOAK_WARMUP_S, default a tenth of the run, at
# least 120 s or two thirds of a shorter run) a least-squares line is fitted to each; the soak fails when RSS
# grows faster than SOAK_MAX_RSS_KIB_PER_H or descriptors faster than
# SOAK_MAX_FDS_PER_H, when the gateway dies, or when an event in the store never
# reached the subscriber. It prints the figures either way.
#   make soak                     one hour
#   make soak SOAK_SECONDS=120    a short run (the slope of two minutes is noisier)
set -euo pipefail
BUILD=$(cd "${1:?usage: soak.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export RISKGW_SOURCE_DIR=$SRC
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
. "$SRC/bench/lib_proc.sh"
harness_init

SOAK_SECONDS=${SOAK_SECONDS:-3600}
SOAK_SAMPLE_S=${SOAK_SAMPLE_S:-$(( SOAK_SECONDS >= 600 ? 5 : 2 ))}
# RSS settles in about 100 s here (SQLite's 1 MiB page cache and the first WAL cycle
# fill up): the warm-up is a tenth of the run, but at least 120 s or two thirds of a short run.
warmup_floor=$(( SOAK_SECONDS * 2 / 3 < 120 ? SOAK_SECONDS * 2 / 3 : 120 ))
SOAK_WARMUP_S=${SOAK_WARMUP_S:-$(( SOAK_SECONDS / 10 > warmup_floor ? SOAK_SECONDS / 10 : warmup_floor ))}
SOAK_MAX_RSS_KIB_PER_H=${SOAK_MAX_RSS_KIB_PER_H:-1024}
SOAK_MAX_FDS_PER_H=${SOAK_MAX_FDS_PER_H:-2}
SOAK_CSV=${SOAK_CSV:-$BUILD/soak.csv}
FAULTS_SPEED=${SOAK_SPEED:-10}
[ "$SOAK_SECONDS" -gt "$((SOAK_WARMUP_S + 10 * SOAK_SAMPLE_S))" ] ||
    fail "SOAK_SECONDS=$SOAK_SECONDS leaves fewer than 10 samples after the ${SOAK_WARMUP_S} s warm-up"

mq_port=$(free_port)
start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"
faults_subscribe "$mq_port"

# The broken third: a port that refuses (nothing listens), a port that never answers.
refused=$(free_port)
silent=$(free_port)
start_bg silent socat "TCP-LISTEN:$silent,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null
for _ in $(seq 100); do port_open "$silent" && break; sleep 0.05; done
port_open "$silent" || fail "the silent device did not start listening"
broken() {     # broken ID PROFILE PORT UNIT
    printf '{"id":"%s","profile":"%s","host":"127.0.0.1","port":%s,"unit":%s,"interval_ms":1000}' "$@"
}
faults_ports
converter=${FAULTS_PORTS[0]}
meter=${FAULTS_PORTS[3]}
faults_plant "$mq_port" "$WORK/riskgw.db" "[$(broken exc-gas gas_lel "$converter" 7),
    $(broken exc-h2s gas_toxic_h2s "$converter" 8), $(broken exc-meter power_meter_3ph "$meter" 9),
    $(broken dead-refused gas_o2 "$refused" 1), $(broken dead-silent dust_collector "$silent" 1)]"
ndev=$(jq '.devices | length' "$WORK/site.json")

start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw.log" "uplink mqtt connected" 10 || fail "gateway did not connect; see $WORK/gw.log"
echo "soak: $ndev devices (5 broken), scenarios at ${FAULTS_SPEED}x, ${SOAK_SECONDS} s, a sample every" \
     "${SOAK_SAMPLE_S} s, warm-up ${SOAK_WARMUP_S} s; samples in $SOAK_CSV"

echo "t_s,rss_kib,fds,threads" >"$SOAK_CSV"
mark0=$(cpu_mark "$gw")
t0=$SECONDS
while [ $((SECONDS - t0)) -lt "$SOAK_SECONDS" ]; do
    kill -0 "$gw" 2>/dev/null || fail "the gateway died $((SECONDS - t0)) s into the soak; see $WORK/gw.log"
    fds=$(find "/proc/$gw/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    echo "$((SECONDS - t0)),$(proc_status "$gw" VmRSS),$fds,$(proc_status "$gw" Threads)" >>"$SOAK_CSV"
    sleep "$SOAK_SAMPLE_S"
done
mark1=$(cpu_mark "$gw")
faults_check_delivered "$WORK/sub.log" "$WORK/riskgw.db" 60

# slope COLUMN: least-squares growth per hour of a CSV column over the samples after the warm-up.
slope() {
    awk -F, -v c="$1" -v w="$SOAK_WARMUP_S" 'NR > 1 && $1 >= w { n++; sx += $1; sy += $c; sxx += $1 * $1; sxy += $1 * $c }
        END { d = n * sxx - sx * sx; printf "%.1f", d ? (n * sxy - sx * sy) / d * 3600 : 0 }' "$SOAK_CSV"
}
column_stats() {     # column_stats COLUMN: "first last min max" after the warm-up
    awk -F, -v c="$1" -v w="$SOAK_WARMUP_S" 'NR > 1 && $1 >= w { if (!n++) { f = $c; lo = $c; hi = $c }
        l = $c; if ($c < lo) lo = $c; if ($c > hi) hi = $c } END { print f, l, lo, hi }' "$SOAK_CSV"
}
rss_slope=$(slope 2)
fd_slope=$(slope 3)
read -r rss_first rss_last rss_min rss_max < <(column_stats 2)
read -r fd_first fd_last fd_min fd_max < <(column_stats 3)
read -r _ _ thr_min thr_max < <(column_stats 4)
samples=$(awk -F, -v w="$SOAK_WARMUP_S" 'NR > 1 && $1 >= w' "$SOAK_CSV" | wc -l)
cpu=$(cpu_pct "$mark0" "$mark1")
cat <<TXT
soak figures ($SOAK_SECONDS s, $samples samples after the warm-up):
  RSS          ${rss_first} -> ${rss_last} KiB (min $rss_min, max $rss_max), slope $rss_slope KiB/h (limit $SOAK_MAX_RSS_KIB_PER_H)
  descriptors  ${fd_first} -> ${fd_last} (min $fd_min, max $fd_max), slope $fd_slope /h (limit $SOAK_MAX_FDS_PER_H)
  threads      $thr_min..$thr_max
  CPU          $cpu % of one core on average
  delivered    $FAULTS_EVENTS events ($FAULTS_MESSAGES messages) and $FAULTS_TELEMETRY telemetry messages, none lost
TXT
awk -v s="$rss_slope" -v m="$SOAK_MAX_RSS_KIB_PER_H" 'BEGIN { exit !(s <= m) }' ||
    fail "RSS grows by $rss_slope KiB/h after the warm-up (limit $SOAK_MAX_RSS_KIB_PER_H): a leak? see $SOAK_CSV"
awk -v s="$fd_slope" -v m="$SOAK_MAX_FDS_PER_H" 'BEGIN { exit !(s <= m) }' ||
    fail "open descriptors grow by $fd_slope per hour (limit $SOAK_MAX_FDS_PER_H): a descriptor leak? see $SOAK_CSV"
kill -TERM "$gw"
wait "$gw" || fail "the gateway did not stop cleanly after the soak"
echo "PASS: soak of $SOAK_SECONDS s: memory and descriptors flat, nothing lost"

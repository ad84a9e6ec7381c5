#!/usr/bin/env bash
# rss_libs.sh - where riskgw's resident memory goes: the process, then each shared library.
#
#   bash bench/rss_libs.sh BUILD_DIR [DEVICES] [SETTLE_S]
#
# Runs riskgw from BUILD_DIR with a private tcp:// mosquitto and DEVICES (default 1)
# bench devices of riskgw-sim polled every second, waits SETTLE_S (default 8) seconds
# after the MQTT link is up, and prints VmRSS, VmHWM, RssAnon, RssFile and Threads
# from /proc/PID/status, the private pages (smaps_rollup) and the heap, then the Rss
# of every mapped .so from /proc/PID/smaps, largest first (KiB). The devices play
# bench_noise.json (every reading changes): `bash bench/rss_libs.sh build 2000 40`
# takes the figures of docs/architecture.md, "Memory", again. This is how
# docs/dependencies.md measured what linking a library costs a box that never
# calls it: run it on two builds and compare.
set -uo pipefail
BUILD=$(cd "${1:?usage: bench/rss_libs.sh BUILD_DIR [DEVICES] [SETTLE_S]}" && pwd) || exit 2
DEVICES=${2:-1}
SETTLE_S=${3:-8}
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/lib/harness.sh"
. "$SRC/bench/lib_proc.sh"
. "$SRC/bench/lib_site.sh"
harness_init

mq=$(free_port)
start_mosquitto "$mq"
base=$(free_port_range "$DEVICES")
start_sims "$DEVICES" "$base" || fail "this riskgw-sim cannot serve $DEVICES devices"
write_site "$WORK/site.json" "$WORK/rss.db" "$mq" "$(bench_devices "$DEVICES" "$base")"
start_gateway gw "$WORK/site.json"
wait_for_line "$WORK/gw.log" 'Connected to MQTT broker' 10 || fail "riskgw did not connect; see $WORK/gw.log"
sleep "$SETTLE_S"                       # a fixed settling time is the measurement itself

echo "riskgw ($BUILD/riskgw), $DEVICES devices, ${SETTLE_S} s after connecting:"
awk '$1 ~ /^(VmRSS|VmHWM|RssAnon|RssFile|Threads):$/ { printf "  %-9s %s %s\n", $1, $2, $3 }' "/proc/$GW_PID/status"
echo "  Private:  $(private_kib "$GW_PID") kB (smaps_rollup Private_Clean + Private_Dirty)"
awk '/^[0-9a-f]+-[0-9a-f]+ / { heap = ($6 == "[heap]") } /^Rss:/ && heap { printf "  Heap:     %s kB\n", $2 }' \
    "/proc/$GW_PID/smaps"
echo "resident KiB per library:"
awk '/^[0-9a-f]+-[0-9a-f]+ / { lib = $6 }
     /^Rss:/ && lib ~ /\.so/ { n = lib; sub(/.*\//, "", n); rss[n] += $2 }
     END { for (n in rss) printf "  %6d  %s\n", rss[n], n }' "/proc/$GW_PID/smaps" | sort -nr
stop_proc "$GW_PID"
stop_sims
exit 0

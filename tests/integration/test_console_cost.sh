#!/usr/bin/env bash
# What the site console costs a big site, in things that do not depend on timing:
#
# 1. A request copies no published text. The layout and the snapshot of DEVICES
#    bench devices (30 points each) are over 128 KiB, glibc's mmap threshold in
#    riskgw (docs/architecture.md, "Memory"): a copy per request would be a fresh
#    mapping, i.e. a page fault per 4 KiB of answer (minor faults of the server's
#    thread, minflt of /proc/PID/task/TID/stat). REQUESTS requests of each must cost
#    less than a quarter of that.
#    The core writes its snapshot (once a second while a page looks) in place, into
#    buffers the console reuses: the core thread's faults per snapshot (counted by
#    the snapshot's version, not by time) must stay under a quarter of its pages.
# 2. The console lets go when no page looks. Once nothing has asked for 10 s the
#    core drops the layout, snapshot and health report it published; the process's
#    anonymous memory (RssAnon) falls by at least half the layout's size.
# 3. A page that comes back gets all three again, the health report without
#    waiting for the status interval (an hour here).
#
# Before this test's change each request strdup'd the layout (or malloc'd a copy of
# the snapshot) and the copies stayed resident for good: 1 fails by 4x, 2 never sees
# the drop; and the core wrote each snapshot into a fresh allocation, then copied it.
set -euo pipefail
BUILD=$(cd "${1:?usage: test_console_cost.sh BUILD_DIR}" && pwd)
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/bench/lib_proc.sh"
. "$SRC/bench/lib_site.sh"
harness_init

DEVICES=250
REQUESTS=30
PAGE=4096
WAIT_S=60                               # guards against a gateway that stopped, not bounds

mq=$(free_port)
start_mosquitto "$mq"
base=$(free_port_range "$DEVICES")
start_sims "$DEVICES" "$base"
port=$(free_port)
url="http://127.0.0.1:$port"
write_site "$WORK/site.json" "$WORK/cost.db" "$mq" "$(bench_devices "$DEVICES" "$base")" \
    "\"status_interval_s\":3600,\"console\":{\"listen\":\"127.0.0.1:$port\",\"read_without_sign_in\":true},"
start_gateway gw "$WORK/site.json"

# get ROUTE: the route's body into $WORK/body once it answers 200 (the first ask after a
# quiet spell may get 503 while the core publishes); echoes its size in bytes.
get() {
    local deadline=$((SECONDS + WAIT_S)) code
    while :; do
        code=$(curl -s -o "$WORK/body" -w '%{http_code}' "$url$1") || code=000
        [ "$code" = 200 ] && break
        [ "$SECONDS" -le "$deadline" ] || fail "$1 answered $code for ${WAIT_S} s; see $WORK/gw.log"
        sleep 0.2
    done
    stat -c %s "$WORK/body"
}

# thread_faults TID: the minor page faults of one thread of riskgw so far.
thread_faults() {
    local stat
    stat=$(cat "/proc/$GW_PID/task/$1/stat")
    awk '{ print $8 }' <<<"${stat##*)}"
}

# server_faults: the minor page faults of libmicrohttpd's thread so far (the thread that
# answers; the core's own work, which faults too as it builds a snapshot a second, is
# not counted, so the figure does not depend on how long the requests take).
server_faults() {
    local t stat
    for t in /proc/"$GW_PID"/task/*; do
        [ "$(cat "$t/comm")" = MHD-single ] || continue
        thread_faults "${t##*/}"
        return 0
    done
    fail "riskgw $GW_PID has no thread named MHD-single (libmicrohttpd's)"
}

# 1. faults per request, against the pages a copy would touch
for route in /api/now /api/layout; do
    deadline=$((SECONDS + WAIT_S))
    while size=$(get "$route"); [ "$size" -le $((128 * 1024)) ]; do    # the snapshot grows as points are read
        [ "$SECONDS" -le "$deadline" ] || fail "$route is $size bytes after ${WAIT_S} s: too small to test a copy (over 128 KiB needed)"
        sleep 0.5
    done
    before=$(server_faults)
    for ((i = 0; i < REQUESTS; i++)); do
        curl -s -o /dev/null "$url$route"
    done
    faults=$(( $(server_faults) - before ))
    limit=$(( REQUESTS * size / PAGE / 4 ))
    echo "$route: $size bytes, $faults minor faults over $REQUESTS requests (a copy each: $((REQUESTS * size / PAGE)))"
    [ "$faults" -lt "$limit" ] ||
        fail "$REQUESTS requests of $route ($size bytes) cost $faults page faults; under $limit expected: is the answer copied per request?"
done
# the core's faults per snapshot (its thread is the main one), over SNAPSHOTS of them
SNAPSHOTS=5
size=$(get /api/now)
v0=$(jq .v "$WORK/body")
core0=$(thread_faults "$GW_PID")
deadline=$((SECONDS + WAIT_S))
while get /api/now >/dev/null; v=$(jq .v "$WORK/body"); [ $((v - v0)) -lt "$SNAPSHOTS" ]; do
    [ "$SECONDS" -le "$deadline" ] || fail "the snapshot went from version $v0 to $v in ${WAIT_S} s; one a second expected"
    sleep 0.3
done
faults=$(( $(thread_faults "$GW_PID") - core0 ))
limit=$(( (v - v0) * size / PAGE / 4 ))
echo "core: $faults minor faults over $((v - v0)) snapshots of $size bytes (a fresh buffer each: $(( (v - v0) * size / PAGE )))"
[ "$faults" -lt "$limit" ] ||
    fail "the core faulted $faults pages over $((v - v0)) snapshots of $size bytes; under $limit expected: is each written into fresh memory?"
layout_bytes=$(get /api/layout)
jq -e '.devices | length == '"$DEVICES" "$WORK/body" >/dev/null || fail "the layout does not list $DEVICES devices"

# 2. nobody looks: the published texts go
anon_looking=$(proc_status "$GW_PID" RssAnon)
want_drop=$(( layout_bytes / 1024 / 2 ))
deadline=$((SECONDS + WAIT_S))
while anon=$(proc_status "$GW_PID" RssAnon); [ $((anon_looking - anon)) -lt "$want_drop" ]; do
    [ "$SECONDS" -le "$deadline" ] ||
        fail "no page asked for ${WAIT_S} s and the anonymous memory went from $anon_looking to $anon KiB; the console should have let go of the layout ($layout_bytes bytes) and the rest"
    sleep 1
done
echo "no page looking: anonymous memory $anon_looking -> $anon KiB"

# 3. a page comes back: snapshot, layout and the health report (the status interval is an hour)
get /api/now >/dev/null
jq -e '.v > 0 and (.now.devices | length) == '"$DEVICES" "$WORK/body" >/dev/null || fail "the snapshot after the quiet spell is wrong: $(head -c 200 "$WORK/body")"
get /api/layout >/dev/null
get /api/health >/dev/null
jq -e '.devices | length == '"$DEVICES" "$WORK/body" >/dev/null || fail "the health report after the quiet spell is wrong: $(head -c 200 "$WORK/body")"
stop_proc "$GW_PID" || true     # (its last kill fails once the gateway is gone)
echo "PASS: console answers are sent without copies, released when no page looks, and published again when one comes"

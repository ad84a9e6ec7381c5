# harness.sh - shared helpers for the integration tests (bash; source it, do not run it).
#
# Every test gets a fresh work directory and a trap that kills every process it
# started and removes the directory (kept with KEEP=1 for a post-mortem), so a
# failing or interrupted test leaves nothing behind. Processes listen on
# 127.0.0.1 only, on ports the kernel says are free. Every mosquitto_sub a test
# runs holds each message it receives to docs/asyncapi.yaml (tests/lib/contract/):
# one that breaks the contract fails the test at cleanup.
#
#   source "$RISKGW_SOURCE_DIR/tests/lib/harness.sh"
#   harness_init
#   port=$(free_port); start_mosquitto "$port"
#   start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
#   wait_for_line "$WORK/gw.log" 'Connected to MQTT broker' 5 || fail "gateway never connected"

HARNESS_PIDS=()
HARNESS_AT_EXIT=()                      # commands a test adds with at_exit, run first at cleanup
MOSQUITTO_PID=
MOSQUITTO_PORT=
HARNESS_POLL_S=0.05
HARNESS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# contract_verdict: let every contract-checking subscriber (tests/lib/contract/) finish the
# lines it holds, then 1 if any message broke docs/asyncapi.yaml (each printed), else 0.
contract_verdict() {
    local f deadline=$((SECONDS + 3))
    for f in "$WORK"/contract-subs/*; do
        [ -e "$f" ] && kill -TERM "${f##*/}" 2>/dev/null
    done
    while compgen -G "$WORK/contract-subs/*" >/dev/null && [ "$SECONDS" -le "$deadline" ]; do
        sleep "$HARNESS_POLL_S"
    done
    [ -s "$WORK/contract-violations.log" ] || return 0
    echo "FAIL: messages broke the interface contract (docs/asyncapi.yaml):" >&2
    head -20 "$WORK/contract-violations.log" >&2
    return 1
}

harness_cleanup() {
    local pid rc=$? cmd                 # the test's own status is the script's status
    set +e                              # tests run with set -e; processes may be gone already
    for cmd in "${HARNESS_AT_EXIT[@]}"; do
        eval "$cmd"
    done
    if [ -n "$WORK" ] && [ -d "$WORK" ] && ! contract_verdict; then
        rc=1
    fi
    for pid in "${HARNESS_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null
    done
    for pid in "${HARNESS_PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    HARNESS_PIDS=()
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${KEEP:-0}" = 1 ]; then
            echo "kept work directory $WORK" >&2
        else
            rm -rf "$WORK"
            harness_forget_reports
        fi
    fi
    exit "$rc"
}

# ram_reports PATH_PREFIX: the health reports in RAM (/run/riskgw, gateway/status_file.c)
# of the gateways whose store path starts with PATH_PREFIX, one file a line; 1 if none.
ram_reports() {
    grep -lsF "\"$1" /run/riskgw/*.json
}

# The health reports in RAM of the gateways a test killed (one that stops cleanly
# removes its own): on a box /run is emptied at boot, a test machine runs thousands
# of gateways between boots.
harness_forget_reports() {
    ram_reports "$WORK/" | xargs -r rm -f
}

# at_exit CMD: run CMD (a string, eval'd) at cleanup, before processes are killed.
# Use it instead of a trap of your own: the trap is the harness's, and it keeps
# the test's exit status.
at_exit() {
    HARNESS_AT_EXIT+=("$1")
}

harness_init() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/riskgw-test.XXXXXX") || fail "cannot create a work directory"
    export WORK
    # Every mosquitto_sub a test runs checks what it receives against the contract.
    export PATH="$HARNESS_LIB/contract:$PATH"
    trap harness_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# A TCP port on 127.0.0.1 that the kernel just handed out (bind to port 0).
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_bg NAME CMD...: run CMD in the background, output in $WORK/NAME.log; sets BG_PID.
start_bg() {
    local name=$1
    shift
    "$@" >"$WORK/$name.log" 2>&1 &
    BG_PID=$!
    HARNESS_PIDS+=("$BG_PID")
}

# start_sub NAME mosquitto_sub ARGS...: start_bg for a subscriber (the contract-checking
# mosquitto_sub of tests/lib/contract/), returning once the broker acknowledged its
# subscription. A message published before that is lost to a subscriber without a
# session, and on a loaded machine (CI: -j2 beside valgrind) the Python subscriber
# took seconds to start while the gateway raised its first alarm 0.1 s after its own.
start_sub() {
    local name=$1
    start_bg "$@"
    wait_subscribed "$BG_PID" 30 || fail "the subscriber '$name' did not subscribe within 30 s; see $WORK/$name.log"
}

# wait_until TIMEOUT_S COMMAND...: 0 as soon as COMMAND succeeds, 1 on timeout.
wait_until() {
    local deadline=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -le "$deadline" ]; do
        "$@" 2>/dev/null && return 0
        sleep "$HARNESS_POLL_S"
    done
    return 1
}

# wait_for_line FILE REGEX TIMEOUT_S: 0 as soon as a line of FILE matches, 1 on timeout.
wait_for_line() { wait_until "$3" grep -Eq -- "$2" "$1"; }

# health_report CONFIG: the newest health report of the gateway run with CONFIG, one
# JSON object (`riskgw status --json`: in RAM while it runs, beside the store once stopped).
health_report() { "$BUILD/riskgw" status -c "$1" --json 2>/dev/null; }

report_matches() { health_report "$1" | grep -Eq -- "$2"; }

# wait_for_report CONFIG REGEX TIMEOUT_S: 0 as soon as the newest health report matches.
wait_for_report() { wait_until "$3" report_matches "$1" "$2"; }

# wait_subscribed PID [TIMEOUT_S] [N]: 0 once a broker acknowledged the subscription of the
# mosquitto_sub started as PID (start_bg's BG_PID) N times (1 by default; a client that
# reconnects subscribes again), 1 on timeout (10 s by default).
wait_subscribed() {
    local deadline=$((SECONDS + ${2:-10})) mark=$WORK/contract-subscribed/$1
    until [ -e "$mark" ] && [ "$(wc -l <"$mark")" -ge "${3:-1}" ]; do
        [ "$SECONDS" -le "$deadline" ] || return 1
        sleep "$HARNESS_POLL_S"
    done
}

# port_open PORT: 0 if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_mosquitto PORT [CONF_LINE...]: a broker on 127.0.0.1:PORT, no persistence;
# returns once it accepts connections. Sets MOSQUITTO_PID and MOSQUITTO_PORT.
start_mosquitto() {
    local port=$1 line tries=100
    shift
    local conf="$WORK/mosquitto-$port.conf"
    {
        echo "listener $port 127.0.0.1"
        echo "allow_anonymous true"
        echo "persistence false"
        echo "log_dest stderr"
        echo "user $(id -un)"           # as root, do not switch to user mosquitto
        for line in "$@"; do echo "$line"; done
    } >"$conf"
    local bin
    bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
    start_bg "mosquitto-$port" "$bin" -c "$conf"
    MOSQUITTO_PID=$BG_PID
    MOSQUITTO_PORT=$port
    while ! port_open "$port"; do
        kill -0 "$MOSQUITTO_PID" 2>/dev/null ||
            fail "mosquitto on port $port exited at start; see $WORK/mosquitto-$port.log"
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || fail "mosquitto on port $port did not accept connections"
        sleep "$HARNESS_POLL_S"
    done
}

# stop_mosquitto [SIGNAL]: stop the broker started last (TERM by default, KILL to make it vanish).
stop_mosquitto() {
    [ -n "$MOSQUITTO_PID" ] || return 0
    kill "-${1:-TERM}" "$MOSQUITTO_PID" 2>/dev/null
    wait "$MOSQUITTO_PID" 2>/dev/null || true     # a killed broker exits non-zero: expected
    MOSQUITTO_PID=
}

# start_gas_sim [SCENARIO]: a gas_lel simulator the test drives through its stdin
# with sim_say LINE ("set lel 60", "fault lel"). Sets SIM_PORT. Uses the test's
# $BUILD and $SRC; the scenario defaults to a constant 2 %LEL.
# start_bg_faketime NAME CMD...: start_bg under libfaketime, its wall clock real time
# plus the offset in $WORK/clock.offset ("+3600"), read again at every call, while the
# monotonic clock stays real. Other variables set on the call reach CMD as well.
start_bg_faketime() {
    local lib
    lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
    [ -n "$lib" ] || fail "libfaketime is not installed (Debian package libfaketime; make deps)"
    [ -f "$WORK/clock.offset" ] || echo "+0" >"$WORK/clock.offset"
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" LD_PRELOAD=$lib \
        FAKETIME_TIMESTAMP_FILE="$WORK/clock.offset" FAKETIME_NO_CACHE=1 DONT_FAKE_MONOTONIC=1 \
        start_bg "$@"
}

start_gas_sim() {
    SIM_PORT=$(free_port)
    mkfifo "$WORK/sim.in"
    exec 7<>"$WORK/sim.in"             # held open read-write: the simulator never sees EOF
    start_bg sim sh -c "exec '$BUILD/riskgw-sim' --profile gas_lel --port $SIM_PORT \
        --scenario '${1:-$SRC/tests/integration/clean_air.json}' < '$WORK/sim.in'"
    wait_for_line "$WORK/sim.log" "listening on" 10 || fail "simulator did not start; see $WORK/sim.log"
}

sim_say() {
    echo "$*" >&7
}

# start_ctl_sim NAME PROFILE [riskgw-sim ARGS...]: a simulator of PROFILE on a free port,
# driven through its control socket $WORK/NAME.ctl with ctl_say NAME LINE. Sets
# CTL_SIM_PORT. Call it directly, not in $(...): its process must stay in HARNESS_PIDS.
start_ctl_sim() {
    local name=$1 profile=$2
    shift 2
    CTL_SIM_PORT=$(free_port)
    start_bg "$name" "$BUILD/riskgw-sim" --profile "$profile" --port "$CTL_SIM_PORT" \
        --control "$WORK/$name.ctl" "$@"
    wait_for_line "$WORK/$name.log" "listening on" 10 || fail "$name simulator did not start; see $WORK/$name.log"
}

ctl_say() {
    echo "$2" | socat -t 2 - "UNIX-CONNECT:$WORK/$1.ctl" >/dev/null
}

# sim_ctl SOCKET LINE...: one control line to a riskgw-sim started with --control SOCKET;
# fails the test unless the simulator answers "ok".
sim_ctl() {
    local sock=$1 answer
    shift
    answer=$(echo "$*" | socat - "UNIX-CONNECT:$sock" | tail -1)
    [ "$answer" = ok ] || fail "the simulator refused \"$*\": $answer"
}

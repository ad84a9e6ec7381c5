#!/usr/bin/env bash
# test_sim_site.sh - riskgw-sim as a whole site, as an independent master (mbpoll) sees it.
#
# 1. --count 1500 with the soft descriptor limit at 1024: the simulator raises it,
#    opens 1,500 listeners (descriptors past FD_SETSIZE) and the last port answers.
# 2. The shipped demo site (simulators/sites/demo.json, moved to free ports):
#    several units behind one port, unit ids nobody serves, control lines with a
#    device prefix on stdin, and the dust scenario played fast.
# 3. --rtu PATH on one end of a socat pty pair, read over RTU by mbpoll.
#
# Usage: test_sim_site.sh BUILD_DIR
set -u
BUILD=${1:?usage: test_sim_site.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIM="$BUILD/riskgw-sim"
source "$SRC/tests/lib/harness.sh"
harness_init
STEP_TIMEOUT_S=5
COUNT=1500
FD_SETSIZE=1024
PASSED=0

ok() { PASSED=$((PASSED + 1)); }

# mb_read ARGS...: the first value mbpoll prints for one read.
mb_read() {
    mbpoll -1 -o 1 "$@" 2>&1 | sed -n 's/^\[[0-9]*\]:[[:space:]]*\(-\?[0-9.]*\).*/\1/p' | head -1
}

# --- 1. --count: more than 1024 listening ports in one process ---
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -ge $((COUNT + 100)) ] ||
    fail "the hard descriptor limit is $hard; this test needs $((COUNT + 100)) (raise it with ulimit -Hn)"
started=
for try in 1 2 3; do                    # a random base below the ephemeral range; retry on a clash
    base=$((20000 + RANDOM % 9000))
    (ulimit -Sn "$FD_SETSIZE"; exec "$SIM" --count "$COUNT" --base-port "$base" --profile gas_lel --quiet \
        </dev/null >"$WORK/count.out" 2>"$WORK/count.err") &
    pid=$!
    HARNESS_PIDS+=("$pid")
    if wait_for_line "$WORK/count.out" '^riskgw-sim: listening on ' "$STEP_TIMEOUT_S"; then
        started=1
        break
    fi
    kill "$pid" 2>/dev/null
done
[ -n "$started" ] || fail "--count $COUNT did not start: $(cat "$WORK/count.err")"
last=$((base + COUNT - 1))
grep -qx "riskgw-sim: listening on 127.0.0.1:$base..$last ($COUNT devices)" "$WORK/count.out" ||
    fail "unexpected summary line: $(cat "$WORK/count.out")"
ok
fds=$(ls "/proc/$pid/fd" | wc -l)
[ "$fds" -gt "$FD_SETSIZE" ] || fail "only $fds descriptors open; expected more than $FD_SETSIZE"
ok
got=$(mb_read -m tcp -a 1 -r 1 -c 1 -p "$last" 127.0.0.1)
[ "$got" = 0 ] || fail "port $last (descriptor > $FD_SETSIZE) read '$got', expected 0"
ok
kill -TERM "$pid"
wait "$pid" || fail "riskgw-sim --count exited with status $? on SIGTERM"
ok

# --- 2. the demo site on free ports, stdin control lines with device ids ---
p0=$(free_port); p1=$(free_port); p2=$(free_port); p3=$(free_port)
jq --argjson m "{\"15020\":$p0,\"15021\":$p1,\"15022\":$p2,\"15023\":$p3}" \
    '.devices |= map(.port = $m[(.port | tostring)])' "$SRC/simulators/sites/demo.json" >"$WORK/demo.json"
cp "$SRC/simulators/scenarios/gas_leak.json" "$WORK/"          # one scenario beside the site file
mkfifo "$WORK/ctl"
exec 3<>"$WORK/ctl"
"$SIM" --site "$WORK/demo.json" --speed 50 <"$WORK/ctl" >"$WORK/demo.out" 2>"$WORK/demo.err" &
DEMO=$!
HARNESS_PIDS+=("$DEMO")
wait_for_line "$WORK/demo.out" "listening on 127.0.0.1:$p3 " "$STEP_TIMEOUT_S" ||
    fail "demo site did not start: $(cat "$WORK/demo.err")"
grep -qx "riskgw-sim: listening on 127.0.0.1:$p0 units 1=gas1 2=h2s1 3=o2-1 4=ai1" "$WORK/demo.out" ||
    fail "the converter port's line is wrong: $(cat "$WORK/demo.out")"
[ "$(wc -l <"$WORK/demo.out")" = 4 ] || fail "expected one line per port, got: $(cat "$WORK/demo.out")"
ok
echo "o2-1 set o2 18.2" >&3
wait_for_line "$WORK/demo.err" 'o2-1 unit 3 point o2: held at 18.2' "$STEP_TIMEOUT_S" || fail "'o2-1 set o2 18.2' not acknowledged"
[ "$(mb_read -m tcp -a 3 -r 1 -c 1 -p "$p0" 127.0.0.1)" = 182 ] || fail "o2-1 (unit 3 behind port $p0) did not read 182"
ok
echo "set o2 19" >&3                    # several devices: the id is needed
wait_for_line "$WORK/demo.err" 'refused, nothing changed: "set" is neither a device' "$STEP_TIMEOUT_S" ||
    fail "a line without a device id was not refused"
ok
mbpoll -1 -o 1 -m tcp -a 5 -r 1 -c 1 -p "$p0" 127.0.0.1 2>&1 | grep -q 'Target device failed to respond' ||
    fail "unit 5 behind the converter did not get exception 0x0B"
ok
ch1=$(mb_read -m tcp -a 4 -t 3 -r 1 -c 1 -p "$p0" 127.0.0.1)  # ai1: 4-20 mA loop, in uA
[ -n "$ch1" ] && [ "$ch1" -ge 4000 ] && [ "$ch1" -le 20000 ] || fail "ai1 ch1 read '$ch1' uA, expected a live loop current"
ok
sleep 2.4                               # the dust scenario past 105 s at speed 50: bags clogged
dp=$(mb_read -m tcp -a 1 -t 3 -r 1 -c 1 -p "$p1" 127.0.0.1)
[ -n "$dp" ] && [ "$dp" -ge 2600 ] && [ "$dp" -le 3000 ] || fail "dust1 dP read '$dp' Pa, expected ~2800 after the clog"
ok
echo "quit" >&3
wait "$DEMO" || fail "the demo site exited with status $? after quit"
exec 3>&-
ok

# --- 3. --rtu PATH: a serial line (one end of a socat pty pair) ---
socat -d -d "pty,raw,echo=0,link=$WORK/line-sim" "pty,raw,echo=0,link=$WORK/line-master" 2>"$WORK/socat.log" &
HARNESS_PIDS+=("$!")
for _ in $(seq 1 50); do [ -e "$WORK/line-master" ] && [ -e "$WORK/line-sim" ] && break; sleep 0.05; done
printf 'set lel 33.3\n' >"$WORK/cmds"
"$SIM" --profile gas_lel --unit 5 --rtu "$WORK/line-sim" --baud 19200 --parity E <"$WORK/cmds" \
    >"$WORK/rtu.out" 2>"$WORK/rtu.err" &
HARNESS_PIDS+=("$!")
wait_for_line "$WORK/rtu.out" "^riskgw-sim: rtu on $WORK/line-sim units 5=gas_lel$" "$STEP_TIMEOUT_S" ||
    fail "--rtu did not start: $(cat "$WORK/rtu.out" "$WORK/rtu.err")"
got=$(mb_read -m rtu -b 19200 -P even -a 5 -r 1 -c 1 "$WORK/line-master")
[ "$got" = 333 ] || fail "RTU unit 5 read '$got', expected 333"
ok

echo "$PASSED passed, 0 failed"

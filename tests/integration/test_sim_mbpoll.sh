#!/usr/bin/env bash
# test_sim_mbpoll.sh - riskgw-sim as an independent Modbus master sees it.
#
# Debian's mbpoll (not our code) reads the registers riskgw-sim serves for the
# gas_lel profile: a scenario value, values set and faulted over the control
# input, a unit id with no device, and an address outside the map. It also checks
# the command line (help, usage errors, a scenario naming an unknown point), that
# end of input does not stop the simulator, and that 'quit', SIGINT and SIGTERM
# all end it with status 0.
#
# Usage: test_sim_mbpoll.sh BUILD_DIR
set -u
BUILD=${1:?usage: test_sim_mbpoll.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SIM="$BUILD/riskgw-sim"
source "$SRC/tests/lib/harness.sh"
harness_init
STEP_TIMEOUT_S=5
PASSED=0

ok() { PASSED=$((PASSED + 1)); }

# start_sim NAME STDIN ARGS...: riskgw-sim on a free port; sets SIM_PID and SIM_PORT.
start_sim() {
    local name=$1 input=$2
    shift 2
    "$SIM" --profile gas_lel --port 0 "$@" <"$input" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    SIM_PID=$!
    HARNESS_PIDS+=("$SIM_PID")
    wait_for_line "$WORK/$name.out" '^riskgw-sim: listening on ' "$STEP_TIMEOUT_S" ||
        fail "$name: no 'listening' line; stderr: $(cat "$WORK/$name.err")"
    SIM_PORT=$(sed -n 's/^riskgw-sim: listening on 127\.0\.0\.1:\([0-9]*\) profile gas_lel unit [0-9]*$/\1/p' "$WORK/$name.out")
    [ -n "$SIM_PORT" ] || fail "$name: malformed listening line: $(cat "$WORK/$name.out")"
}

# read_reg UNIT REF: holding register REF (1-based, mbpoll's default) of SIM_PORT.
read_reg() {
    mbpoll -m tcp -a "$1" -r "$2" -t 4 -c 1 -1 -o 1 -p "$SIM_PORT" 127.0.0.1 2>&1
}

expect_reg() {
    local unit=$1 ref=$2 want=$3 got
    got=$(read_reg "$unit" "$ref" | sed -n "s/^\[$ref\]:[[:space:]]*\(-\?[0-9]*\).*/\1/p")
    [ "$got" = "$want" ] || fail "unit $unit register $ref: read '$got', expected $want ($(read_reg "$unit" "$ref" | tail -2))"
    ok
}

# expect_clean_exit PID WHAT: the simulator ends soon after WHAT (quit, a signal) with status 0.
expect_clean_exit() {
    local status=0
    for _ in $(seq 1 $((STEP_TIMEOUT_S * 20))); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$1" 2>/dev/null && fail "riskgw-sim $1 still running after $2"
    wait "$1" || status=$?
    [ "$status" = 0 ] || fail "riskgw-sim exited with status $status after $2, expected 0"
    ok
}

# --- the command line ---
"$SIM" --help >"$WORK/help" || fail "--help exited non-zero"
grep -q -- '--profile NAME' "$WORK/help" && grep -q 'set POINT VALUE' "$WORK/help" || fail "--help does not explain options and control lines"
ok
"$SIM" --profile gas_lel --port abc 2>"$WORK/usage"; status=$?
[ "$status" = 2 ] && grep -q -- '--port abc: expected a TCP port' "$WORK/usage" || fail "bad --port: status $status, $(cat "$WORK/usage")"
ok
"$SIM" --port 0 2>"$WORK/usage"; status=$?
[ "$status" = 2 ] && grep -q -- '--profile NAME' "$WORK/usage" || fail "missing --profile: status $status"
ok
printf '{"points":{"lell":[{"at_s":0,"value":1}]}}' >"$WORK/typo.json"
"$SIM" --profile gas_lel --port 0 --scenario "$WORK/typo.json" </dev/null >"$WORK/typo.out" 2>"$WORK/typo.err"; status=$?
[ "$status" = 1 ] && grep -q 'typo.json: points.lell: no such point in profile gas_lel' "$WORK/typo.err" ||
    fail "unknown point: status $status, $(cat "$WORK/typo.err")"
[ -s "$WORK/typo.out" ] && fail "a refused start printed on stdout"
ok
"$SIM" --profile gas_lel --check --scenario "$SRC/simulators/scenarios/gas_leak.json" 2>"$WORK/check" ||
    fail "--check refused the shipped gas_leak scenario: $(cat "$WORK/check")"
ok

# --- a scenario value, then control lines through a FIFO ---
printf '{"points":{"lel":[{"at_s":0,"value":12.3}]}}' >"$WORK/hold.json"
mkfifo "$WORK/ctl"
exec 3<>"$WORK/ctl"                     # held open read-write: the simulator never sees EOF
start_sim a "$WORK/ctl" --scenario "$WORK/hold.json"
A=$SIM_PID
expect_reg 1 1 123                      # 12.3 %LEL, scale 0.1
echo "set lel 42.5" >&3
wait_for_line "$WORK/a.err" 'point lel: held at 42.5' "$STEP_TIMEOUT_S" || fail "'set lel 42.5' not acknowledged"
expect_reg 1 1 425
echo "set lel abc" >&3
wait_for_line "$WORK/a.err" 'refused, nothing changed: set lel: "abc" is not a number' "$STEP_TIMEOUT_S" ||
    fail "a bad control line was not refused on stderr"
expect_reg 1 1 425
echo "fault lel" >&3
wait_for_line "$WORK/a.err" 'point lel: sensor fault' "$STEP_TIMEOUT_S" || fail "'fault lel' not acknowledged"
expect_reg 1 1 1160                     # 116 %LEL: past the plausible range [-5, 105]
echo "recover lel" >&3
wait_for_line "$WORK/a.err" 'point lel: back to its scenario' "$STEP_TIMEOUT_S" || fail "'recover lel' not acknowledged"
expect_reg 1 1 123
read_reg 2 1 | grep -q 'Target device failed to respond' || fail "unit 2 did not get exception 0x0B"
ok
read_reg 1 3 | grep -q 'Illegal data address' || fail "register 3 (outside the map) did not get exception 0x02"
ok
echo "quit" >&3
expect_clean_exit "$A" quit
exec 3>&-

# --- no scenario, stdin at EOF at once, another unit id; SIGINT and SIGTERM ---
start_sim b /dev/null --unit 7
B=$SIM_PID
sleep 0.3
kill -0 "$B" 2>/dev/null || fail "end of stdin stopped the simulator"
expect_reg 7 1 0                        # rest value
expect_reg 7 2 0
kill -INT "$B"
expect_clean_exit "$B" SIGINT
start_sim c /dev/null --scenario "$SRC/simulators/scenarios/gas_leak.json" --speed 1000
C=$SIM_PID
wait_for_line "$WORK/c.err" 'scenario gas_leak ended after 60 s' "$STEP_TIMEOUT_S" || fail "gas_leak did not end at speed 1000"
raw=$(read_reg 1 1 | sed -n 's/^\[1\]:[[:space:]]*\([0-9]*\).*/\1/p')
[ -n "$raw" ] && [ "$raw" -le 30 ] || fail "after gas_leak the held value is '$raw', expected clean air (<= 3.0 %LEL)"
ok
kill -TERM "$C"
expect_clean_exit "$C" SIGTERM

echo "$PASSED passed, 0 failed"

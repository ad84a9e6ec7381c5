#!/usr/bin/env bash
# run.sh - `make bench`: every figure of the benchmark, measured on this machine, now.
#
#   bash bench/run.sh BUILD_DIR          the full run (about 10 minutes on 2 cores)
#   BENCH_QUICK=1 bash bench/run.sh ...  the quick run (under 3 minutes): N = 10, 100, short windows
#   BENCH_SMOKE=1 ...                    the smoke run of the test suite: N = 10 only, a few seconds
#   BENCH_PHASES="scale store" ...       only these phases (scale latency modbus store footprint console wear)
#   BENCH_SCALE_NS="100" ...             the scale phase at these N only (full mode: 10 100 500 2000)
#   BENCH_OUT=FILE BENCH_PLOT=PNG ...    where results.json and the plot go (default bench/out/)
#
# Everything runs here, on loopback: riskgw and riskgw-sim from BUILD_DIR, a private
# mosquitto, and the small C programs in bench/ (bench_sub, bench_bare, ...). It
# prints a table (figure, value, target, verdict) and writes results.json and
# scale.png into bench/out/, which git ignores: a run never dirties the checkout
# (figures worth keeping go into bench/README.md's "Last run", on purpose). Every
# process it starts is stopped at the end, also on failure or ^C.
set -uo pipefail
BUILD=$(cd "${1:?usage: bench/run.sh BUILD_DIR}" && pwd) || exit 2
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/lib/harness.sh"
for f in lib_proc lib_site lib_report phase_scale phase_latency phase_modbus phase_store phase_footprint phase_console phase_wear; do
    . "$SRC/bench/$f.sh"
done

bench_log() { echo "bench: $*" >&2; }

# The sizes of each mode. Windows are in seconds.
if [ "${BENCH_SMOKE:-0}" = 1 ]; then
    BENCH_MODE=smoke
    SCALE_NS="10"; SCALE_AT_ONCE_NS=""; WARMUP_S=3; WINDOW_S=4; BARE_WARMUP_S=2; VERDICT_N=10; CPU_SPLITS=1
    PHASES=${BENCH_PHASES:-scale}
elif [ "${BENCH_QUICK:-0}" = 1 ]; then
    BENCH_MODE=quick
    SCALE_NS="10 100"; SCALE_AT_ONCE_NS="100"; WARMUP_S=4; WINDOW_S=10; BARE_WARMUP_S=2; VERDICT_N=100; CPU_SPLITS=3
    LAT_N=100; LAT_ALARMS=200; LAT_COLD=2; MB_RUNS=2; MB_LOOP_S=2; MB_WARMUP_S=2; RTU_WINDOW_S=3
    STORE_RUNS=1; STARTUP_RUNS=3; IDLE_S=10
    WEAR_NS="100"; WEAR_STEADY_S=60; WEAR_WORST_S=20
    PHASES=${BENCH_PHASES:-scale latency modbus store footprint console wear}
else
    BENCH_MODE=full
    SCALE_NS=${BENCH_SCALE_NS:-10 100 500 2000}; SCALE_AT_ONCE_NS="100 500 2000"; WARMUP_S=10; WINDOW_S=30; BARE_WARMUP_S=3; VERDICT_N=500; CPU_SPLITS=3
    LAT_N=500; LAT_ALARMS=1000; LAT_COLD=10; MB_RUNS=3; MB_LOOP_S=5; MB_WARMUP_S=3; RTU_WINDOW_S=10
    STORE_RUNS=3; STARTUP_RUNS=5; IDLE_S=30
    WEAR_NS="100 500"; WEAR_STEADY_S=300; WEAR_WORST_S=60
    PHASES=${BENCH_PHASES:-scale latency modbus store footprint console wear}
fi
GRACE_MS=3000                   # bench_sub listens this long past a window for late readings
DELIVERED_MIN=0.999             # "every point delivered", allowing for a reading on the window's edge
STORE_GROWTH_N=100              # the scale step whose store growth gives bytes/point/day
[ "$BENCH_MODE" = smoke ] && STORE_GROWTH_N=10
RETENTION_DAYS=30               # the default (and minimum) sample retention, docs/store.md
OUT=${BENCH_OUT:-$SRC/bench/out/results.json}
PLOT=${BENCH_PLOT:-$SRC/bench/out/scale.png}
mkdir -p "$(dirname "$OUT")" "$(dirname "$PLOT")" || fail "cannot create the output directories of $OUT and $PLOT"

# The programs each phase runs, checked before anything starts.
declare -A NEEDS=([scale]="bench_sub bench_bare bench_bare_mux" [latency]="bench_alarm bench_fsync" [modbus]="bench_modbus"
                  [store]="bench_store bench_drain" [footprint]="bench_startup" [console]="" [wear]="")
for phase in $PHASES; do
    [ -n "${NEEDS[$phase]+set}" ] || fail "unknown phase '$phase' (phases: ${!NEEDS[*]})"
    for prog in riskgw riskgw-sim ${NEEDS[$phase]}; do
        [ -x "$BUILD/$prog" ] || fail "$BUILD/$prog is missing: build first (make build)"
    done
done
ulimit -n "$(ulimit -Hn)" 2>/dev/null      # 2,000 devices need more than 1,024 descriptors

harness_init
report_init
start_mosquitto "$(free_port)" "max_queued_messages 100000"
MQ_PORT=$MOSQUITTO_PORT
MQ_URI=tcp://127.0.0.1:$MQ_PORT
bench_log "$BENCH_MODE mode, phases: $PHASES; work directory $WORK"
t_start=$SECONDS
for phase in $PHASES; do
    t_phase=$SECONDS
    "phase_$phase"
    bench_log "phase $phase took $((SECONDS - t_phase)) s"
done
result duration_s "$((SECONDS - t_start))"
report_write "$OUT"
case " $PHASES " in *" scale "*) report_plot "$PLOT" ;; esac
bench_log "done in $((SECONDS - t_start)) s"

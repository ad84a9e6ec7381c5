#!/usr/bin/env bash
# fuzz.sh FUZZ_BUILD_DIR SECONDS [JOBS] - build the fuzz targets with clang and run each.
#
# `make fuzz` runs it with build-fuzz and $(FUZZ_SECONDS) (60 by default); the
# default suite's fuzz_smoke test runs it for a few seconds per target in a
# subdirectory of its build. The fuzz configuration (tests/fuzz/fuzz.cmake) builds
# every module with ASan, UBSan and libFuzzer coverage; its ctest tests labelled
# "fuzz" each run one target (tests/fuzz/run_fuzz.sh). Runs at lower priority, so
# that the timing-sensitive integration tests running beside it keep their CPU.
# Every file it writes (the configure and build logs too) stays inside
# FUZZ_BUILD_DIR, which may be relative to the current directory.
set -euo pipefail
OUT=${1:?usage: fuzz.sh FUZZ_BUILD_DIR SECONDS [JOBS]}
SECS=${2:?usage: fuzz.sh FUZZ_BUILD_DIR SECONDS [JOBS]}
JOBS=${3:-$(nproc)}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
CTEST_MARGIN_S=120          # a target's run may take this long past its budget (start, final merge)
NICE=10

if ! command -v clang >/dev/null; then
    echo "FAIL: clang is not installed, so the fuzz targets cannot be built; run 'make deps'" >&2
    exit 1
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
start=$SECONDS
nice -n "$NICE" cmake -S "$SRC" -B "$OUT" -DCMAKE_C_COMPILER=clang -DRISKGW_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=Debug >"$OUT/configure.log" 2>&1 ||
    { cat "$OUT/configure.log" >&2; echo "FAIL: cannot configure the fuzz build in $OUT" >&2; exit 1; }
nice -n "$NICE" cmake --build "$OUT" --target fuzz_all -j"$JOBS" >"$OUT/build.log" 2>&1 ||
    { grep -E 'error|warning' "$OUT/build.log" | head -40 >&2
      echo "FAIL: the fuzz build (clang -Werror) failed; see $OUT/build.log" >&2; exit 1; }
echo "fuzz: built in $((SECONDS - start)) s"
cd "$OUT"
rm -f fuzz-work/*.summary
rc=0
FUZZ_SECONDS=$SECS nice -n "$NICE" ctest -L fuzz -j"$JOBS" --timeout $((SECS + CTEST_MARGIN_S)) \
    --output-on-failure >"$OUT/ctest-fuzz.log" 2>&1 || rc=$?
cat fuzz-work/*.summary 2>/dev/null || true
if [ "$rc" != 0 ]; then cat ctest-fuzz.log >&2; else grep 'tests passed' ctest-fuzz.log; fi
echo "fuzz: done in $((SECONDS - start)) s"
exit "$rc"

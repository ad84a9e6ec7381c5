#!/usr/bin/env bash
# smoke.sh - the benchmark's smoke test in the default suite (ctest bench_smoke).
#
# Runs the quick mode's smallest case (BENCH_SMOKE=1: 10 devices, a few seconds of
# riskgw and of the bare loop) and asserts only that it ran and produced numbers:
# CPU, RSS, threads and delivered points for both. Speed is never asserted here;
# `make bench` judges the targets.
set -euo pipefail
BUILD=${1:?usage: smoke.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
out=$(mktemp -d "${TMPDIR:-/tmp}/riskgw-bench-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT

BENCH_SMOKE=1 BENCH_OUT="$out/results.json" BENCH_PLOT="$out/scale.png" bash "$SRC/bench/run.sh" "$BUILD" ||
    { echo "FAIL: bench/run.sh exited with $?" >&2; exit 1; }
jq . "$out/results.json" >/dev/null || { echo "FAIL: results.json is not JSON" >&2; exit 1; }
jq -e '.scale | length == 1 and .[0].n == 10' "$out/results.json" >/dev/null ||
    { echo "FAIL: no scale row for N=10: $(jq -c .scale "$out/results.json")" >&2; exit 1; }
for who in riskgw bare; do
    jq -e --arg w "$who" '.scale[0][$w] | (.cpu_pct | type == "number") and (.rss_kib > 0) and (.threads >= 1)
                          and (.points_per_s > 0)' "$out/results.json" >/dev/null ||
        { echo "FAIL: the $who figures are missing: $(jq -c ".scale[0].$who" "$out/results.json")" >&2; exit 1; }
done
echo "PASS: $(jq -c '.scale[0] | {riskgw: .riskgw.points_per_s, bare: .bare.points_per_s}' "$out/results.json") points/s"

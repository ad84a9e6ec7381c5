#!/usr/bin/env bash
# run_fuzz.sh BINARY NAME WORKDIR - run one libFuzzer target for $FUZZ_SECONDS seconds.
#
# The ctest test fuzz_NAME of a fuzz build (tests/fuzz/fuzz.cmake) runs this. The
# target first replays every input of tests/fuzz/corpus/NAME and
# tests/fuzz/regressions/NAME (crashes found before, kept so they stay fixed),
# then mutates for the rest of the time. New interesting inputs go to
# WORKDIR/corpus/NAME, never into the source tree; a crash is saved under
# WORKDIR/artifacts/NAME/ and fails the test with the command to reproduce it.
set -euo pipefail
BIN=${1:?usage: run_fuzz.sh BINARY NAME WORKDIR}
NAME=${2:?usage: run_fuzz.sh BINARY NAME WORKDIR}
WORKDIR=${3:?usage: run_fuzz.sh BINARY NAME WORKDIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SECONDS_EACH=${FUZZ_SECONDS:-5}
INPUT_TIMEOUT_S=10          # one input taking this long is a hang, reported like a crash
RSS_LIMIT_MB=2048

new="$WORKDIR/corpus/$NAME"
artifacts="$WORKDIR/artifacts/$NAME/"
log="$WORKDIR/$NAME.log"
mkdir -p "$new" "$artifacts"
dirs=("$new")
for d in "$SRC/tests/fuzz/corpus/$NAME" "$SRC/tests/fuzz/regressions/$NAME"; do
    [ -d "$d" ] && dirs+=("$d")
done
opts=(-max_total_time="$SECONDS_EACH" -timeout="$INPUT_TIMEOUT_S" -rss_limit_mb="$RSS_LIMIT_MB"
      -artifact_prefix="$artifacts" -print_final_stats=1)
[ -f "$SRC/tests/fuzz/dict/$NAME.dict" ] && opts+=(-dict="$SRC/tests/fuzz/dict/$NAME.dict")

if ! "$BIN" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1; then
    grep -E 'ERROR|SUMMARY|#[0-9]+ +in |^    #[0-9]+ ' "$log" | head -40 >&2 || true
    echo "FAIL: fuzz_$NAME crashed; full log $log; reproducer(s):" >&2
    ls -1 "$artifacts" >&2
    echo "reproduce with: $BIN $artifacts<file>; once fixed, copy the file into" \
         "tests/fuzz/regressions/$NAME/ so every run replays it" >&2
    exit 1
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 || true)
echo "fuzz_$NAME: ${runs:-?} executions in ${SECONDS_EACH} s, $cov, $(ls "$new" | wc -l) new corpus inputs" |
    tee "$WORKDIR/$NAME.summary"

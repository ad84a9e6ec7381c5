#!/usr/bin/env bash
# cross_e2e.sh - the integration tests of a cross build, its programs run under qemu-user.
#
# The integration scripts start $BUILD/riskgw, $BUILD/riskgw-sim and friends directly,
# which a foreign-architecture binary cannot do without binfmt. This makes a launcher
# dir that looks like the build dir: one tiny wrapper per program, exec'ing it under the
# emulator ctest uses for the cross build's unit tests (toolchain.cmake's
# CMAKE_CROSSCOMPILING_EMULATOR, read back from ctest so there is one source of truth),
# and a link for everything else. Then it runs every test labelled "integration" with
# that dir as its build dir, so mosquitto, sqlite3, jq and the harness stay native while
# the gateway and the simulator are the ARM binaries.
# Usage: cross_e2e.sh CROSS_BUILD_DIR
set -uo pipefail
BUILD=$(cd "${1:?usage: cross_e2e.sh CROSS_BUILD_DIR}" && pwd) || exit 1
SRC=$(cd "$(dirname "$0")/../.." && pwd)
LAUNCH=$BUILD/qemu-launch
TEST_TIMEOUT_S=300                      # as rg_script_test gives ctest

tests_json() { (cd "$BUILD" && ctest --show-only=json-v1 "$@"); }

# The emulator and its options: a unit test's command without its last word, the binary.
emulator=$(tests_json -L unit | jq -r '.tests[0].command[:-1] | @sh')
if [ -z "$emulator" ]; then
    echo "cross_e2e: $BUILD has no unit tests to learn the emulator from; configure it with" \
         "toolchain.cmake (make cross) first" >&2
    exit 1
fi

rm -rf "$LAUNCH"
mkdir -p "$LAUNCH"
for f in "$BUILD"/*; do
    name=${f##*/}
    [ "$f" = "$LAUNCH" ] && continue
    if [ -f "$f" ] && [ -x "$f" ] && [ "$(head -c 4 "$f")" = $'\x7fELF' ]; then
        printf '#!/bin/sh\nexec %s %q "$@"\n' "$emulator" "$f" > "$LAUNCH/$name"
        chmod +x "$LAUNCH/$name"
    else
        ln -s "$f" "$LAUNCH/$name"
    fi
done
echo "cross_e2e: programs of $BUILD run through: $emulator"

failed=()
while IFS=$'\t' read -r name script; do
    log=$LAUNCH/$name.log
    start=$SECONDS
    if RISKGW_SOURCE_DIR=$SRC timeout "$TEST_TIMEOUT_S" bash "$script" "$LAUNCH" > "$log" 2>&1; then
        echo "PASS $name ($((SECONDS - start)) s)"
    else
        echo "FAIL $name ($((SECONDS - start)) s); its output:"
        sed 's/^/    /' "$log"
        failed+=("$name")
    fi
done < <(tests_json -L integration | jq -r '.tests[] | [.name, .command[-2]] | @tsv')

if [ ${#failed[@]} -gt 0 ]; then
    echo "cross_e2e: ${#failed[@]} failed under qemu: ${failed[*]} (logs in $LAUNCH)" >&2
    exit 1
fi
echo "cross_e2e: every integration test passed with the $(basename "$BUILD") programs under qemu"

#!/usr/bin/env bash
# test_version_source.sh BUILD_DIR - `riskgw --version` says the version the Debian
# package carries, from one source: project(VERSION) in CMakeLists.txt, or
# RISKGW_PACKAGE_VERSION when a build sets it (firmware/package.sh VERSION).
#
# 1. The build under test: --version is "riskgw <BUILD_DIR/riskgw-package-version>",
#    the file firmware/package.sh names the .deb and its Version field after.
# 2. A copy of the source tree, configured (not built): the version file and the
#    RISKGW_VERSION the compiler gets follow a bump of project(VERSION) in a build
#    directory configured before the bump (the cache must not keep the old one),
#    and an explicit RISKGW_PACKAGE_VERSION wins over it.
set -euo pipefail
BUILD=$(cd "${1:?usage: test_version_source.sh BUILD_DIR}" && pwd)
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

# --- 1. the build under test ---
pkg=$(cat "$BUILD/riskgw-package-version")
said=$("$BUILD/riskgw" --version)
[ "$said" = "riskgw $pkg" ] || fail "riskgw --version says '$said'; the package would be $pkg"

# --- 2. a copy of the sources, configured only ---
mkdir "$WORK/src"
tar -C "$SRC" --exclude='./build*' --exclude=./.git -cf - . | tar -C "$WORK/src" -xf -
project_version() { sed -n 's/^project(riskgw VERSION \([0-9.]*\) .*/\1/p' "$WORK/src/CMakeLists.txt"; }
configure() { cmake -S "$WORK/src" -B "$WORK/b" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON "$@" >"$WORK/cmake.log" 2>&1 ||
                  fail "cmake failed: $(tail -20 "$WORK/cmake.log")"; }
# expect VERSION: the version file and every compile command's RISKGW_VERSION say VERSION.
expect() {
    [ "$(cat "$WORK/b/riskgw-package-version")" = "$1" ] ||
        fail "riskgw-package-version says $(cat "$WORK/b/riskgw-package-version"), expected $1"
    defs=$(grep -o 'RISKGW_VERSION=[^ ]*' "$WORK/b/compile_commands.json" | tr -d '\\"' | sort -u)
    [ "$defs" = "RISKGW_VERSION=$1" ] || fail "the compiler is given '$defs', expected RISKGW_VERSION=$1"
}
v0=$(project_version)
[ -n "$v0" ] || fail "no project(riskgw VERSION x.y.z ...) line in CMakeLists.txt"
configure
expect "$v0"
v1="${v0%.*}.$(( ${v0##*.} + 1 ))"
sed -i "s/^project(riskgw VERSION $v0 /project(riskgw VERSION $v1 /" "$WORK/src/CMakeLists.txt"
[ "$(project_version)" = "$v1" ] || fail "could not bump the copy's version to $v1"
configure
expect "$v1"
configure -DRISKGW_PACKAGE_VERSION=9.8.7
expect 9.8.7
echo "PASS: --version says the package's $pkg; a bump to $v1 reaches a configured build"

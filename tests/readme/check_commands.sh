#!/usr/bin/env bash
# check_commands.sh - every command the README lists runs on this checkout, in its
# cheapest honest form, and leaves the checkout as clean as it found it.
#
#   bash tests/readme/check_commands.sh            every command (CI: .ci/run)
#   bash tests/readme/check_commands.sh --list     each command and what the check does with it
#   bash tests/readme/check_commands.sh PATTERN    only the commands matching PATTERN (grep -E)
#   README_CHECK_CLEAN=1 ...                       end with `make clean` and check it leaves
#                                                  nothing behind (removes build/: CI sets it)
#
# The commands are read from the files, so that a command added to the README
# without a check fails this check: README.md's table rows (the first `...` of
# the row; a \| in it is |) and the `make ...` lines of the ```sh blocks of
# README.md and bench/README.md (whose tables list files, not commands). CHECKS
# below has one entry per command, keyed by the command as the README spells it:
#   check_NAME    a function below: runs the command in its cheap form and fails
#                 the check with a sentence if it did not work
#   any text      the command is not run here, and that text says why (.ci/run
#                 runs it itself, or what it would cost)
# After every command `git status --porcelain` must be what it was at the start:
# empty on CI's clean checkout (with README_CHECK_CLEAN=1 a dirty start fails). The commands that act on a running gateway share
# one small live site: riskgw-sim, a private mosquitto, and riskgw polling them.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
cd "$SRC"
. tests/lib/harness.sh
BUILD=build                              # the README's own paths: build/riskgw
DEMO_SECONDS_CHECK=20                    # the demo shows the gateway online well within this
STEP_S=20                                # one live step (a poll, a connection) at most

declare -A CHECKS=(
  ["make"]=check_make
  ["make cross"]=check_cross
  ["make test-cross"]="3 of its 49 unit tests, those that start child processes, fail in a container without binfmt_misc (see .ci/run)"
  ["make test-cross-e2e"]="every integration test again under qemu-user: longer than the whole CI budget"
  ["build/riskgw -n -c site.json"]=check_config
  ["build/riskgw status -c site.json"]=check_status
  ["curl 127.0.0.1:9105/metrics"]=check_metrics
  ["build/riskgw silence|reset|read -c site.json DEVICE POINT"]=check_console
  ["build/riskgw write -c site.json DEVICE POINT VALUE"]=check_write
  ["build/riskgw scan HOST[:PORT]"]=check_scan
  ["build/riskgw check -c site.json"]=check_check
  ["build/riskgw test-alarm -c site.json [--sim SOCKET]"]=check_test_alarm
  ["http://<box>:8080/"]=check_console_page
  ["build/riskgw passwd NAME"]=check_passwd
  ["build/riskgw report -c site.json -o report.html"]=check_report
  ["make test-asan"]="run by .ci/run itself"
  ["make lint"]="run by .ci/run itself"
  ["make fuzz"]=check_fuzz
  ["make soak"]=check_soak
  ["make power-cuts"]=check_power_cuts
  ["build/riskgw -u riskgw -c site.json"]=check_user
  ["make demo"]=check_demo
  ["make test"]="run by .ci/run itself"
  ["make package"]=check_package
  ["make test-package"]="debootstraps a Debian chroot per architecture and installs, upgrades and purges in each: longer than the CI budget allows"
  ["make bench"]="its cheap form is the next line, make bench BENCH_QUICK=1"
  ["make bench BENCH_QUICK=1"]=check_bench
  ["make test-brokers"]=check_test_brokers
  ["make bench-park"]=check_bench_park
)

# readme_commands FILE [TABLES]: the commands FILE lists, one per line, in its order:
# its ```sh blocks' make lines, and with TABLES=1 its table rows.
readme_commands() {
    awk -v tables="${2:-0}" '
      /^```/ { inblock = !inblock; sh = inblock && ($0 ~ /^```sh/); next }
      inblock && sh && /^make / { sub(/ *#.*/, ""); print; next }
      tables && !inblock && /^\| *`/ {
        row = $0; sub(/^\| *`/, "", row); gsub(/\\\|/, "\001", row)
        sub(/`.*/, "", row); gsub("\001", "|", row); print row
      }' "$1"
}

# ---- the live site: simulator, broker and gateway, started once, on first use ----
LIVE=0
live_site() {
    [ "$LIVE" = 1 ] && return 0
    local mq sim metrics
    mq=$(free_port); sim=$(free_port); metrics=$(free_port); CONSOLE_PORT=$(free_port)
    printf '%s\n%s\n' "$CONSOLE_PASSWORD" "$CONSOLE_PASSWORD" | "$BUILD/riskgw" passwd readme > "$WORK/operator.json" ||
        fail "riskgw passwd failed: $(cat "$WORK/operator.json")"
    start_mosquitto "$mq"
    # A gas detector and a siren module behind one TCP-to-RTU converter port.
    cat > "$WORK/sim-site.json" <<JSON
{"description": "the README check's site",
 "devices": [
  {"id": "gas1",   "profile": "gas_lel",      "port": $sim, "unit": 1,
   "scenario": "$SRC/simulators/scenarios/normal_day.json"},
  {"id": "siren1", "profile": "siren_beacon", "port": $sim, "unit": 9}]}
JSON
    start_bg sim "$BUILD/riskgw-sim" --site "$WORK/sim-site.json" --control "$WORK/sim.ctl"
    wait_for_line "$WORK/sim.log" "listening on 127.0.0.1:$sim" "$STEP_S" || fail "the simulator did not start; see $WORK/sim.log"
    SIM_PORT=$sim
    METRICS_PORT=$metrics
    cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-check", "gateway": "gw-check", "status_interval_s": 1,
 "mqtt": {"uri": "tcp://127.0.0.1:$mq"}, "store": {"path": "$WORK/riskgw.db"},
 "metrics": {"listen": "127.0.0.1:$metrics"},
 "console": {"listen": "127.0.0.1:$CONSOLE_PORT", "operators": [$(cat "$WORK/operator.json")]},
 "devices": [
  {"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $sim, "unit": 1, "interval_ms": 200,
   "points": [{"id": "lel", "alarm": {"levels": [{"name": "level1", "above": 25}, {"name": "level2", "above": 50}],
                                      "hysteresis": 2, "on_delay_s": 0.5, "latch": true}}]},
  {"id": "siren1", "profile": "siren_beacon", "host": "127.0.0.1", "port": $sim, "unit": 9, "interval_ms": 200,
   "points": [{"id": "tone", "writable": true}]}]}
JSON
    start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
    wait_for_line "$WORK/gw.log" "uplink mqtt connected" "$STEP_S" || fail "the gateway did not connect; see $WORK/gw.log"
    wait_for_report "$WORK/site.json" '"ok"' "$STEP_S" || fail "the gateway wrote no health report; see $WORK/gw.log"
    local _
    for _ in $(seq $((STEP_S * 10))); do
        "$BUILD/riskgw" read -c "$WORK/site.json" gas1 lel 2>/dev/null | grep -q "quality good" && break
        sleep 0.1
    done
    LIVE=1
}

# run_out NAME CMD...: run CMD from the top of the checkout, its output in $WORK/NAME.out;
# prints it and fails the check if CMD fails.
run_out() {
    local name=$1
    shift
    local rc=0
    "$@" > "$WORK/$name.out" 2>&1 || rc=$?
    [ "$rc" = 0 ] || { cat "$WORK/$name.out" >&2; fail "'$*' exited with status $rc"; }
}
expect_out() {   # expect_out NAME REGEX WHAT: $WORK/NAME.out has a line matching REGEX
    grep -Eq -- "$2" "$WORK/$1.out" || { cat "$WORK/$1.out" >&2; fail "$3"; }
}

# ---- one function per README command ----
check_make() {
    run_out make make
    [ -x "$BUILD/riskgw" ] && [ -x "$BUILD/riskgw-sim" ] || fail "make did not build $BUILD/riskgw and $BUILD/riskgw-sim"
}
check_cross() {
    run_out cross make cross
    expect_out cross 'build-cross-aarch64/riskgw: ELF 64-bit .*ARM aarch64' "make cross did not build an aarch64 riskgw"
}
check_config() {
    live_site
    run_out config "$BUILD/riskgw" -n -c "$WORK/site.json"
    jq '.devices[0].unit = "one"' "$WORK/site.json" > "$WORK/bad.json"
    "$BUILD/riskgw" -n -c "$WORK/bad.json" > "$WORK/bad.out" 2>&1 && fail "riskgw -n accepted a bad config"
    expect_out bad 'devices\[0\]' "riskgw -n does not name the JSON path of the problem"
}
check_status() {
    live_site
    run_out status "$BUILD/riskgw" status -c "$WORK/site.json"
    expect_out status 'gas1' "status does not show device gas1"
}
check_metrics() {
    live_site
    run_out metrics curl -sf "127.0.0.1:$METRICS_PORT/metrics"
    expect_out metrics '^riskgw_' "the metrics endpoint serves no riskgw_ metric"
}
check_console() {
    live_site
    run_out read "$BUILD/riskgw" read -c "$WORK/site.json" gas1 lel
    expect_out read 'quality good' "read gas1 lel does not show a good reading"
    # An alarm to silence and reset: the detector reads 60 %LEL, then clean air again.
    sim_ctl "$WORK/sim.ctl" "gas1 set lel 60"
    wait_for_line "$WORK/gw.log" "event (RAISED|ESCALATED) gas1/lel" "$STEP_S" || fail "no alarm raised on gas1/lel; see $WORK/gw.log"
    run_out silence "$BUILD/riskgw" silence -c "$WORK/site.json" gas1 lel
    sim_ctl "$WORK/sim.ctl" "gas1 recover lel"
    local _
    for _ in $(seq $((STEP_S * 10))); do          # a latched alarm resets once the reading is normal
        "$BUILD/riskgw" read -c "$WORK/site.json" gas1 lel | awk '$1 < 20 {ok = 1} END {exit !ok}' && break
        sleep 0.1
    done
    run_out reset "$BUILD/riskgw" reset -c "$WORK/site.json" gas1 lel
    run_out reload "$BUILD/riskgw" reload -c "$WORK/site.json"
}
check_write() {
    live_site
    run_out write "$BUILD/riskgw" write -c "$WORK/site.json" siren1 tone 3
    "$BUILD/riskgw" write -c "$WORK/site.json" gas1 lel 0 > "$WORK/refused.out" 2>&1 &&
        fail "write to gas1 lel, a point not writable, was accepted"
    expect_out refused 'not writable' "the refused write does not say why"
}
check_scan() {
    live_site
    run_out scan "$BUILD/riskgw" scan "127.0.0.1:$SIM_PORT" --units 1-10
    expect_out scan '\b1\b' "scan did not find unit 1"
    expect_out scan '\b9\b' "scan did not find unit 9"
}
check_check() {
    live_site
    run_out check "$BUILD/riskgw" check -c "$WORK/site.json"
    expect_out check '^result: PASS' "check did not pass on a healthy site"
}
check_test_alarm() {
    live_site
    run_out test_alarm "$BUILD/riskgw" test-alarm -c "$WORK/site.json" --sim "$WORK/sim.ctl" --actor readme-check
}
CONSOLE_PASSWORD=readme-check-password
check_console_page() {
    live_site
    local url=http://127.0.0.1:$CONSOLE_PORT
    run_out console_page curl -sf "$url/"
    expect_out console_page '<html' "the console served no page at $url/"
    run_out console_signin curl -sf -c "$WORK/console.cookies" -H 'Content-Type: application/json' \
        -d "{\"name\":\"readme\",\"password\":\"$CONSOLE_PASSWORD\"}" "$url/api/signin"
    expect_out console_signin '"csrf"' "signing in to the console gave no CSRF token"
    local _                         # the core publishes the views once a page asks for them
    for _ in $(seq $((STEP_S * 10))); do
        curl -sf -b "$WORK/console.cookies" "$url/api/now" > "$WORK/console_now.out" 2>&1 &&
            curl -sf -b "$WORK/console.cookies" "$url/api/layout" > "$WORK/console_layout.out" 2>&1 &&
            grep -q '"gas1"' "$WORK/console_layout.out" &&
            jq -e '.now.devices[0].comm == "ok"' "$WORK/console_now.out" > /dev/null && return 0
        sleep 0.1
    done
    fail "the console never showed gas1 communicating: $(cat "$WORK/console_layout.out" "$WORK/console_now.out")"
}
check_passwd() {
    # Off a terminal it reads one line (a provisioning script's way).
    printf 'short\n' | "$BUILD/riskgw" passwd wang > "$WORK/short.out" 2>&1 &&
        fail "riskgw passwd accepted a 5-character password"
    expect_out short 'at least 8 characters' "riskgw passwd does not say why it refused a short password"
    printf 'a-password\n' | run_out passwd "$BUILD/riskgw" passwd wang
    jq -e '.name == "wang" and (.hash | startswith("pbkdf2-sha256$"))' "$WORK/passwd.out" > /dev/null ||
        fail "riskgw passwd did not print an operator line: $(cat "$WORK/passwd.out")"
    jq --slurpfile op "$WORK/passwd.out" '.console.operators = $op' docs/examples/console.json > "$WORK/console-site.json"
    run_out passwd_config "$BUILD/riskgw" -n -c "$WORK/console-site.json"
}
check_report() {
    live_site
    run_out report "$BUILD/riskgw" report -c "$WORK/site.json" -o "$WORK/report.html"
    grep -q 'gas1' "$WORK/report.html" || fail "the report does not name device gas1"
}
check_user() {
    live_site
    [ "$(id -u)" = 0 ] || fail "-u USER must be started as root (CI runs as root)"
    # The system's nobody stands in for the package's riskgw user; it needs a data
    # directory of its own, as the package makes /var/lib/riskgw.
    mkdir -p "$WORK/user"
    chown nobody "$WORK/user"
    jq --arg db "$WORK/user/riskgw.db" '.store.path = $db | .gateway = "gw-user" | del(.metrics)' "$WORK/site.json" > "$WORK/user-site.json"
    chmod a+rx "$WORK"
    start_bg user "$BUILD/riskgw" -u nobody -c "$WORK/user-site.json"
    local pid=$BG_PID
    wait_for_line "$WORK/user.log" "running as user nobody" "$STEP_S" || fail "the gateway did not become nobody; see $WORK/user.log"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}
check_demo() {
    DEMO_SECONDS=$DEMO_SECONDS_CHECK run_out demo make demo
    expect_out demo 'STATUS +gateway .* is ONLINE' "the demo's live view never showed the gateway online"
}
check_fuzz() {
    run_out fuzz make fuzz FUZZ_SECONDS=2
    expect_out fuzz 'tests passed' "make fuzz did not report its tests"
}
# Two minutes are too short to tell a leak from SQLite's page cache still filling
# (RSS settles in about 100 s), so the RSS slope limit is the hour's job; the run,
# the flat descriptors and nothing lost are checked.
SOAK_CHECK_RSS_KIB_PER_H=65536
check_soak() {
    SOAK_MAX_RSS_KIB_PER_H=$SOAK_CHECK_RSS_KIB_PER_H run_out soak make soak SOAK_SECONDS=120
    expect_out soak 'none lost' "make soak did not report that nothing was lost"
}
check_power_cuts() {
    run_out power_cuts make power-cuts POWER_CUTS=3
    expect_out power_cuts 'power cuts: 3 of 3 .*: 0 damaged stores' "make power-cuts did not report 3 clean cuts"
}
check_package() {
    run_out package make package PKG_ARCHES=amd64
    local deb version said
    deb=$(sed -n 's/^package: \(.*\.deb\) (Depends.*/\1/p' "$WORK/package.out")
    [ -f "$deb" ] || fail "make package did not say where the .deb is: $(cat "$WORK/package.out")"
    version=$(dpkg-deb -f "$deb" Version)
    dpkg-deb -x "$deb" "$WORK/deb"
    said=$("$WORK/deb/usr/bin/riskgw" --version)
    [ "$said" = "riskgw $version" ] || fail "the packaged riskgw --version says '$said'; the package is $version"
    said=$("$BUILD/riskgw" --version)
    [ "$said" = "riskgw $version" ] || fail "$BUILD/riskgw --version says '$said'; the package is $version"
}
check_bench() {
    run_out bench make bench BENCH_QUICK=1
    jq -e '.scale | length > 0' bench/out/results.json > /dev/null || fail "make bench wrote no scale rows to bench/out/results.json"
}
# The RabbitMQ node's boot is most of its three minutes; the test is the README's own.
check_test_brokers() {
    run_out test_brokers make test-brokers
    expect_out test_brokers 'PASS' "make test-brokers did not report a pass"
}
check_bench_park() {
    run_out bench_park make bench-park PARK_GATEWAYS=3 PARK_DEVICES=7 PARK_SECONDS=30
}

# ---- the commands, in the README's order ----
commands=()
while IFS= read -r c; do commands+=("$c"); done < <(awk '!seen[$0]++' < <(readme_commands README.md 1; readme_commands bench/README.md))
unknown=()
for c in "${commands[@]}"; do
    [ -n "${CHECKS[$c]+set}" ] || unknown+=("$c")
done
if [ "${#unknown[@]}" -gt 0 ]; then
    printf '  %s\n' "${unknown[@]}" >&2
    fail "the README lists the command(s) above, which have no entry in CHECKS of $0: add their cheap form there"
fi
if [ "${1:-}" = --list ]; then
    for c in "${commands[@]}"; do printf '%-60s %s\n' "$c" "${CHECKS[$c]}"; done
    exit 0
fi
only=${1:-}

harness_init
export TMPDIR=$WORK                      # the commands' own work directories go inside this one
before=$(git status --porcelain)
if [ -n "$before" ]; then
    [ "${README_CHECK_CLEAN:-0}" != 1 ] || fail "the checkout is not clean before the check:"$'\n'"$before"
    echo "check_commands: the checkout is not clean; checking that nothing changes beyond:" "$before" >&2
fi
ignored_before=$(git status --porcelain --ignored | sed -n 's/^!! //p')
t0=$SECONDS
ran=0
for c in "${commands[@]}"; do
    [ -z "$only" ] || grep -Eq -- "$only" <<<"$c" || continue
    what=${CHECKS[$c]}
    if [[ "$what" != check_* ]]; then
        echo "-- $c: not run here: $what"
        continue
    fi
    t=$SECONDS
    "$what"
    after=$(git status --porcelain)
    [ "$after" = "$before" ] || fail "'$c' left the checkout changed:"$'\n'"$(diff <(echo "$before") <(echo "$after") | sed -n 's/^> //p')"
    echo "ok $c ($((SECONDS - t)) s)"
    ran=$((ran + 1))
done

if [ "${README_CHECK_CLEAN:-0}" = 1 ]; then
    # make clean removes every build directory and output; what was ignored before the
    # check may stay (a developer's own files), nothing the commands made.
    run_out clean make clean
    left=$(git status --porcelain --ignored | sed -n 's/^!! //p' |
           while IFS= read -r f; do
               case "$f" in build*|bench/out*) echo "$f"; continue ;; esac
               grep -qxF -- "$f" <<<"$ignored_before" || echo "$f"
           done)
    [ -z "$left" ] || fail "make clean left:"$'\n'"$left"
    echo "ok make clean"
fi
echo "PASS: $ran README commands ran and left the checkout clean, in $((SECONDS - t0)) s"

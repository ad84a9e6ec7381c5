#!/usr/bin/env bash
# The Debian package on real Debian systems, never on this machine: each check
# runs in a throwaway bookworm chroot made by debootstrap from the mirror apt uses.
#
#   amd64: install version N with apt (Depends resolve from the mirror), check the
#          user, ownership and config; run the daemon against riskgw-sim (on the
#          host's loopback) until samples are stored; edit the config; upgrade to
#          N+1; the edited config, the data and its ownership must survive, and
#          the new daemon must keep writing to the old store; `riskgw --version`
#          names the installed package's version; purge removes it all.
#   arm64, armhf: debootstrap --foreign, second stage under qemu-user-static
#          (binfmt), install the package with apt, `riskgw -n` its default config,
#          and run the daemon under qemu against the simulator until it stores samples.
#
# Not in ctest (it needs root, a mirror and minutes): `make test-package`.
# PKG_ARCHES="amd64" runs only amd64; KEEP=1 keeps the chroots; MIRROR=URL overrides;
# the base systems are cached in build-pkg/debootstrap-cache (delete it to refresh).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
. "$SRC/tests/lib/harness.sh"
. "$SRC/firmware/debian-root.sh"
OUT=${PKG_OUT:-$SRC/build-pkg}
CACHE="$OUT/debootstrap-cache"
VERSION_UP_SUFFIX="+upgrade1"
SAMPLES_WAIT_S=30
MIRROR=${MIRROR:-$(debian_mirror)}

[ "$(id -u)" = 0 ] || fail "run as root: debootstrap and chroot need it"

# make_root ARCH ROOT: a minbase bookworm in ROOT, apt pointed at the mirror's main
# suite. The finished base is kept as a tarball in CACHE: later runs unpack it in seconds.
make_root() {
    local arch=$1 root=$2 base="$CACHE/base-$DEBIAN_ROOT_SUITE-$1.tar"
    mkdir -p "$CACHE" "$root"
    if [ -f "$base" ]; then
        tar -xf "$base" -C "$root"
    else
        debootstrap_root "$arch" "$root" "$WORK/debootstrap-$arch.log" || fail "no $arch root to test in"
        tar -cf "$base.part" -C "$root" . && mv "$base.part" "$base"
    fi
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    echo "deb $MIRROR $DEBIAN_ROOT_SUITE main" > "$root/etc/apt/sources.list"
    in_root "$root" apt-get update -qq >"$WORK/apt-$arch.log" 2>&1 || fail "apt-get update in the $arch chroot failed"
}

# Chroots are unmounted before the harness removes the work directory.
package_cleanup() {
    local rc=$?
    set +e
    [ -z "${WORK:-}" ] || unmount_under "$WORK"
    (exit "$rc")
    harness_cleanup
}

# install_deb ROOT DEB: install a package file with apt, which fetches its Depends.
install_deb() {
    cp "$2" "$1/tmp/"
    in_root "$1" apt-get install -y -q --no-install-recommends "/tmp/$(basename "$2")" \
        >>"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; fail "apt could not install $(basename "$2")"; }
}

# site_config ROOT PORT: point the installed config at the simulator on the host's loopback.
site_config() {
    cat > "$1/etc/riskgw/riskgw.json" <<JSON
{
  "enterprise": "ent-pkg", "gateway": "gw-pkg",
  "store": {"path": "/var/lib/riskgw/riskgw.db", "commit_interval_ms": 200},
  "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $2, "interval_ms": 100}]
}
JSON
}

# samples_in ROOT: samples in ROOT's store, read as ROOT's riskgw user so that any file
# SQLite creates (a missing -wal, -shm) belongs to the daemon, never to root.
samples_in() {
    local db="$1/var/lib/riskgw/riskgw.db" uid gid
    [ -f "$db" ] || { echo 0; return; }
    uid=$(in_root "$1" id -u riskgw)
    gid=$(in_root "$1" id -g riskgw)
    setpriv --reuid="$uid" --regid="$gid" --clear-groups sqlite3 "$db" 'SELECT count(*) FROM samples;' 2>/dev/null || echo 0
}

# run_daemon ROOT NAME MIN: run riskgw as user riskgw until more than MIN samples are stored, then stop it.
run_daemon() {
    local root=$1 name=$2 min=$3 deadline=$((SECONDS + SAMPLES_WAIT_S))
    start_bg "$name" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" \
        setpriv --reuid=riskgw --regid=riskgw --init-groups /usr/bin/riskgw -c /etc/riskgw/riskgw.json
    local pid=$BG_PID
    until [ "$(samples_in "$root")" -gt "$min" ]; do
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; fail "$name exited early"; }
        [ "$SECONDS" -lt "$deadline" ] || { cat "$WORK/$name.log" >&2; fail "$name stored no new samples in ${SAMPLES_WAIT_S} s"; }
        sleep 0.5
    done
    kill -TERM "$pid"
    wait "$pid" || fail "$name did not stop cleanly on SIGTERM; see $WORK/$name.log"
}

# check_version ROOT VERSION: the installed daemon says the version its package carries.
check_version() {
    local said
    said=$(in_root "$1" riskgw --version) || fail "riskgw --version failed in $1"
    [ "$said" = "riskgw $2" ] || fail "riskgw --version says '$said'; the package is $2"
}

# owner_mode ROOT PATH: "user:group mode" of PATH, with ROOT's user and group names.
owner_mode() { in_root "$1" stat -c '%U:%G %a' "$2"; }

start_sim() {
    SIM_PORT=$(free_port)
    start_bg sim "$OUT/build-amd64/riskgw-sim" --profile gas_lel --port "$SIM_PORT" --unit 1 \
        --scenario "$SRC/tests/integration/gas_leak_fast.json" --loop   # the store keeps changes
    wait_for_line "$WORK/sim.log" "listening on" 10 || fail "the simulator did not start; see $WORK/sim.log"
}

test_amd64() {
    local root="$WORK/amd64" n n1 deb_n deb_n1 before conf_sum
    bash "$SRC/firmware/package.sh" amd64 >/dev/null
    n=$(cat "$OUT/build-amd64/riskgw-package-version")
    n1="$n$VERSION_UP_SUFFIX"
    bash "$SRC/firmware/package.sh" amd64 "$n1" >/dev/null
    deb_n="$OUT/riskgw_${n}_amd64.deb"
    deb_n1="$OUT/riskgw_${n1}_amd64.deb"
    make_root amd64 "$root"
    install_deb "$root" "$deb_n"

    in_root "$root" id -nG riskgw | grep -qw dialout || fail "user riskgw is not in group dialout"
    [ "$(owner_mode "$root" /etc/riskgw/riskgw.json)" = "root:riskgw 640" ] ||
        fail "config is $(owner_mode "$root" /etc/riskgw/riskgw.json), not root:riskgw 640"
    [ "$(owner_mode "$root" /var/lib/riskgw)" = "riskgw:riskgw 750" ] ||
        fail "data dir is $(owner_mode "$root" /var/lib/riskgw), not riskgw:riskgw 750"
    [ -f "$root/lib/systemd/system/riskgw.service" ] || fail "the systemd unit is not installed"
    in_root "$root" riskgw -n -c /etc/riskgw/riskgw.json >/dev/null || fail "riskgw -n refuses the default config"

    start_sim
    site_config "$root" "$SIM_PORT"
    conf_sum=$(sha256sum < "$root/etc/riskgw/riskgw.json")
    run_daemon "$root" gw-n 10
    before=$(samples_in "$root")

    install_deb "$root" "$deb_n1"
    [ "$(in_root "$root" dpkg-query -W -f='${Version}' riskgw)" = "$n1" ] || fail "version $n1 is not installed"
    check_version "$root" "$n1"
    [ "$(sha256sum < "$root/etc/riskgw/riskgw.json")" = "$conf_sum" ] || fail "the upgrade changed the edited config"
    [ "$(owner_mode "$root" /etc/riskgw/riskgw.json)" = "root:riskgw 640" ] || fail "the upgrade changed the config's owner"
    [ "$(owner_mode "$root" /var/lib/riskgw)" = "riskgw:riskgw 750" ] || fail "the upgrade changed the data dir's owner"
    [ "$(samples_in "$root")" -ge "$before" ] || fail "samples were lost in the upgrade"
    run_daemon "$root" gw-n1 "$before"
    echo "amd64: $n -> $n1 kept the config and $before samples; now $(samples_in "$root")"

    in_root "$root" apt-get purge -y -q riskgw >>"$WORK/apt.log" 2>&1 || fail "apt-get purge riskgw failed"
    [ ! -e "$root/var/lib/riskgw" ] && [ ! -e "$root/etc/riskgw" ] || fail "purge left /var/lib/riskgw or /etc/riskgw"
}

# test_foreign ARCH MACHINE: the ARCH package in an ARCH root, its daemon under qemu
# (binfmt) polling the simulator on the host's loopback. MACHINE is what `file` says.
test_foreign() {
    local arch=$1 machine=$2 root="$WORK/$1" n
    binfmt_enable "$arch" || fail "the $arch chroot cannot run its programs"
    bash "$SRC/firmware/package.sh" "$arch" >/dev/null
    n=$(cat "$OUT/build-$arch/riskgw-package-version")
    make_root "$arch" "$root"
    install_deb "$root" "$OUT/riskgw_${n}_${arch}.deb"
    file -L "$root/usr/bin/riskgw" | grep -q "$machine" || fail "the $arch package holds no $machine riskgw"
    check_version "$root" "$n"
    in_root "$root" riskgw -n -c /etc/riskgw/riskgw.json || fail "$arch riskgw -n refuses the default config"
    [ -n "${SIM_PORT:-}" ] || start_sim
    site_config "$root" "$SIM_PORT"
    run_daemon "$root" "gw-$arch" 10
    echo "$arch: $n installed; the daemon under qemu stored $(samples_in "$root") samples"
}

test_arm64() { test_foreign arm64 aarch64; }
test_armhf() { test_foreign armhf "ARM, EABI5"; }

harness_init
trap package_cleanup EXIT
chmod 0755 "$WORK"                  # samples_in reads the chroots' stores as their riskgw user
for arch in ${PKG_ARCHES:-amd64 arm64 armhf}; do
    "test_$arch"
done
echo "PASS: package install, upgrade and purge (${PKG_ARCHES:-amd64 arm64 armhf})"

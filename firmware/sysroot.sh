#!/usr/bin/env bash
# A Debian root of another architecture for the cross compiler to build against:
#
#   firmware/sysroot.sh ARCH PACKAGE...          make or complete it (root; make deps CROSS=1)
#   firmware/sysroot.sh --check ARCH PACKAGE...  exit 0 when it holds every PACKAGE
#
# Why not multiarch, as for arm64? Multi-Arch: same requires every library to have
# the same version on both architectures, so the host's security updates (libssl3,
# libmodbus5, linux-libc-dev, ...) need their armhf twins from bookworm-security,
# and that index can lag the host's (docs/dependencies.md quotes the apt error):
# then no armhf -dev package installs, and the failing index breaks the host's
# `apt-get update` as well. A sysroot made by debootstrap from the signed bookworm
# suite does not depend on the host's state: the compiler gets --sysroot, the
# tests run under qemu-arm with it as QEMU_LD_PREFIX, and dpkg-shlibdeps runs inside
# it (firmware/package.sh).
#
# The root goes to build-sysroot/bookworm-ARCH, where toolchain.cmake looks (elsewhere:
# SYSROOT_DIR here, -DRISKGW_SYSROOT=DIR for cmake); a stamp
# file lists what is installed, so a second run installs only new PACKAGEs.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/firmware/debian-root.sh"
CHECK=0
[ "${1:-}" != --check ] || { CHECK=1; shift; }
ARCH=${1:?usage: firmware/sysroot.sh [--check] ARCH PACKAGE...}
shift
ROOT=${SYSROOT_DIR:-$SRC/build-sysroot/$DEBIAN_ROOT_SUITE-$ARCH}
STAMP="$ROOT/.riskgw-sysroot"

die() { echo "sysroot: $*" >&2; exit 1; }

[ $# -gt 0 ] || die "name the packages the $ARCH sysroot must hold"

# missing_in PACKAGE...: the PACKAGEs not yet in the stamp.
missing_in() {
    local p out=()
    for p in "$@"; do
        grep -qx "$p" "$STAMP" 2>/dev/null || out+=("$p")
    done
    echo "${out[*]}"
}

# relative_links ROOT: libm.so -> /lib/.../libm.so.6 and the like point into the host
# when the linker follows them from outside the root, and it then quietly takes the
# static libm.a instead. Make the root's absolute library and header links relative.
relative_links() {
    local link target
    find "$1/usr/lib" "$1/usr/include" -type l -lname '/*' | while read -r link; do
        target=$(readlink "$link")
        ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$1$target")" "$link"
    done
}

if [ "$CHECK" = 1 ]; then
    [ -z "$(missing_in "$@")" ]
    exit
fi
[ "$(id -u)" = 0 ] || die "run as root: debootstrap and chroot need it (make deps CROSS=1)"

if [ ! -f "$STAMP" ]; then
    part="$ROOT.part"
    rm -rf "$part"
    debootstrap_root "$ARCH" "$part" "$ROOT.log" "$(IFS=,; echo "$*")" || die "could not make the $ARCH root"
    # qemu -L looks for every absolute path in the root first: its /dev/ptmx node would
    # shadow the host's, and in a container that node opens nothing (ENODEV).
    rm -f "$part/dev/ptmx"
    relative_links "$part"
    printf '%s\n' "$@" > "$part/.riskgw-sysroot"
    mv "$part" "$ROOT"
    echo "sysroot: $ARCH root with $* in $ROOT"
    exit 0
fi

missing=$(missing_in "$@")
if [ -z "$missing" ]; then
    echo "sysroot: $ROOT has all ${#@} packages"
    exit 0
fi
binfmt_enable "$ARCH" || die "cannot run $ARCH programs to install into $ROOT"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
echo "deb ${MIRROR:-$(debian_mirror)} $DEBIAN_ROOT_SUITE main" > "$ROOT/etc/apt/sources.list"
# shellcheck disable=SC2086  # $missing is a list of package names
{ in_root "$ROOT" apt-get update -qq && in_root "$ROOT" apt-get install -y -qq --no-install-recommends $missing; } \
    >>"$ROOT.log" 2>&1 || { tail -5 "$ROOT.log" >&2; die "apt-get in $ROOT could not install $missing; see $ROOT.log"; }
relative_links "$ROOT"
printf '%s\n' $missing >> "$STAMP"
echo "sysroot: added $missing to $ROOT"

#!/usr/bin/env bash
# Build the riskgw Debian package for one architecture, with dpkg-deb and no
# debhelper, so that an amd64 machine builds the arm64 and armhf packages too.
#
#   firmware/package.sh ARCH [VERSION]     ARCH: amd64, arm64 or armhf
#
# CMake builds (cross through toolchain.cmake for ARM) and stages the files with
# `cmake --install` into a DESTDIR; dpkg-shlibdeps turns the binaries' shared
# libraries into Depends on Debian's packages (libmodbus5, libsqlite3-0, ...), and
# the libraries riskgw opens at run time are added by name (below); the maintainer
# scripts come from firmware/debian/.
# VERSION (default: the project's) goes to the CMake cache as
# RISKGW_PACKAGE_VERSION, which is also what `riskgw --version` prints. Every
# package has the metrics endpoint (RISKGW_METRICS=ON). An armhf build against
# the sysroot (firmware/sysroot.sh) runs dpkg-shlibdeps inside it, under qemu:
# that needs root. Output: build-pkg/riskgw_VERSION_ARCH.deb.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/firmware/debian-root.sh"
ARCH=${1:?usage: firmware/package.sh amd64|arm64|armhf [VERSION]}
VERSION=${2:-}
OUT=${PKG_OUT:-$SRC/build-pkg}
JOBS=${JOBS:-$(nproc)}
MAINTAINER="riskgw developers <riskgw@users.noreply.invalid>"

die() { echo "package: $*" >&2; exit 1; }

host=$(dpkg --print-architecture)
# -Werror is for CI and developers; a release build must not fail on a newer
# compiler's new diagnostic (they are still printed).
cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DRISKGW_WERROR=OFF -DRISKGW_METRICS=ON)
if [ "$ARCH" != "$host" ]; then
  case "$ARCH" in
    arm64) cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$SRC/toolchain.cmake" -DRISKGW_ARCH=aarch64) ;;
    armhf) cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$SRC/toolchain.cmake" -DRISKGW_ARCH=armhf) ;;
    *) die "cannot build for '$ARCH' on $host: choose $host, arm64 or armhf" ;;
  esac
fi
[ -n "$VERSION" ] && cmake_args+=(-DRISKGW_PACKAGE_VERSION="$VERSION")

build="$OUT/build-$ARCH${VERSION:+-$VERSION}"
cmake -S "$SRC" -B "$build" "${cmake_args[@]}" >/dev/null || die "cmake could not configure $build (see above; for $ARCH: make deps CROSS=1)"
cmake --build "$build" -j"$JOBS" --target riskgw riskgw-sim || die "the $ARCH build failed"
VERSION=$(cat "$build/riskgw-package-version")

# dpkg-shlibdeps wants the staged tree at debian/<package> beside a debian/control.
work="$OUT/stage-$ARCH-$VERSION"
stage="$work/debian/riskgw"
rm -rf "$work"
mkdir -p "$stage/DEBIAN"
DESTDIR="$stage" cmake --install "$build" --strip >/dev/null || die "cmake --install into $stage failed"
printf 'Source: riskgw\n\nPackage: riskgw\nArchitecture: any\n' > "$work/debian/control"
shlibdeps=(dpkg-shlibdeps -O debian/riskgw/usr/bin/riskgw debian/riskgw/usr/bin/riskgw-sim)
sysroot=$(sed -n 's/^RISKGW_SYSROOT:PATH=//p' "$build/CMakeCache.txt")
if [ -z "$sysroot" ]; then
  shlibs=$(cd "$work" && DEB_HOST_ARCH=$ARCH "${shlibdeps[@]}") ||
    die "dpkg-shlibdeps could not map the libraries to packages"
else
  # The libraries belong to the sysroot's packages: ask its own dpkg, inside it.
  [ "$(id -u)" = 0 ] || die "the $ARCH package is built against $sysroot: dpkg-shlibdeps runs in it, as root"
  binfmt_enable "$ARCH" || die "cannot run $ARCH programs for dpkg-shlibdeps in $sysroot"
  inside=$(mktemp -d "$sysroot/tmp/riskgw-pkg.XXXXXX")
  cp -a "$work/debian" "$inside/"
  shlibs=$(in_root "$sysroot" sh -c "cd /tmp/${inside##*/} && DEB_HOST_ARCH=$ARCH ${shlibdeps[*]}") || shlibs=
  rm -rf "$inside"
  [ -n "$shlibs" ] || die "dpkg-shlibdeps in $sysroot could not map the libraries to packages"
fi
# Paho (libpaho-mqtt3a or -3as), libcrypto (SM4), libcurl and libmicrohttpd are
# opened at run time, by the MQTT clients, the national uplink, the HTTP uplinks and
# the metrics endpoint (gateway/dynlib.h), so dpkg-shlibdeps cannot see them: named here.
depends="${shlibs#shlibs:Depends=}, libpaho-mqtt1.3 (>= 1.3.0), libssl3 (>= 3.0.0)"
depends+=", libcurl4 (>= 7.68.0), libmicrohttpd12, passwd"

cat > "$stage/DEBIAN/control" <<CTL
Package: riskgw
Version: $VERSION
Architecture: $ARCH
Maintainer: $MAINTAINER
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Description: risk-monitoring gateway for industrial parks
 riskgw polls gas detectors and other instruments over Modbus TCP and RTU,
 decides alarms on the box (two-level gas setpoints per GB/T 50493-2019),
 stores every sample and event in SQLite and delivers them over MQTT.
 Includes riskgw-sim, a Modbus simulator of the supported device profiles.
CTL
echo /etc/riskgw/riskgw.json > "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$SRC/firmware/debian/$script" "$stage/DEBIAN/$script"
done

deb="$OUT/riskgw_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group --build "$stage" "$deb" >/dev/null || die "dpkg-deb could not build $deb"
echo "package: $deb (Depends: $depends)"

#!/usr/bin/env bash
# Install the Debian packages riskgw needs to build, test and run its demo.
# Idempotent: when every package is present it says so and touches nothing.
#   CROSS=1                      adds the aarch64 cross compiler, qemu-user and the arm64 -dev packages
#   CROSS_ARCHES="arm64 armhf"   the same for each Debian architecture named (CROSS=1 means "arm64")
#   PACKAGE_TEST=1               adds what `make test-package` needs: debootstrap, qemu-user-static
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libpaho-mqtt-dev libmodbus-dev libsqlite3-dev libcjson-dev libcurl4-openssl-dev libssl-dev
      mosquitto mosquitto-clients
      sqlite3 jq socat mbpoll python3 systemd)
# Hardening (tests/fuzz, tests/integration/test_valgrind.sh, make lint); libFuzzer is in clang's runtime.
pkgs+=(clang libclang-rt-14-dev valgrind cppcheck clang-tidy)
# Fault tests (tests/integration/faults.cmake): a wall clock that jumps (libfaketime), and an
# ext4 filesystem on a loop device whose power is cut (mkfs.ext4; losetup and mount are util-linux).
pkgs+=(libfaketime e2fsprogs)
dev_libs=(libpaho-mqtt-dev libmodbus-dev libsqlite3-dev libcjson-dev libcurl4-openssl-dev libssl-dev)

arches=${CROSS_ARCHES:-}
if [ "${CROSS:-0}" = 1 ] && [ -z "$arches" ]; then
  arches=arm64
fi
for arch in $arches; do
  case "$arch" in
    arm64) pkgs+=(gcc-aarch64-linux-gnu) ;;
    armhf) pkgs+=(gcc-arm-linux-gnueabihf) ;;
    *) echo "deps: unknown cross architecture '$arch' (use arm64 or armhf)" >&2; exit 2 ;;
  esac
  pkgs+=(qemu-user "${dev_libs[@]/%/:$arch}")
done
if [ "${PACKAGE_TEST:-0}" = 1 ]; then
  pkgs+=(debootstrap qemu-user-static)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run 'make deps' as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}"
for arch in $arches; do
  dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
done
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

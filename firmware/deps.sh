#!/usr/bin/env bash
# Install the Debian packages riskgw needs to build, test and run its demo.
# Idempotent: when every package is present it says so and touches nothing.
#   CROSS=1                      cross builds for both ARM targets: CROSS_ARCHES="arm64 armhf"
#   CROSS_ARCHES="arm64 armhf"   for each Debian architecture named, its cross compiler and
#                                qemu-user, and its libraries: arm64 through multiarch (the
#                                -dev:arm64 packages), armhf in a debootstrap sysroot
#                                (firmware/sysroot.sh says why)
#   PACKAGE_TEST=1               adds what `make test-package` needs: debootstrap, qemu-user-static
#   BROKER_TEST=1                adds what `make test-brokers` needs: rabbitmq-server (MQTT plugin)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(build-essential cmake pkg-config
      libpaho-mqtt-dev libmodbus-dev libsqlite3-dev libcjson-dev libcurl4-openssl-dev libssl-dev
      mosquitto mosquitto-clients
      sqlite3 jq socat mbpoll python3 systemd)
# Hardening (tests/fuzz, tests/integration/test_valgrind.sh, make lint); libFuzzer is in clang's runtime.
pkgs+=(clang libclang-rt-14-dev valgrind cppcheck clang-tidy)
# The commissioning report's test renders it headless and checks the screenshot (test_tool_commission.sh).
pkgs+=(chromium python3-pil)
# The site console's test drives a real browser (tests/integration/test_console.sh), and its
# screenshots and the zh-CN report need a Chinese font (WenQuanYi Micro Hei, 4 MiB) to show words.
pkgs+=(chromium-driver python3-selenium fonts-wqy-microhei)
# Fault tests (tests/integration/faults.cmake): a wall clock that jumps (libfaketime), and an
# ext4 filesystem on a loop device whose power is cut (mkfs.ext4; losetup and mount are util-linux).
pkgs+=(libfaketime e2fsprogs)
dev_libs=(libpaho-mqtt-dev libmodbus-dev libsqlite3-dev libcjson-dev libcurl4-openssl-dev libssl-dev
          libmicrohttpd-dev)
# The interface contract (docs/asyncapi.yaml): every integration test's subscriber checks each
# message against it with a JSON Schema validator; make lint validates it with the AsyncAPI
# parser from npm (tests/lib/contract/package-lock.json).
pkgs+=(python3-jsonschema python3-yaml nodejs)
command -v npm >/dev/null || pkgs+=(npm)     # a nodejs from elsewhere (NodeSource) brings its own npm
# The optional metrics endpoint (RISKGW_METRICS), and a real Prometheus parser to test it.
pkgs+=(libmicrohttpd-dev curl python3-prometheus-client)
# A sysroot also needs the C library's headers and, for firmware/package.sh, dpkg-shlibdeps.
sysroot_pkgs=("${dev_libs[@]}" libc6-dev dpkg-dev)

arches=${CROSS_ARCHES:-}
if [ "${CROSS:-0}" = 1 ] && [ -z "$arches" ]; then
  arches="arm64 armhf"
fi
multiarch=()                        # foreign architectures apt must know
sysroots=()
for arch in $arches; do
  case "$arch" in
    arm64) pkgs+=(gcc-aarch64-linux-gnu "${dev_libs[@]/%/:$arch}"); multiarch+=("$arch") ;;
    armhf) pkgs+=(gcc-arm-linux-gnueabihf debootstrap qemu-user-static); sysroots+=("$arch") ;;
    *) echo "deps: unknown cross architecture '$arch' (use arm64 or armhf)" >&2; exit 2 ;;
  esac
  pkgs+=(qemu-user)
done
if [ "${PACKAGE_TEST:-0}" = 1 ]; then
  pkgs+=(debootstrap qemu-user-static)
fi
# A second broker implementation, one that clusters, for the gateway's MQTT behaviours
# and failover (tests/brokers/); opt-in: Erlang and RabbitMQ are ~40 MiB and slow to start.
if [ "${BROKER_TEST:-0}" = 1 ]; then
  pkgs+=(rabbitmq-server)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
missing_roots=()
for arch in "${sysroots[@]}"; do
  bash "$SRC/firmware/sysroot.sh" --check "$arch" "${sysroot_pkgs[@]}" || missing_roots+=("$arch")
done
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_roots[@]} -eq 0 ]; then
  echo "deps: all ${#pkgs[@]} packages present${sysroots[*]:+, and the ${sysroots[*]} sysroot}"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  [ ${#missing[@]} -eq 0 ] || echo "deps: missing packages: ${missing[*]}" >&2
  [ ${#missing_roots[@]} -eq 0 ] || echo "deps: missing the ${missing_roots[*]} sysroot (firmware/sysroot.sh)" >&2
  echo "deps: run 'make deps${arches:+ CROSS=1}' as root${missing[*]:+ (or: sudo apt-get install ${missing[*]})}" >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  for arch in "${multiarch[@]}"; do
    dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
  done
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for arch in "${missing_roots[@]}"; do
  bash "$SRC/firmware/sysroot.sh" "$arch" "${sysroot_pkgs[@]}"
done

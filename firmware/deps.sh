#!/usr/bin/env bash
# Install the Debian packages riskgw needs to build, test and run its demo.
# Idempotent: when every package is present it says so and touches nothing.
# CROSS=1 adds the aarch64 cross compiler, qemu-user and the arm64 -dev packages.
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libpaho-mqtt-dev libmodbus-dev libsqlite3-dev libcjson-dev libcurl4-openssl-dev libssl-dev
      mosquitto mosquitto-clients
      sqlite3 jq socat mbpoll python3)
if [ "${CROSS:-0}" = 1 ]; then
  pkgs+=(gcc-aarch64-linux-gnu qemu-user
         libpaho-mqtt-dev:arm64 libmodbus-dev:arm64 libsqlite3-dev:arm64 libcjson-dev:arm64
         libcurl4-openssl-dev:arm64 libssl-dev:arm64)
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
if [ "${CROSS:-0}" = 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# The systemd unit (firmware/riskgw.service) as systemd itself reads it: with
# /usr/bin/riskgw pointed at this build, `systemd-analyze verify` must say
# nothing about the unit, the settings the product relies on (notify, watchdog,
# user, sandbox, serial devices) must be there, and `systemd-analyze security`
# must rate its exposure at 2.0 or better. A misspelt copy of the unit must
# draw a warning, so a silent verify is known to mean a clean unit.
set -euo pipefail
BUILD=${1:?usage: test_unit_file.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

EXPOSURE_MAX=20                     # systemd-analyze's scale: 20 = exposure 2.0 of 10
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing: run 'make deps' (package systemd)"
[ -x "$BUILD/riskgw" ] || fail "$BUILD/riskgw is not built"

# verify_quiet FILE: 0 when systemd-analyze verify exits 0 and says nothing about FILE's unit.
verify_quiet() {
    local out rc=0
    out=$(systemd-analyze verify --man=no "$1" 2>&1) || rc=$?
    out=$(grep -F -e riskgw -e "$1" <<<"$out" || true)
    [ "$rc" = 0 ] && [ -z "$out" ] && return 0
    echo "$out" >&2
    return 1
}

unit="$WORK/riskgw.service"
sed "s|/usr/bin/riskgw|$BUILD/riskgw|g" "$SRC/firmware/riskgw.service" > "$unit"
verify_quiet "$unit" || fail "systemd-analyze verify complains about firmware/riskgw.service (above)"

mkdir "$WORK/bad"
sed 's/^WatchdogSec=/WatchDogSec=/' "$unit" > "$WORK/bad/riskgw.service"
if verify_quiet "$WORK/bad/riskgw.service" 2>/dev/null; then
    fail "systemd-analyze verify did not notice a misspelt key; this check proves nothing here"
fi

for want in Type=notify WatchdogSec=30s Restart=on-failure User=riskgw SupplementaryGroups=dialout \
            'ExecReload=/bin/kill -HUP $MAINPID' ProtectSystem=strict StateDirectory=riskgw \
            ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes ProtectKernelTunables=yes \
            ProtectKernelModules=yes ProtectControlGroups=yes \
            'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' DevicePolicy=closed \
            'DeviceAllow=char-ttyS rw' 'DeviceAllow=char-ttyUSB rw' 'DeviceAllow=char-ttyAMA rw' \
            LockPersonality=yes MemoryDenyWriteExecute=yes SystemCallArchitectures=native; do
    grep -qxF -- "$want" "$unit" || fail "firmware/riskgw.service lacks '$want'"
done

systemd-analyze security --offline=true --threshold="$EXPOSURE_MAX" "$unit" > "$WORK/security.txt" 2>&1 ||
    { cat "$WORK/security.txt" >&2; fail "the unit's exposure is above $EXPOSURE_MAX (of 100)"; }
echo "PASS: unit verifies clean; $(tail -1 "$WORK/security.txt" | sed 's/^→ //')"

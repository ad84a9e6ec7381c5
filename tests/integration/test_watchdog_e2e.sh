#!/usr/bin/env bash
# The daemon speaks systemd's notify protocol for real: READY=1 once it runs,
# WATCHDOG=1 at least every half WatchdogSec while the field and the store make
# progress, STOPPING=1 on SIGTERM; and it stops petting when its core is stalled
# (SIGSTOP), which is what makes systemd restart a hung gateway.
set -euo pipefail
BUILD=${1:?usage: test_watchdog_e2e.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
harness_init

# A stand-in for systemd: a unix datagram socket that logs each message with its time.
start_bg notify /usr/bin/python3 -u -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    msg = s.recv(4096).decode()
    for line in msg.splitlines():
        print("%.3f %s" % (time.monotonic(), line), flush=True)
' "$WORK/notify.sock"
wait_for_line "$WORK/notify.log" "bound" 10 || fail "notify listener did not start"
start_gas_sim
cat > "$WORK/site.json" <<JSON
{"enterprise": "ent-test", "gateway": "gw-test", "store": {"path": "$WORK/riskgw.db"},
 "devices": [{"id": "gas1", "profile": "gas_lel", "host": "127.0.0.1", "port": $SIM_PORT, "interval_ms": 200}]}
JSON
NOTIFY_SOCKET="$WORK/notify.sock" WATCHDOG_USEC=1000000 start_bg gw "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/notify.log" " READY=1$" 10 || fail "no READY=1"
sleep 3
pets=$(grep -c " WATCHDOG=1$" "$WORK/notify.log" || true)
[ "$pets" -ge 5 ] || fail "only $pets watchdog pets in 3 s with WatchdogSec=1s"
kill -STOP "$gw"
before=$(grep -c " WATCHDOG=1$" "$WORK/notify.log" || true)
sleep 2
after=$(grep -c " WATCHDOG=1$" "$WORK/notify.log" || true)
kill -CONT "$gw"
[ "$after" = "$before" ] || fail "a stalled gateway still petted the watchdog"
kill -TERM "$gw"
wait "$gw" || fail "riskgw did not exit 0 on SIGTERM"
grep -q " STOPPING=1$" "$WORK/notify.log" || fail "no STOPPING=1 on SIGTERM"
echo "PASS: READY, $pets pets in 3 s, none while stalled, STOPPING on SIGTERM"

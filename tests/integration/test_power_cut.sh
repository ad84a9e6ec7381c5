#!/usr/bin/env bash
# Power cut: the store lives on its own ext4 filesystem on a loop device, and at a
# random moment of the busy plant every write to it stops reaching the disk. The
# cut is the kernel's filesystem shutdown without a journal flush (FS_IOC_SHUTDOWN,
# FS_SHUTDOWN_FLAGS_NOLOGFLUSH: xfstests' "godown"): what the filesystem had not
# committed to the device is lost, every later write fails, exactly as if the
# board lost power; the gateway is then killed (-9) as the power cut would. After
# remounting (journal replay) the store must open with PRAGMA integrity_check ok
# and hold every event the gateway had announced with a seq. Telemetry is sent
# before it is synced, so the cut may take rows the subscriber already has: the
# restarted gateway must skip past every telemetry seq sent before the cut, and no
# telemetry seq may ever arrive with two different messages (a subscriber would
# drop the second as a duplicate). POWER_ROUNDS (3) cuts at random moments on the
# same filesystem; at the end the gateway runs once more on the survivor and every
# event in it reaches the subscriber.
# Needs root (loop devices, mount); fails, never skips, without it.
set -euo pipefail
BUILD=${1:?usage: test_power_cut.sh BUILD_DIR}
SRC=${RISKGW_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
. "$SRC/tests/lib/disk.sh"
harness_init

POWER_ROUNDS=${POWER_ROUNDS:-3}
DISK_MB=64
[ "$(id -u)" = 0 ] || fail "the power-cut test needs root for a loop device and mount (CI runs as root); run it as root"
disk_make "$DISK_MB"       # ext4 on a loop device at $WORK/mnt (tests/lib/disk.sh)

# check_skipped LOG SENT: the gateway that wrote LOG, started after a cut, went on
# above SENT, the highest telemetry seq the subscriber had received before the cut.
check_skipped() {
    local to
    to=$(sed -n 's/.*telemetry seqs [0-9]* to \([0-9]*\) are skipped.*/\1/p' "$1")
    [ -n "$to" ] || fail "$1: the gateway started after a power cut without skipping telemetry seqs"
    [ "$to" -ge "$2" ] || fail "$1: after the cut the gateway skipped telemetry seqs only up to $to," \
        "but seq $2 had been sent: it would be handed out again"
}

db=$WORK/mnt/riskgw.db
mq_port=$(free_port)
start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"
faults_subscribe "$mq_port"
faults_plant "$mq_port" "$db"
announced=0 sent=0 lost=0
for round in $(seq "$POWER_ROUNDS"); do
    start_bg "gw$round" "$BUILD/riskgw" -c "$WORK/site.json"
    gw=$BG_PID
    wait_for_line "$WORK/gw$round.log" "uplink mqtt connected" 10 || fail "round $round: gateway did not connect"
    [ "$round" = 1 ] || check_skipped "$WORK/gw$round.log" "$sent"
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1 + r % 400 / 100 }')"      # 1-5 s into the run
    disk_shutdown "$WORK/mnt"
    kill -9 "$gw"
    wait "$gw" 2>/dev/null || true
    # A message still in flight to the subscriber lands later; the next check covers it.
    umount "$WORK/mnt" || fail "round $round: cannot unmount the cut filesystem"
    disk_mount
    check=$(sqlite3 "$db" "PRAGMA integrity_check;" 2>&1)
    [ "$check" = ok ] || fail "round $round: the store is damaged after the power cut: $check"
    faults_check_announced "$WORK/sub.log" "$db"
    announced=$(faults_event_lines "$WORK/sub.log" | jq -s '[.[].seq] | unique | length')
    # Telemetry is not synced per commit (docs/store.md): what the cut took shows here.
    sent=$(telemetry_lines "$WORK/sub.log" | jq -s 'map(.seq) | max // 0')
    kept=$(sqlite3 "$db" "SELECT IFNULL(MAX(seq), 0) FROM outbox WHERE cls = 1;")
    [ "$sent" -le "$kept" ] || lost=$((lost + sent - kept))
    echo "round $round: store intact, all $announced announced events in it ($(wc -l <"$WORK/stored.ids") stored);" \
         "telemetry sent up to seq $sent, kept up to $kept"
done
[ "$announced" -ge 5 ] || fail "only $announced events were announced over $POWER_ROUNDS rounds: the plant was not busy"

start_bg gw-after "$BUILD/riskgw" -c "$WORK/site.json"
gw=$BG_PID
wait_for_line "$WORK/gw-after.log" "uplink mqtt connected" 10 || fail "gateway did not start on the surviving store"
check_skipped "$WORK/gw-after.log" "$sent"
faults_check_delivered "$WORK/sub.log" "$db" 30
kill -TERM "$gw"
wait "$gw" || fail "gateway did not stop cleanly on the surviving store"
echo "PASS: $POWER_ROUNDS power cuts at random moments: the store opened intact every time and held every" \
     "announced event; $FAULTS_EVENTS events ($FAULTS_MESSAGES messages) checked end to end;" \
     "the cuts took $lost telemetry messages after they were sent, and no seq of $FAULTS_TELEMETRY was used twice"

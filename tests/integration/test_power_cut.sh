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
. "$SRC/tests/lib/power_cut.sh"
harness_init

POWER_ROUNDS=${POWER_ROUNDS:-3}
DISK_MB=64
[ "$(id -u)" = 0 ] || fail "the power-cut test needs root for a loop device and mount (CI runs as root); run it as root"
disk_make "$DISK_MB"       # ext4 on a loop device at $WORK/mnt (tests/lib/disk.sh)

db=$WORK/mnt/riskgw.db
mq_port=$(free_port)
start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"
faults_subscribe "$mq_port"
faults_plant "$mq_port" "$db"
announced=0
for round in $(seq "$POWER_ROUNDS"); do
    power_cut_start "gw$round"
    sleep "$(power_cut_delay 1 5)"      # 1-5 s into the run
    power_cut_now
    power_cut_check_intact "$db"
    faults_check_announced "$WORK/sub.log" "$db"
    announced=$(faults_event_lines "$WORK/sub.log" | jq -s '[.[].seq] | unique | length')
    power_cut_sent
    echo "round $round: store intact, all $announced announced events in it ($(wc -l <"$WORK/stored.ids") stored);" \
         "telemetry sent up to seq $POWER_CUT_SENT"
done
[ "$announced" -ge 5 ] || fail "only $announced events were announced over $POWER_ROUNDS rounds: the plant was not busy"

power_cut_start gw-after             # on the surviving store
gw=$POWER_CUT_GW
faults_check_delivered "$WORK/sub.log" "$db" 30
kill -TERM "$gw"
wait "$gw" || fail "gateway did not stop cleanly on the surviving store"
echo "PASS: $POWER_ROUNDS power cuts at random moments: the store opened intact every time and held every" \
     "announced event; $FAULTS_EVENTS events ($FAULTS_MESSAGES messages) checked end to end;" \
     "no seq of $FAULTS_TELEMETRY telemetry messages was used twice"

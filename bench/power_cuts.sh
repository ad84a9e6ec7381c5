#!/usr/bin/env bash
# power_cuts.sh - `make power-cuts`: the power-cut campaign. test_power_cut.sh cuts
# the power three times in the suite; this cuts it POWER_CUTS (300) times, at
# random moments of the fault tests' busy plant, to show that the store's layout
# survives cuts anywhere in its write pattern (commits, checkpoints, minute
# aggregates, the telemetry cursors saved once a minute, a restart's recovery).
#
# Each cut (tests/lib/power_cut.sh, the same steps as test_power_cut.sh): the
# gateway starts on the store on a loop-device ext4, runs POWER_CUT_MIN_S to
# POWER_CUT_MAX_S (0.2-4 s, random), the filesystem is shut down without a journal
# flush (FS_IOC_SHUTDOWN), the gateway killed -9, the filesystem remounted. Then:
#   damaged  PRAGMA integrity_check is not ok;
#   lost     an event the subscriber received with a seq is not in the store
#            (faults_check_announced: it was synced before it was sent);
#   reused   a telemetry seq carried two different messages (telemetry_check_reuse).
# A gateway started after a cut must also skip past every telemetry seq sent before
# it, or the campaign fails there. After the last cut the gateway runs once more
# and every stored event must reach the subscriber (counted as lost if not).
#
# The first failure stops the campaign (a damaged store cannot go on, and a loss
# would be found again at every later cut) and keeps the work directory, with the
# cut filesystem in disk.img. It prints one totals line either way and exits
# non-zero unless all three counts are 0. Needs root (loop device, mount).
#   make power-cuts                   300 cuts, 15-25 minutes on 2 cores
#   make power-cuts POWER_CUTS=20     a short check of the campaign itself
set -euo pipefail
BUILD=$(cd "${1:?usage: power_cuts.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export RISKGW_SOURCE_DIR=$SRC
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/faults.sh"
. "$SRC/tests/lib/disk.sh"
. "$SRC/tests/lib/power_cut.sh"
harness_init

POWER_CUTS=${POWER_CUTS:-300}
POWER_CUT_MIN_S=${POWER_CUT_MIN_S:-0.2}
POWER_CUT_MAX_S=${POWER_CUT_MAX_S:-4}
DISK_MB=256                             # room for the samples of a long campaign
[ "$(id -u)" = 0 ] || fail "the power-cut campaign needs root for a loop device and mount; run it as root"
disk_make "$DISK_MB"

db=$WORK/mnt/riskgw.db
mq_port=$(free_port)
start_mosquitto "$mq_port" "persistence true" "persistence_location $WORK/"
faults_subscribe "$mq_port"
faults_plant "$mq_port" "$db"

cuts=0 damaged=0 lost=0 reused=0 stopped=
t0=$SECONDS
totals() {
    echo "power cuts: $cuts of $POWER_CUTS in $((SECONDS - t0)) s: $damaged damaged stores (integrity_check)," \
         "$lost cuts that lost a synced event, $reused cuts after which a telemetry seq was reused${stopped:+; stopped at $stopped}"
}
at_exit totals

# checked COUNT CHECK ARGS...: run a check of tests/lib (it fails by exiting) in a
# subshell; when it fails, add 1 to COUNT, keep its message and the work directory,
# and stop. The subshell runs as a background job so that set -e holds inside it.
checked() {
    local count=$1
    shift
    ("$@") 2>"$WORK/check.err" &
    wait $! && return 0
    printf -v "$count" '%d' $((${!count} + 1))
    stopped="cut $cuts: $(tr '\n' ' ' <"$WORK/check.err")"
    KEEP=1
    exit 1
}

echo "power cuts: $POWER_CUTS cuts of the busy plant, each ${POWER_CUT_MIN_S}-${POWER_CUT_MAX_S} s after the gateway connected; work directory $WORK"
for cut in $(seq "$POWER_CUTS"); do
    power_cut_start "gw$cut"
    delay=$(power_cut_delay "$POWER_CUT_MIN_S" "$POWER_CUT_MAX_S")
    sleep "$delay"
    power_cut_now
    cuts=$cut
    checked damaged power_cut_check_intact "$db"
    checked reused telemetry_check_reuse "$WORK/sub.log"
    checked lost faults_check_announced "$WORK/sub.log" "$db"
    power_cut_sent
    echo "cut $cut after $delay s: intact; $(faults_event_lines "$WORK/sub.log" | jq -s '[.[].seq] | unique | length')" \
         "events announced, all stored; telemetry sent up to seq $POWER_CUT_SENT"
done

power_cut_start gw-after                # on the store that survived every cut
checked lost faults_check_delivered "$WORK/sub.log" "$db" 60
kill -TERM "$POWER_CUT_GW"
wait "$POWER_CUT_GW" || fail "the gateway did not stop cleanly on the surviving store"
echo "PASS: $cuts power cuts at random moments: every store intact, no synced event lost, no telemetry seq reused"

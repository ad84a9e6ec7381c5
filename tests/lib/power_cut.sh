# power_cut.sh - one power cut of the busy plant and what must survive it, shared by
# test_power_cut.sh (a few cuts, in the suite) and bench/power_cuts.sh (`make
# power-cuts`, hundreds of them). Bash; source it after harness.sh, faults.sh and
# disk.sh, with the store on the loop filesystem (disk_make), the broker, the
# subscriber (faults_subscribe) and the plant (faults_plant) running.
#
#   power_cut_start gw1                 # the gateway on $WORK/site.json, log $WORK/gw1.log
#   sleep "$(power_cut_delay 1 5)"      # a random moment of the busy plant
#   power_cut_now                       # FS shutdown, kill -9, unmount, mount (journal replay)
#   power_cut_check_intact "$db"        # PRAGMA integrity_check
#   faults_check_announced "$WORK/sub.log" "$db"   # every event sent with a seq is stored
#   power_cut_sent                      # POWER_CUT_SENT: the highest telemetry seq received
#
# Telemetry is sent before it is synced, so a cut may take rows the subscriber
# already has: the gateway started after a cut must skip past every telemetry seq
# sent before it (power_cut_start checks that from POWER_CUT_SENT), so that no seq
# is ever sent with two different messages (telemetry_check_reuse).

POWER_CUT_GW=                           # pid of the gateway power_cut_start started
POWER_CUT_SENT=0                        # highest telemetry seq received before the last cut

# power_cut_delay MIN_S MAX_S: a random delay between them, in seconds (0.01 s steps).
power_cut_delay() {
    awk -v r="$RANDOM$RANDOM" -v lo="$1" -v hi="$2" \
        'BEGIN { steps = int((hi - lo) * 100) + 1; printf "%.2f", lo + (r % steps) / 100 }'
}

# power_cut_check_skipped LOG SENT: the gateway that wrote LOG, started after a cut,
# went on above SENT, the highest telemetry seq the subscriber had received before the cut.
power_cut_check_skipped() {
    local to
    to=$(sed -n 's/.*telemetry seqs [0-9]* to \([0-9]*\) are skipped.*/\1/p' "$1")
    [ -n "$to" ] || fail "$1: the gateway started after a power cut without skipping telemetry seqs"
    [ "$to" -ge "$2" ] || fail "$1: after the cut the gateway skipped telemetry seqs only up to $to," \
        "but seq $2 had been sent: it would be handed out again"
}

# power_cut_start NAME: start the gateway (log $WORK/NAME.log, pid POWER_CUT_GW) and
# wait for its uplink; after a cut (POWER_CUT_SENT set), check it skipped past what was sent.
power_cut_start() {
    start_bg "$1" "$BUILD/riskgw" -c "$WORK/site.json"
    POWER_CUT_GW=$BG_PID
    wait_for_line "$WORK/$1.log" "uplink mqtt connected" 10 || fail "$1: the gateway did not connect; see $WORK/$1.log"
    [ "$POWER_CUT_SENT" = 0 ] || power_cut_check_skipped "$WORK/$1.log" "$POWER_CUT_SENT"
}

# power_cut_now: the power cut. Writes to the loop filesystem stop reaching the disk,
# the gateway dies (-9), and the filesystem is mounted afresh (journal replay). A
# message still in flight to the subscriber lands later; the next check covers it.
power_cut_now() {
    disk_shutdown "$WORK/mnt"
    kill -9 "$POWER_CUT_GW"
    wait "$POWER_CUT_GW" 2>/dev/null || true
    umount "$WORK/mnt" || fail "cannot unmount the cut filesystem"
    disk_mount
}

# power_cut_check_intact DB: the store opens and SQLite finds nothing damaged.
power_cut_check_intact() {
    local check
    check=$(sqlite3 "$1" "PRAGMA integrity_check;" 2>&1) || true    # a store too damaged to open: the message says why
    [ "$check" = ok ] || fail "the store is damaged after the power cut: $check"
}

# power_cut_sent: POWER_CUT_SENT, the highest telemetry seq the subscriber received.
# Telemetry is held in memory while the uplinks keep up (docs/store.md), so a cut
# takes what was sent with it; the next start must skip past this seq.
power_cut_sent() {
    POWER_CUT_SENT=$(telemetry_lines "$WORK/sub.log" | jq -s 'map(.seq) | max // 0')
}

# telemetry.sh - what a conforming subscriber checks about telemetry seqs, shared by
# the outage and fault tests (bash; source it after harness.sh).
#
# A subscriber drops a message whose seq it has already seen and reads a jump as
# a gap (docs/interface.md). So a seq must never carry two different messages,
# and a gap is allowed only where a gateway said, at a start after an unclean
# stop, that it skipped those seqs (a power cut may have taken rows already sent).
# The gateway's logs must be $WORK/gw*.log (start_bg gw...).
#
#   telemetry_check_reuse "$WORK/sub.log"   # sub.log: mosquitto_sub -v lines
#   telemetry_check_gaps "$WORK/sub.log"

# telemetry_lines LOG: the telemetry payloads a subscriber received, as sent.
telemetry_lines() {
    sed -n 's|^[^ ]*/telemetry/[^ ]* ||p' "$1"
}

# telemetry_check_reuse LOG: no telemetry seq carried two different messages. A
# re-send carries the stored row again, byte for byte; a different message under a
# seq already received is one a subscriber drops as a duplicate, e.g. a seq handed
# out again after a power cut took the row that had been sent with it.
telemetry_check_reuse() {
    local twice
    twice=$(telemetry_lines "$1" | sort -u | jq -r .seq | sort -n | uniq -d | head -5 | paste -sd,)
    [ -z "$twice" ] || fail "one telemetry seq carried two different messages (a seq was used again): seq $twice"
}

# telemetry_check_gaps LOG: every telemetry seq from 1 to the highest received
# arrived, except seqs a gateway said it skipped ("telemetry seqs F to T are
# skipped" in $WORK/gw*.log).
telemetry_check_gaps() {
    local skipped gaps
    skipped=$(sed -n 's/.*telemetry seqs \([0-9]*\) to \([0-9]*\) are skipped.*/[\1,\2]/p' "$WORK"/gw*.log | jq -s -c .)
    gaps=$(telemetry_lines "$1" | jq -r -s --argjson skipped "$skipped" '
        ([0] + ([.[].seq] | unique)) as $s
        | [range(1; $s | length) | [$s[. - 1] + 1, $s[.] - 1] | select(.[0] <= .[1])]
        | map(select(. as $g | $skipped | any(.[0] <= $g[0] and $g[1] <= .[1]) | not))
        | .[:5] | map("\(.[0])-\(.[1])") | join(",")')
    [ -z "$gaps" ] || fail "telemetry seqs $gaps never arrived and no gateway skipped them: a telemetry message was lost"
}

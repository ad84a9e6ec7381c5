#!/usr/bin/env bash
# sync_overtaken.sh - does this kernel keep what an fdatasync said it wrote, when the
# filesystem shuts down (a dead card) while the sync runs? docs/store.md, "A sync
# the card did not keep", gives the answer measured here and what the store does.
#
# SYNC_CUTS (100) rounds on an ext4 on a loop device; each round runs
# bench_sync_overtaken twice, without and with the read after each sync (-r). Each
# run appends records with an fdatasync each and prints a record's number once it
# counts as written; 0.1-0.9 s in, the filesystem is shut down without a journal
# flush (FS_IOC_SHUTDOWN, as test_power_cut), the writer killed -9, the filesystem
# mounted afresh (journal replay). A run loses when its last printed record is not
# in the file. It prints a line per loss (with when the sync returned beside when
# the shutdown began and ended) and one totals line. Needs root.
#   bash bench/sync_overtaken.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "${1:?usage: sync_overtaken.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
export RISKGW_SOURCE_DIR=$SRC
. "$SRC/tests/lib/harness.sh"
. "$SRC/tests/lib/disk.sh"
harness_init

CUTS=${SYNC_CUTS:-100}
[ "$(id -u)" = 0 ] || fail "this needs root for a loop device and mount; run it as root"
[ -x "$BUILD/bench_sync_overtaken" ] || fail "$BUILD/bench_sync_overtaken is missing: build first"
disk_make 256

# one_cut FLAGS: 0 when the last record printed survived (or none was printed yet).
one_cut() {
    local pid last n
    rm -f "$WORK/mnt/log" "$WORK/mnt/noise"
    "$BUILD/bench_sync_overtaken" "$WORK/mnt" "$@" >"$WORK/printed" 2>/dev/null &
    pid=$!
    sleep "0.$((RANDOM % 9 + 1))"
    disk_shutdown "$WORK/mnt" "$WORK/cut"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    umount "$WORK/mnt"
    disk_mount
    last=$(tail -1 "$WORK/printed")
    n=${last%% *}
    [ -n "$n" ] || return 0
    tr -d '\0' <"$WORK/mnt/log" | grep -qx "REC $n" && return 0
    echo "lost record $n${*:+ (with the read)}: its sync returned at ${last#* }, the shutdown ran $(cat "$WORK/cut")"
    return 1
}

lost_plain=0 lost_read=0
for _ in $(seq "$CUTS"); do
    one_cut || lost_plain=$((lost_plain + 1))
    one_cut -r || lost_read=$((lost_read + 1))
done
echo "syncs overtaken by a shutdown, $CUTS cuts each: the last record printed was lost in" \
     "$lost_plain without the read after the sync, in $lost_read with it"

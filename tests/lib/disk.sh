# disk.sh - a real ext4 filesystem on a loop device for the tests that fail a disk
# (bash; source it after harness.sh): test_power_cut.sh and test_store_card.sh.
# Needs root; the caller checks and fails, never skips.
#
#   disk_make 64 [MOUNT_OPTIONS]      # $WORK/disk.img on $DISK_LOOP, mounted at $WORK/mnt
#   disk_shutdown "$WORK/mnt"         # every later write fails: a power cut, a dead card
#   umount "$WORK/mnt"; disk_mount    # mounted afresh (journal replay)
#
# At cleanup every process the test started is killed first (the filesystem cannot
# be unmounted under them), then the filesystem is unmounted and the loop device freed.

DISK_LOOP=
DISK_MOUNT_OPTIONS=

disk_teardown() {
    local pid
    for pid in "${HARNESS_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    umount "$WORK/mnt" 2>/dev/null
    losetup -d "$DISK_LOOP"
}

disk_mount() {
    mount -t ext4 ${DISK_MOUNT_OPTIONS:+-o "$DISK_MOUNT_OPTIONS"} "$DISK_LOOP" "$WORK/mnt" ||
        fail "cannot mount $DISK_LOOP (after a cut: journal replay failed?)"
}

# disk_make SIZE_MB [MOUNT_OPTIONS]
disk_make() {
    local tool
    for tool in losetup mkfs.ext4 mount umount; do
        command -v "$tool" >/dev/null || fail "this test needs $tool (util-linux, e2fsprogs)"
    done
    DISK_MOUNT_OPTIONS=${2:-}
    truncate -s "${1}M" "$WORK/disk.img"
    DISK_LOOP=$(losetup --find --show "$WORK/disk.img") ||
        fail "no loop device could be attached (is /dev/loop-control there?)"
    at_exit disk_teardown
    mkfs.ext4 -q "$DISK_LOOP" || fail "mkfs.ext4 on $DISK_LOOP failed"
    mkdir "$WORK/mnt"
    disk_mount
}

# disk_shutdown DIR [TIMES]: the kernel's filesystem shutdown without a journal flush
# (FS_IOC_SHUTDOWN, FS_SHUTDOWN_FLAGS_NOLOGFLUSH: xfstests' "godown"): what the
# filesystem had not committed to the device is lost, and every later write fails
# with EIO, as on a board that lost power or a card that died. With TIMES, that file
# gets CLOCK_MONOTONIC (s) just before and after the ioctl (bench/sync_overtaken.sh).
disk_shutdown() {
    /usr/bin/python3 -c '
import fcntl, os, struct, sys, time
FS_IOC_SHUTDOWN = 0x8004587D          # _IOR("X", 125, __u32)
FS_SHUTDOWN_FLAGS_NOLOGFLUSH = 2
fd = os.open(sys.argv[1], os.O_RDONLY)
t0 = time.monotonic()
fcntl.ioctl(fd, FS_IOC_SHUTDOWN, struct.pack("I", FS_SHUTDOWN_FLAGS_NOLOGFLUSH))
if len(sys.argv) > 2:
    open(sys.argv[2], "w").write("%.6f %.6f\n" % (t0, time.monotonic()))' "$@" ||
        fail "the filesystem shutdown ioctl failed on $1"
}

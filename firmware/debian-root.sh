# debian-root.sh - make and enter Debian roots with debootstrap (bash; source it).
#
# Two users need a throwaway Debian system of another architecture: the armhf
# sysroot that cross builds compile against (firmware/sysroot.sh) and the chroots
# in which `make test-package` installs the packages (tests/package/). Both get
# it from here, from the signed suite of the mirror apt already uses, and run a
# foreign root's programs under qemu-user-static through binfmt_misc.
# Functions print what went wrong on stderr and return 1; callers decide to stop.

DEBIAN_ROOT_SUITE=${DEBIAN_ROOT_SUITE:-bookworm}
BINFMT_DIR=/proc/sys/fs/binfmt_misc

# debian_mirror: the first Debian mirror apt is configured with (deb822 or one-line sources).
debian_mirror() {
    local url
    url=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' |
          grep -v security | head -1 || true)
    [ -n "$url" ] || url=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -1 || true)
    echo "${url:-http://deb.debian.org/debian}"
}

# in_root ROOT CMD...: run CMD inside the chroot with a clean environment.
in_root() {
    local root=$1
    shift
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 \
        chroot "$root" "$@" </dev/null
}

# unmount_under DIR: whatever debootstrap mounted inside DIR (proc, sys), deepest first.
unmount_under() {
    local m
    for m in $(awk -v d="$1/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -l "$m"
    done
}

# qemu_name ARCH: the qemu-user name of a Debian architecture.
qemu_name() {
    case "$1" in
        arm64) echo aarch64 ;;
        armhf) echo arm ;;
        *) echo "debian-root: no qemu-user for architecture '$1' (arm64 or armhf)" >&2; return 1 ;;
    esac
}

# binfmt_enable ARCH: qemu-user-static registered with binfmt_misc's F flag, so that
# a chroot of ARCH runs its programs without a copy of qemu inside it.
binfmt_enable() {
    local q
    q=$(qemu_name "$1") || return 1
    [ -e "$BINFMT_DIR/register" ] || mount -t binfmt_misc binfmt_misc "$BINFMT_DIR" ||
        { echo "debian-root: cannot mount binfmt_misc; a $1 chroot needs it" >&2; return 1; }
    [ -e "$BINFMT_DIR/qemu-$q" ] || /usr/lib/systemd/systemd-binfmt "/usr/lib/binfmt.d/qemu-$q.conf"
    grep -q '^flags: .*F' "$BINFMT_DIR/qemu-$q" 2>/dev/null ||
        { echo "debian-root: qemu-$q is not registered with binfmt_misc's F flag: install qemu-user-static (make deps-package)" >&2; return 1; }
}

# debootstrap_root ARCH ROOT LOG [PACKAGES]: a minbase system of ARCH in ROOT, with
# the comma-separated PACKAGES and their Depends; a foreign ARCH gets its second
# stage under qemu. LOG receives debootstrap's output; its tail is shown on failure.
debootstrap_root() {
    local arch=$1 root=$2 log=$3 include=${4:-} mirror foreign=() extra=()
    mirror=${MIRROR:-$(debian_mirror)}
    command -v debootstrap >/dev/null || { echo "debian-root: debootstrap is missing (make deps-package)" >&2; return 1; }
    [ "$arch" = "$(dpkg --print-architecture)" ] || { foreign=(--foreign); binfmt_enable "$arch" || return 1; }
    [ -z "$include" ] || extra=(--include="$include")
    mkdir -p "$root"
    echo "debootstrap $DEBIAN_ROOT_SUITE $arch from $mirror (minutes)"
    if ! debootstrap --variant=minbase --arch="$arch" "${foreign[@]}" "${extra[@]}" \
            "$DEBIAN_ROOT_SUITE" "$root" "$mirror" >"$log" 2>&1; then
        tail -5 "$log" >&2
        echo "debian-root: debootstrap $arch from $mirror failed (is the mirror reachable?); see $log" >&2
        return 1
    fi
    # The second stage runs every maintainer script under qemu; one failed once, not
    # reproducibly (apt's, on a loaded machine). A second run configures what is left.
    if [ ${#foreign[@]} -gt 0 ] && ! in_root "$root" /debootstrap/debootstrap --second-stage >>"$log" 2>&1; then
        grep -E '^(dpkg|E:|W:)' "$root/debootstrap/debootstrap.log" 2>/dev/null | tail -5 | tee -a "$log" >&2
        echo "debian-root: debootstrap's second stage of $arch failed; trying it once more" >&2
        if ! in_root "$root" /debootstrap/debootstrap --second-stage >>"$log" 2>&1; then
            unmount_under "$root"
            tail -5 "$log" >&2
            echo "debian-root: debootstrap's second stage of $arch under qemu failed; see $log" >&2
            return 1
        fi
    fi
    unmount_under "$root"
}

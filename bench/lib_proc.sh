# lib_proc.sh - what the benchmark reads about a process and the clock (bash; sourced by run.sh).
#
# CPU is the time the process's threads ran over a window, as % of one core; memory
# is VmRSS (and the peak VmHWM) and Threads from /proc/PID/status. Windows are
# given as wall-clock milliseconds so that bench_sub, which counts points by their
# sample time, measures exactly the same seconds.

CLK_TCK=$(getconf CLK_TCK)

now_ms() { date +%s%3N; }

# sleep_until_ms MS: return at wall time MS (at once if it has passed).
sleep_until_ms() {
    local left=$(( $1 - $(now_ms) ))
    [ "$left" -gt 0 ] && sleep "$(awk -v l="$left" 'BEGIN { printf "%.3f", l / 1000 }')"
    return 0
}

# proc_ticks PID: user + system clock ticks so far. The command name may hold spaces
# and parentheses, so fields are counted after the last ')'.
proc_ticks() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    awk '{ print $12 + $13 }' <<<"${stat##*)}"
}

# proc_written PID: bytes the process has caused to be written to storage so far
# (/proc/PID/io write_bytes: the WAL, checkpoints, logs; what wears a flash card).
proc_written() {
    awk '$1 == "write_bytes:" { print $2 }' "/proc/$1/io" 2>/dev/null
}

# proc_status PID KEY: the number on the KEY: line of /proc/PID/status (kB for Vm*).
proc_status() {
    awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null
}

# private_kib PID: Private_Clean + Private_Dirty of the process (KiB): its memory less
# the shared library pages that RSS counts but the box pays for once.
private_kib() {
    awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s + 0 }' "/proc/$1/smaps_rollup"
}

# anon_kib PID: the Anonymous pages of smaps_rollup (KiB): heap, stacks, mappings and the
# library data pages the process wrote (relocations), which no other process can share;
# private_kib less this is file pages (library code) that nothing else maps right now.
anon_kib() {
    awk '/^Anonymous:/ { print $2 }' "/proc/$1/smaps_rollup"
}

# proc_cpu_ns PID: nanoseconds its threads have run so far: the first field of each
# /proc/PID/task/*/schedstat, the scheduler's own count. /proc/PID/stat counts in
# clock ticks (10 ms): a loop at 0.4 % of a core runs 4 of them in a 10 s part of a
# window, so one tick either way moved the N = 100 ratio by a quarter. A thread that
# ends inside a window takes its time with it; the processes measured here keep
# theirs. Without schedstat (a kernel without CONFIG_SCHED_INFO): the ticks.
proc_cpu_ns() {
    local f ns=0 seen=0 run rest
    [ -d "/proc/$1/task" ] || return 1
    for f in /proc/"$1"/task/*/schedstat; do
        { read -r run rest <"$f"; } 2>/dev/null || continue
        ns=$((ns + run)) seen=1
    done
    if [ "$seen" = 1 ]; then echo "$ns"; return 0; fi
    local ticks
    ticks=$(proc_ticks "$1") || return 1
    echo $((ticks * 1000000000 / CLK_TCK))
}

# cpu_mark PID: "WALL_MS CPU_NS" now; cpu_pct MARK0 MARK1: the mean CPU between two
# marks of one process, as % of one core.
cpu_mark() {
    local ns
    ns=$(proc_cpu_ns "$1") || return 1
    echo "$(now_ms) $ns"
}
cpu_pct() {
    awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
        printf "%.2f", (y[2] - x[2]) / 1e9 / ((y[1] - x[1]) / 1000) * 100 }'
}

# measure PID FROM_MS TO_MS [DB]: CPU over the window, then size and threads at its
# end; with DB (a riskgw store, read by db_history_bytes of lib_site.sh) also the
# bytes of its history at both ends. The window is cut into CPU_SPLITS equal parts
# and M_CPU is the median of their CPU (M_CPU_PARTS lists them): a neighbour's
# burst on a shared machine then moves one part, not the figure. Sets M_CPU,
# M_CPU_PARTS, M_RSS_KIB, M_HWM_KIB, M_THREADS, M_DB0, M_DB1, and M_WRITE_KIBS (storage
# writes over the window, KiB/s; null when /proc/PID/io cannot be read). 1 when the
# process is gone. M_PRIV_KIB: its private pages at the end (private_kib).
measure() {
    local pid=$1 db=${4:-} m0 m1 k splits=${CPU_SPLITS:-1} w0 w1
    M_CPU=null M_CPU_PARTS= M_RSS_KIB=null M_HWM_KIB=null M_THREADS=null M_DB0= M_DB1= M_WRITE_KIBS=null
    M_PRIV_KIB=null
    sleep_until_ms "$2"
    m0=$(cpu_mark "$pid") || return 1
    w0=$(proc_written "$pid")
    [ -n "$db" ] && M_DB0=$(db_history_bytes "$db")
    for k in $(seq "$splits"); do
        sleep_until_ms $(( $2 + ($3 - $2) * k / splits ))
        m1=$(cpu_mark "$pid") || return 1
        M_CPU_PARTS="$M_CPU_PARTS $(cpu_pct "$m0" "$m1")"
        m0=$m1
    done
    w1=$(proc_written "$pid")
    [ -n "$w0" ] && [ -n "$w1" ] && M_WRITE_KIBS=$(calc "($w1 - $w0) / 1024 / (($3 - $2) / 1000)")
    [ -n "$db" ] && M_DB1=$(db_history_bytes "$db")
    M_CPU=$(tr ' ' '\n' <<<"$M_CPU_PARTS" | grep . | median)
    M_RSS_KIB=$(proc_status "$pid" VmRSS)
    M_HWM_KIB=$(proc_status "$pid" VmHWM)
    M_PRIV_KIB=$(private_kib "$pid" 2>/dev/null) || M_PRIV_KIB=null
    M_THREADS=$(proc_status "$pid" Threads)
}

# median: the median of the numbers on stdin, one a line ("null" when there are none).
median() {
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "null"; else if (NR % 2) print v[(NR + 1) / 2];
                                         else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# field NAME: the value after the word NAME on stdin's key-value line ("null" when absent).
field() {
    awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); found = 1; exit } }
                   END { if (!found) print "null" }'
}

# calc EXPR: floating-point arithmetic for the report ("null" if any operand is null).
calc() {
    case "$1" in *null*) echo null; return ;; esac
    awk "BEGIN { printf \"%.6g\", $1 }"
}

# stop_proc PID: SIGTERM, then wait for it (SIGKILL after 10 s).
stop_proc() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || return 0
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

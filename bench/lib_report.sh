# lib_report.sh - the benchmark's outputs: the table, bench/out/results.json and the plot.
#
# Phases call `row` for each line of the table and `result` for each figure of
# results.json; nothing is typed in by hand. A figure that could not be measured is
# JSON null and its row says why, so a missed or missing target is never silent.

# report_init: the scratch files the phases append to.
report_init() {
    ROWS=$WORK/rows.tsv
    RESULTS=$WORK/results.tsv
    SCALE_ROWS=$WORK/scale.jsonl
    : >"$ROWS"; : >"$RESULTS"; : >"$SCALE_ROWS"
}

# row FIGURE VALUE TARGET VERDICT: one line of the table.
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$ROWS"; }

# section TITLE: a heading line in the table.
section() { printf '%s\t\t\t\n' "== $1" >>"$ROWS"; }

# result KEY JSON: one top-level key of results.json (a number, null, or JSON text).
result() { printf '%s\t%s\n' "$1" "$2" >>"$RESULTS"; }

# verdict VALUE OP LIMIT: PASS when VALUE OP LIMIT holds (OP is <= or >=), else MISS;
# "n/a" when the value is null.
verdict() {
    case "$1$3" in *null*) echo "n/a"; return ;; esac
    awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? (v <= l) : (v >= l); print ok ? "PASS" : "MISS" }'
}

# fmt VALUE [DECIMALS]: a number for the table, "-" for null.
fmt() {
    [ "$1" = null ] && { echo "-"; return; }
    awk -v v="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, v }'
}

# report_columns: the rows on stdin as aligned columns; "== TITLE" rows become headings.
report_columns() {
    awk -F'\t' '{ line[NR] = $0
                  if ($1 !~ /^== /) for (i = 1; i <= 3; i++) if (length($i) > w[i]) w[i] = length($i) }
        END { fmt = "%-" w[1] "s  %-" w[2] "s  %-" w[3] "s  %s\n"
              for (r = 1; r <= NR; r++) {
                  split(line[r], f, "\t")
                  if (f[1] ~ /^== /) printf "\n%s\n", substr(f[1], 4)
                  else printf fmt, f[1], f[2], f[3], f[4] } }'
}

machine_json() {
    jq -n --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
          --arg kernel "$(uname -sr)" --arg arch "$(uname -m)" \
          --argjson cores "$(nproc)" \
          --argjson mem_mib "$(awk '/^MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)" \
          --arg tmpfs "$(df -PT "${TMPDIR:-/tmp}" | awk 'NR == 2 { print $2 }')" \
          --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
          --arg commit "$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
          '{cpu: $cpu, cores: $cores, mem_mib: $mem_mib, kernel: $kernel, arch: $arch,
            tmp_filesystem: $tmpfs, date: $date, commit: $commit}'
}

# report_write OUT_JSON: print the table and write results.json.
report_write() {
    local out=$1
    echo
    echo "riskgw benchmark ($BENCH_MODE mode) on $(nproc) x $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    { printf 'figure\tvalue\ttarget\tverdict\n'; cat "$ROWS"; } | report_columns
    jq -n --arg mode "$BENCH_MODE" --argjson machine "$(machine_json)" \
          --slurpfile scale "$SCALE_ROWS" --rawfile kv "$RESULTS" '
        ($kv | split("\n") | map(select(length > 0) | split("\t") | {key: .[0], value: (.[1] | fromjson)})
             | from_entries) as $r
        | {mode: $mode, machine: $machine} + $r + {scale: $scale}' >"$out.tmp" && mv "$out.tmp" "$out"
    echo
    echo "wrote $out"
}

# report_plot PNG: CPU against N for riskgw and the bare loop (gnuplot; skipped if absent).
report_plot() {
    local png=$1 data=$WORK/scale.dat
    command -v gnuplot >/dev/null || { echo "gnuplot not installed: no $png (make bench installs gnuplot-nox)"; return 0; }
    jq -r '[.n, .riskgw.cpu_pct, (.bare.cpu_pct // "NaN")] | @tsv' "$SCALE_ROWS" >"$data"
    [ -s "$data" ] || return 0
    gnuplot 2>"$WORK/gnuplot.err" <<GP
set terminal pngcairo size 640,400 noenhanced
set output "$png"
set title "CPU vs devices (30 registers each, 1 s) - $BENCH_MODE mode, $(nproc) cores"
set xlabel "devices (N)"
set ylabel "CPU, % of one core"
set logscale x
set key top left
set grid
plot "$data" using 1:2 with linespoints lw 2 pt 7 title "riskgw (rules, store, outbox, MQTT)", \
     "$data" using 1:3 with linespoints lw 2 pt 5 title "bare libmodbus + Paho loop"
GP
    [ -s "$png" ] || { echo "gnuplot failed: $(cat "$WORK/gnuplot.err")"; return 0; }
    echo "wrote $png"
}

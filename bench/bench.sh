#!/usr/bin/env bash
# make bench: rewind against pg_rewind on the same realistic failover, to a
# consistent standby, beside the physical limit.
#
# The failover of bench/failover.sh, one of its named inputs (BENCH_INPUT;
# read there what they are and the BENCH_* settings).  The stopped old
# primary is copied twice per round and the two tools rewind the identical
# copies, alternating which goes first, over loopback and, when possible,
# over the 1 Gbit/s link of bench/failover.sh; per link, BENCH_ROUNDS rounds
# per page cache state of BENCH_CACHE (warm: as the previous run left it;
# cold: emptied before each timed run).  Both tools are given -R.
#
# Per (link, cache, tool) it prints:
#   tool s     the tool's wall time (median of the rounds)
#   start s    then the rewound node's start (pg_ctl start -w, inside the
#              namespace over 1 Gbit/s so that the WAL it streams from the
#              source pays the link): until it accepts read-only
#              connections, a consistent hot standby (median)
#   standby s  the measure: tool s + start s of a round (median/min/max);
#              work moved from the rewind into the start shows here
#   limit s    the physical limit (below), "x limit" the measure's ratio to
#              it and whether that meets issue 17's goal (<= 1.25x)
#   tool x     the tool's own time (tool s) over the limit: what is left
#              of the measure without the node's start, which replays the
#              WAL from where recovery starts and which the limit does not
#              count; a start longer than a quarter of the limit alone
#              puts the goal out of reach
#   fetched    bytes fetched from the source, its ratio to the minimum;
#              wire: bytes through the namespace's loopback during the
#              tool's run + during the start (1 Gbit/s only); bytes written
#              on the target; fsync/fdatasync calls; peak RSS
# and, for rewind's last round per (link, cache), the link's use over time
# (bench/link_timeline.py: MB/s in each second, the share of the run the
# link idled).  Both rewound nodes of the last loopback round are then
# compared with the source (t/lib/harness.sh: verify_standby).
#
# How each figure is measured:
#   wall time, peak RSS, bytes written:  /usr/bin/time -v ("Elapsed",
#       "Maximum resident set size", "File system outputs" x 512 bytes)
#   start: date before and after pg_ctl start -w -t 600, which returns once
#       the postmaster reports a hot standby ready (it looks ten times a
#       second: up to 0.1 s late); pg_is_in_recovery() checked after; the
#       node then stopped (pg_ctl stop -D, untimed)
#   bytes fetched, rewind:    --format json, .plan.bytes_fetched (file
#       contents and SHA-256 digests received, its own counter)
#   bytes fetched, pg_rewind: -P, the last progress line "N/M kB (100%)
#       copied" (file contents it copied; listing and control file reads are
#       not counted by either tool)
#   wire: /sys/class/net/lo/statistics/tx_bytes inside the namespace
#   fsync calls: one extra, untimed run per tool under strace -f -c
#       -e trace=fsync,fdatasync
#   minimum: distinct main-fork blocks that the old primary's WAL references
#       after the divergence point (pg_waldump --bkp-details) x 8 kB, plus the
#       source's WAL segments from the divergence point to its insert position
#   limit, 1 Gbit/s: minimum / the link's goodput, measured once per bench:
#       BENCH_GOODPUT_MB (default 500) MB over one TCP connection inside the
#       namespace (bench/goodput.py)
#   limit, loopback: bench/copy_limit.py reads the minimum's blocks from the
#       source's relation files and its WAL segments once and writes them
#       once to a file beside the targets, fsynced at the end; warm: the
#       fastest of three runs after a first, untimed one (the disk is
#       shared: the limit is the best it did), cold: one run after
#       emptying the page cache
#   link timeline: the timed rewind runs with --debug (stderr to a file);
#       its "link:" lines give the bytes received per interval
#
# Variables, besides bench/failover.sh's: BENCH_ROUNDS (default 3),
# BENCH_JOBS (rewind --jobs, default 8), BENCH_CACHE (warm, cold or
# warm,cold; default warm, cold with BENCH_COLD=1; cold rounds need root,
# to write /proc/sys/vm/drop_caches, and are skipped without),
# BENCH_PG_REWIND=0 to time rewind alone, BENCH_GOODPUT_MB, BENCH_RESULTS to
# keep the raw per-run figures (tool, link, cache, tool s, start s, fetched,
# written, peak RSS kB, wire bytes of the tool, of the start) in that file.
# A quick look: BENCH_SCALE=50 BENCH_HISTORY=100000 BENCH_BEFORE=20000
# BENCH_DIVERGE=5000 BENCH_ROUNDS=1.
set -euo pipefail

BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_JOBS=${BENCH_JOBS:-8}
BENCH_PG_REWIND=${BENCH_PG_REWIND:-1}
BENCH_COLD=${BENCH_COLD:-0}
BENCH_GOODPUT_MB=${BENCH_GOODPUT_MB:-500}
if [[ $BENCH_COLD == 1 ]]; then BENCH_CACHE=${BENCH_CACHE:-cold}; else BENCH_CACHE=${BENCH_CACHE:-warm}; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # the harness changes directory
# shellcheck source=bench/failover.sh
source "$HERE/failover.sh"
IFS=, read -r -a wanted <<<"$BENCH_CACHE"
CACHES=()
for cache in "${wanted[@]}"; do
    [[ $cache == warm || $cache == cold ]] || { echo "bench: BENCH_CACHE is a list of warm and cold, not '$BENCH_CACHE'"; exit 1; }
    if [[ $cache == cold && $(id -u) != 0 ]]; then
        say "cold rounds skipped: emptying the page cache needs root (/proc/sys/vm/drop_caches)"; continue
    fi
    CACHES+=("$cache")
done
((${#CACHES[@]} > 0)) || { echo "bench: no rounds to run (BENCH_CACHE=$BENCH_CACHE)"; exit 1; }
[[ $BENCH_PG_REWIND == 0 || -x $PG_REWIND_REF ]] || { echo "bench: pg_rewind not found at $PG_REWIND_REF"; exit 1; }
HAVE_STRACE=0; command -v strace >/dev/null && HAVE_STRACE=1
drop_cache() { sync; echo 3 >/proc/sys/vm/drop_caches; }
# now_s — seconds since the epoch, to the nanosecond
now_s() { date +%s.%N; }
# wall_of TIME_V_FILE — the "Elapsed (wall clock)" of /usr/bin/time -v, in s
wall_of() {
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i]; print w }' "$1"
}

bench_failover

# --- the minimum, from pg_waldump --------------------------------------------
# pg_waldump stops with an error at the end of WAL: that is expected
as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$DIVERGE" --bkp-details \
    >"$SCRATCH/waldump.txt" 2>/dev/null || true
grep -o 'blkref #[0-9]*: rel [0-9/]* \(fork [a-z]* \)\?blk [0-9]*' "$SCRATCH/waldump.txt" \
    | { grep -v ' fork \(fsm\|vm\|init\) ' || true; } | sed 's/blkref #[0-9]*: //; s/ fork main//' \
    | sort -u >"$SCRATCH/blocks.txt"
blocks_after=$(wc -l <"$SCRATCH/blocks.txt")
seg_first=$(( $(lsn_to_int "$DIVERGE") / WAL_SEG_SIZE ))
seg_last=$(( $(lsn_to_int "$SRC_END") / WAL_SEG_SIZE ))
segs=$((seg_last - seg_first + 1))
MIN_BYTES=$(( blocks_after * 8192 + segs * WAL_SEG_SIZE ))
say "minimum: $blocks_after blocks x 8 kB + $segs WAL segments = $MIN_BYTES bytes"
# the source's files of those segments (each segment's of the latest
# timeline), for the loopback limit
: >"$SCRATCH/wal.txt"
for ((seg = seg_first; seg <= seg_last; seg++)); do
    f=$(find "${NODE_DATA[new]}/pg_wal/" -maxdepth 1 -name "????????$(printf '%08X%08X' $((seg / 256)) $((seg % 256)))" | sort | tail -n 1)
    if [[ -n $f ]]; then echo "$f" >>"$SCRATCH/wal.txt"; fi
done

# --- the WAL scan rate (issue 5, part 5) --------------------------------------
if [[ -n "${WALSCAN_BIN:-}" ]]; then
    say "scanning the old primary's WAL"
    "$WALSCAN_BIN" "${NODE_DATA[old]}" 15 | tee "$SCRATCH/walscan.txt" >&2
fi

# --- the loopback limit (see the header) --------------------------------------
declare -A LIMIT=() LIMIT_MOVED=()
copy_limit() {
    python3 "$HERE/copy_limit.py" "${NODE_DATA[new]}" "$SCRATCH/blocks.txt" "$SCRATCH/wal.txt" "$SCRATCH/limit.scratch"
}
for cache in "${CACHES[@]}"; do
    say "loopback limit, $cache cache: the minimum read once on the source, written once beside the targets"
    if [[ $cache == cold ]]; then
        drop_cache
        read -r moved secs < <(copy_limit)
    else
        copy_limit >/dev/null
        secs=
        for _ in 1 2 3; do
            read -r moved s < <(copy_limit)
            secs=$(awk -v a="${secs:-$s}" -v b="$s" 'BEGIN { print (b < a) ? b : a }')
        done
    fi
    LIMIT[loopback,$cache]=$secs; LIMIT_MOVED[loopback,$cache]=$moved
done

# --- one run ----------------------------------------------------------------
RESULTS=$SCRATCH/results.tsv
: >"$RESULTS"

# standby_start NODE LINK — start the rewound NODE (inside the namespace over
# 1gbit), bounded, until it is a consistent hot standby
standby_start() {
    local node=$1 link=$2 wrap=()
    [[ $link == 1gbit ]] && wrap=("${NETNS_EXEC[@]}")
    _STARTED_NODES+=("$node")
    "${wrap[@]}" "${AS_OWNER[@]}" "$PGBIN/pg_ctl" start -D "${NODE_DATA[$node]}" \
        -l "${NODE_LOG[$node]}" -o "-p ${NODE_PORT[$node]}" -w -t 600 >/dev/null || {
        echo "bench: $node did not start as a standby:"; tail -n 20 "${NODE_LOG[$node]}"; exit 1; }
}

# run_tool TOOL NODE LINK CACHE — rewind NODE from new, then start NODE;
# append a line to RESULTS: tool link cache tool_s start_s fetched written
# rss_kb wire_tool wire_start
run_tool() {
    local tool=$1 node=$2 link=$3 cache=$4
    local out=$SCRATCH/run-$tool-$node.out err=$SCRATCH/run-$tool-$node.err tv=$SCRATCH/time-$tool-$node
    local conn="host=127.0.0.1 port=${NODE_PORT[new]} user=postgres dbname=postgres"
    local cmd=() wrap=() fetched t0 t1 b0=0 b1=0 b2=0
    if [[ $tool == rewind ]]; then
        cmd=("$TOOL" -D "${NODE_DATA[$node]}" --source-server="$conn" -R --jobs="$BENCH_JOBS" --format json --debug)
    else
        cmd=("$PG_REWIND_REF" -D "${NODE_DATA[$node]}" --source-server="$conn" -R -P)
    fi
    if [[ $link == 1gbit ]]; then wrap=("${NETNS_EXEC[@]}"); b0=$(netns_bytes); fi
    if [[ $cache == cold ]]; then drop_cache; fi
    "${wrap[@]}" "${AS_OWNER[@]}" "$TIME" -v -o "$tv" "${cmd[@]}" >"$out" 2>"$err" || {
        echo "bench: $tool failed:"; tail -n 20 "$out" "$err"; exit 1; }
    if [[ $link == 1gbit ]]; then b1=$(netns_bytes); fi
    t0=$(now_s)
    standby_start "$node" "$link"
    t1=$(now_s)
    if [[ $link == 1gbit ]]; then b2=$(netns_bytes); fi
    [[ $(node_psql "$node" "SELECT pg_is_in_recovery()") == t ]] || { echo "bench: $node is not a standby"; exit 1; }
    node_stop "$node" fast
    if [[ $tool == rewind ]]; then
        fetched=$(sed -n '/^{/,$p' "$out" | jq '.plan.bytes_fetched')
    else
        fetched=$(cat "$out" "$err" | grep -o '[0-9]*/[0-9]* kB (100%) copied' | tail -n 1 | cut -d/ -f1)
        fetched=$(( ${fetched:-0} * 1024 ))
    fi
    awk -v tool="$tool" -v link="$link" -v cache="$cache" -v fetched="$fetched" -v wire=$((b1 - b0)) -v wire_start=$((b2 - b1)) \
        -v t0="$t0" -v t1="$t1" -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /Maximum resident set size/ { rss = $2 }
        /File system outputs/ { out = $2 * 512 }
        END { printf "%s\t%s\t%s\t%.2f\t%.2f\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\n",
                     tool, link, cache, w, t1 - t0, fetched, out, rss, wire, wire_start }' "$tv" >>"$RESULTS"
}

# count_fsyncs TOOL NODE — fsync + fdatasync calls of one run
count_fsyncs() {
    local tool=$1 node=$2
    local conn="host=127.0.0.1 port=${NODE_PORT[new]} user=postgres dbname=postgres"
    local bin=$TOOL; [[ $tool == pg_rewind ]] && bin=$PG_REWIND_REF
    "${AS_OWNER[@]}" strace -f -c -o "$SCRATCH/strace-$tool" -e trace=fsync,fdatasync \
        "$bin" -D "${NODE_DATA[$node]}" --source-server="$conn" >/dev/null 2>&1
    awk '$NF == "fsync" || $NF == "fdatasync" { n += $4 } END { print n + 0 }' "$SCRATCH/strace-$tool"
}

fresh_pair() {   # ROUND — a copy of the stopped old primary per tool
    node_copy old "a$1"
    if [[ $BENCH_PG_REWIND == 1 ]]; then node_copy old "b$1"; fi
    # on disk before the clock starts: a tool's fsync must not pay for the copy
    sync
}

# both_tools ROUND LINK CACHE — rewind aROUND and pg_rewind bROUND,
# alternating which goes first
both_tools() {
    local r=$1 link=$2 cache=$3 first=rewind
    ((${r//[!0-9]/} % 2)) || first=pg_rewind
    if [[ $BENCH_PG_REWIND == 0 ]]; then run_tool rewind "a$r" "$link" "$cache"; return; fi
    if [[ $first == rewind ]]; then run_tool rewind "a$r" "$link" "$cache"; run_tool pg_rewind "b$r" "$link" "$cache"
    else run_tool pg_rewind "b$r" "$link" "$cache"; run_tool rewind "a$r" "$link" "$cache"; fi
}

# rounds LINK PREFIX — BENCH_ROUNDS rounds per cache state, named PREFIX,
# the cache's initial, the round's number; each round's copies are removed
# after it, but KEEP's; LAST[LINK,CACHE] names the last round
declare -A LAST=()
rounds() {
    local link=$1 prefix=$2 cache r id
    for cache in "${CACHES[@]}"; do
        for ((r = 1; r <= BENCH_ROUNDS; r++)); do
            id=$prefix${cache:0:1}$r
            say "round $r of $BENCH_ROUNDS ($link, $cache cache)"
            fresh_pair "$id"
            both_tools "$id" "$link" "$cache"
            LAST[$link,$cache]=$id
            if [[ $id != "$KEEP" ]]; then rm -rf "${NODE_DATA[a$id]}" "${NODE_DATA[b$id]:-}"; fi
        done
    done
}

# --- loopback rounds ----------------------------------------------------------
declare -A FSYNCS=([rewind]=n/a [pg_rewind]=n/a)
if [[ $HAVE_STRACE == 1 ]]; then
    say "fsync counts (one untimed run each, under strace)"
    fresh_pair s
    FSYNCS[rewind]=$(count_fsyncs rewind as)
    if [[ $BENCH_PG_REWIND == 1 ]]; then FSYNCS[pg_rewind]=$(count_fsyncs pg_rewind bs); fi
    rm -rf "${NODE_DATA[as]}" "${NODE_DATA[bs]:-}"
fi
# the last loopback round's nodes are verified at the end
KEEP=${CACHES[-1]:0:1}$BENCH_ROUNDS
rounds loopback ""

# --- 1 Gbit/s rounds ----------------------------------------------------------
GOODPUT=0
if netns_up; then
    say "the link's goodput: $BENCH_GOODPUT_MB MB over one TCP connection in the namespace"
    read -r gp_bytes gp_secs < <("${NETNS_EXEC[@]}" python3 "$HERE/goodput.py" $((BENCH_GOODPUT_MB << 20)))
    GOODPUT=$(awk -v b="$gp_bytes" -v s="$gp_secs" 'BEGIN { printf "%.0f", b / s }')
    for cache in "${CACHES[@]}"; do
        LIMIT[1gbit,$cache]=$(awk -v m="$MIN_BYTES" -v g="$GOODPUT" 'BEGIN { printf "%.3f", m / g }')
    done
    source_into_netns new
    rounds 1gbit n
    source_out_of_netns new
    netns_down
fi

# --- figures ----------------------------------------------------------------
echo
echo "rewind vs pg_rewind to a consistent standby, $BENCH_INPUT_DESC"
echo "divergence at $DIVERGE; $BENCH_ROUNDS rounds per link and cache; rewind --jobs=$BENCH_JOBS; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "source data directory: $(du -sb "${NODE_DATA[new]}" | cut -f1) bytes, of which pg_wal $(du -sbL "${NODE_DATA[new]}/pg_wal" | cut -f1)"
echo "minimum to fetch: $MIN_BYTES bytes ($blocks_after blocks x 8 kB + $segs WAL segments)"
if [[ $GOODPUT != 0 ]]; then
    echo "limit, 1 Gbit/s: the minimum / the link's goodput ($gp_bytes bytes in $gp_secs s:" \
        "$(awk -v g="$GOODPUT" 'BEGIN { printf "%.1f", g / 2^20 }') MB/s) = ${LIMIT[1gbit,${CACHES[0]}]} s"
fi
for cache in "${CACHES[@]}"; do
    echo "limit, loopback, $cache cache: ${LIMIT_MOVED[loopback,$cache]} bytes read on the source and written on the target in ${LIMIT[loopback,$cache]} s"
done
limits=()
for key in "${!LIMIT[@]}"; do limits+=("$key=${LIMIT[$key]}"); done
python3 - "$RESULTS" "$MIN_BYTES" "${FSYNCS[rewind]}" "${FSYNCS[pg_rewind]}" "${limits[@]}" <<'EOF'
import statistics, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
minimum = int(sys.argv[2])
fsyncs = {'rewind': sys.argv[3], 'pg_rewind': sys.argv[4]}
limit = {tuple(k.split(',')): float(v) for k, v in (a.split('=') for a in sys.argv[5:])}
MB = 2 ** 20
keys = []
for r in rows:
    if (r[1], r[2]) not in keys:
        keys.append((r[1], r[2]))
def runs(tool, link, cache):
    return [r for r in rows if r[0] == tool and r[1] == link and r[2] == cache]
print()
print("time to a consistent standby, s (tool, start: medians; standby = tool + start: median/min/max):")
print(f"{'link':9} {'cache':5} {'tool':10} {'tool s':>7} {'start s':>7} {'standby s':>19} "
      f"{'limit s':>7} {'x limit':>7} {'<= 1.25x':>8} {'tool x':>7}")
for link, cache in keys:
    med = {}
    for tool in ('rewind', 'pg_rewind'):
        rs = runs(tool, link, cache)
        if not rs:
            continue
        run = [float(r[3]) for r in rs]
        start = [float(r[4]) for r in rs]
        total = [a + b for a, b in zip(run, start)]
        med[tool] = statistics.median(total)
        lim = limit.get((link, cache), 0)
        x = med[tool] / lim if lim else float('nan')
        print(f"{link:9} {cache:5} {tool:10} {statistics.median(run):7.2f} {statistics.median(start):7.2f} "
              f"{med[tool]:7.2f}/{min(total):5.2f}/{max(total):5.2f} {lim:7.2f} {x:6.2f}x "
              f"{'met' if x <= 1.25 else 'NOT met':>8} "
              f"{statistics.median(run) / lim if lim else float('nan'):6.2f}x")
    if len(med) == 2 and med['rewind'] > 0:
        print(f"{link:9} {cache:5} pg_rewind/rewind, time to a standby: {med['pg_rewind'] / med['rewind']:.1f}x")
print()
print("bytes, the last round (wire: through the namespace's loopback during the tool's run + during the start):")
print(f"{'link':9} {'cache':5} {'tool':10} {'fetched MB':>11} {'x minimum':>9} {'wire MB':>13} "
      f"{'written MB':>11} {'fsyncs':>7} {'peak RSS MB':>11}")
for link, cache in keys:
    for tool in ('rewind', 'pg_rewind'):
        rs = runs(tool, link, cache)
        if not rs:
            continue
        fetched, written, wire, wire_start = int(rs[-1][5]), int(rs[-1][6]), int(rs[-1][8]), int(rs[-1][9])
        rss = max(int(r[7]) for r in rs)
        wire_s = f"{wire / MB:.1f}+{wire_start / MB:.1f}" if link != 'loopback' else '-'
        print(f"{link:9} {cache:5} {tool:10} {fetched / MB:11.1f} {fetched / minimum:9.2f} {wire_s:>13} "
              f"{written / MB:11.1f} {fsyncs[tool]:>7} {rss / 1024:11.1f}")
EOF

echo
echo "rewind's link over time, the last round per link and cache (its --debug link lines):"
for link in loopback 1gbit; do
    for cache in "${CACHES[@]}"; do
        id=${LAST[$link,$cache]:-}
        [[ -n $id ]] || continue
        wall=$(wall_of "$SCRATCH/time-rewind-a$id")
        ref=0; [[ $link == 1gbit ]] && ref=$GOODPUT
        echo " $link, $cache cache (rewind's run: $wall s):"
        python3 "$HERE/link_timeline.py" "$SCRATCH/run-rewind-a$id.err" "$wall" "$ref"
    done
done

plan=$(sed -n '/^{/,$p' "$SCRATCH/run-rewind-a$KEEP.out" | jq -c \
    '.plan | {actions: [.actions[] | select(.bytes > 0) | {(.action): .bytes}] | add,
              identical_files, identical_bytes, blocks: .blocks.mode, replayed: .blocks.replayed_blocks}')
echo
echo "rewind's plan (last loopback round): $plan"
[[ -f $SCRATCH/walscan.txt ]] && cat "$SCRATCH/walscan.txt"
if [[ -n ${BENCH_RESULTS:-} ]]; then cp "$RESULTS" "$BENCH_RESULTS"; fi

# --- both rewound nodes of the last loopback round follow the source ----------
echo
say "verifying the last loopback round's rewound nodes as standbys of the source"
verify_standby "rewind" "a$KEEP" new
if [[ $BENCH_PG_REWIND == 1 ]]; then verify_standby "pg_rewind" "b$KEEP" new; fi

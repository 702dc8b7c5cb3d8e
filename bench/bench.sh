#!/usr/bin/env bash
# make bench: rewind against pg_rewind on the same realistic failover.
#
# The failover of bench/failover.sh (read there what it is and its
# BENCH_* settings).  The stopped old primary is copied twice per round and the two
# tools rewind the identical copies, alternating which goes first, over
# loopback and, when possible, over the 1 Gbit/s link of bench/failover.sh.
#
# Per tool it prints: wall time (median, min, max), bytes fetched from the
# source, bytes written on the target, fsync/fdatasync calls, peak RSS, and
# the ratio to pg_rewind; and the minimum a correct rewind must fetch for this
# divergence, computed independently from pg_waldump.  Both rewound nodes of
# the last loopback round are started as standbys and compared with the
# source (t/lib/harness.sh: verify_standby).
#
# How each figure is measured:
#   wall time, peak RSS, bytes written:  /usr/bin/time -v ("Elapsed",
#       "Maximum resident set size", "File system outputs" x 512 bytes)
#   bytes fetched, rewind:    --format json, .plan.bytes_fetched (file
#       contents and SHA-256 digests received, its own counter)
#   bytes fetched, pg_rewind: -P, the last progress line "N/M kB (100%)
#       copied" (file contents it copied; listing and control file reads are
#       not counted by either tool)
#   fsync calls: one extra, untimed run per tool under strace -f -c
#       -e trace=fsync,fdatasync
#   minimum: distinct main-fork blocks that the old primary's WAL references
#       after the divergence point (pg_waldump --bkp-details) x 8 kB, plus the
#       source's WAL segments from the divergence point to its insert position
#
# Variables, besides bench/failover.sh's: BENCH_ROUNDS (default 3),
# BENCH_JOBS (rewind --jobs, default 8),
# BENCH_PG_REWIND=0 to time rewind
# alone, BENCH_COLD=1 to empty the page cache before every timed run (root
# only), BENCH_RESULTS to keep the raw per-run figures (tool,
# link, wall s, fetched, written, peak RSS kB) in that file.  A quick look:
# BENCH_SCALE=50 BENCH_HISTORY=100000 BENCH_BEFORE=20000 BENCH_ROUNDS=1.
set -euo pipefail

BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_JOBS=${BENCH_JOBS:-8}
BENCH_PG_REWIND=${BENCH_PG_REWIND:-1}
BENCH_COLD=${BENCH_COLD:-0}
# shellcheck source=bench/failover.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover.sh"
[[ $BENCH_COLD == 0 || $(id -u) == 0 ]] || { echo "bench: BENCH_COLD=1 needs root (it writes /proc/sys/vm/drop_caches)"; exit 1; }
[[ $BENCH_PG_REWIND == 0 || -x $PG_REWIND_REF ]] || { echo "bench: pg_rewind not found at $PG_REWIND_REF"; exit 1; }
HAVE_STRACE=0; command -v strace >/dev/null && HAVE_STRACE=1

bench_failover

# --- the minimum, from pg_waldump --------------------------------------------
# pg_waldump stops with an error at the end of WAL: that is expected
as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$DIVERGE" --bkp-details \
    >"$SCRATCH/waldump.txt" 2>/dev/null || true
blocks_after=$(grep -o 'blkref #[0-9]*: rel [0-9/]* \(fork [a-z]* \)\?blk [0-9]*' "$SCRATCH/waldump.txt" \
    | { grep -v ' fork \(fsm\|vm\|init\) ' || true; } | sed 's/blkref #[0-9]*: //; s/ fork main//' \
    | sort -u | wc -l)
segs=$(( $(lsn_to_int "$SRC_END") / WAL_SEG_SIZE - $(lsn_to_int "$DIVERGE") / WAL_SEG_SIZE + 1 ))
MIN_BYTES=$(( blocks_after * 8192 + segs * WAL_SEG_SIZE ))
say "minimum: $blocks_after blocks x 8 kB + $segs WAL segments = $MIN_BYTES bytes"

# --- the WAL scan rate (issue 5, part 5) --------------------------------------
if [[ -n "${WALSCAN_BIN:-}" ]]; then
    say "scanning the old primary's WAL"
    "$WALSCAN_BIN" "${NODE_DATA[old]}" 15 | tee "$SCRATCH/walscan.txt" >&2
fi

# --- one run ----------------------------------------------------------------
RESULTS=$SCRATCH/results.tsv
: >"$RESULTS"

# run_tool TOOL NODE LINK — rewind NODE from new; append a line to RESULTS:
# tool link wall_s fetched written rss_kb
run_tool() {
    local tool=$1 node=$2 link=$3
    local out=$SCRATCH/run-$tool-$node.out tv=$SCRATCH/time-$tool-$node
    local conn="host=127.0.0.1 port=${NODE_PORT[new]} user=postgres dbname=postgres"
    local cmd=() wrap=() fetched
    if [[ $tool == rewind ]]; then
        cmd=("$TOOL" -D "${NODE_DATA[$node]}" --source-server="$conn" -R --jobs="$BENCH_JOBS" --format json)
    else
        cmd=("$PG_REWIND_REF" -D "${NODE_DATA[$node]}" --source-server="$conn" -R -P)
    fi
    [[ $link == 1gbit ]] && wrap=("${NETNS_EXEC[@]}")
    if [[ $BENCH_COLD == 1 ]]; then sync; echo 3 >/proc/sys/vm/drop_caches; fi
    "${wrap[@]}" "${AS_OWNER[@]}" "$TIME" -v -o "$tv" "${cmd[@]}" >"$out" 2>&1 || {
        echo "bench: $tool failed:"; tail -n 20 "$out"; exit 1; }
    if [[ $tool == rewind ]]; then
        fetched=$(sed -n '/^{/,$p' "$out" | jq '.plan.bytes_fetched')
    else
        fetched=$(grep -o '[0-9]*/[0-9]* kB (100%) copied' "$out" | tail -n 1 | cut -d/ -f1)
        fetched=$(( ${fetched:-0} * 1024 ))
    fi
    awk -v tool="$tool" -v link="$link" -v fetched="$fetched" -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /Maximum resident set size/ { rss = $2 }
        /File system outputs/ { out = $2 * 512 }
        END { printf "%s\t%s\t%.2f\t%.0f\t%.0f\t%.0f\n", tool, link, w, fetched, out, rss }' "$tv" >>"$RESULTS"
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

# both_tools ROUND LINK — rewind aROUND and pg_rewind bROUND, alternating
# which goes first
both_tools() {
    local r=$1 link=$2 first=rewind
    ((${r//[!0-9]/} % 2)) || first=pg_rewind
    if [[ $BENCH_PG_REWIND == 0 ]]; then run_tool rewind "a$r" "$link"; return; fi
    if [[ $first == rewind ]]; then run_tool rewind "a$r" "$link"; run_tool pg_rewind "b$r" "$link"
    else run_tool pg_rewind "b$r" "$link"; run_tool rewind "a$r" "$link"; fi
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
for ((r = 1; r <= BENCH_ROUNDS; r++)); do
    say "round $r of $BENCH_ROUNDS (loopback)"
    fresh_pair "$r"
    both_tools "$r" loopback
    if ((r < BENCH_ROUNDS)); then rm -rf "${NODE_DATA[a$r]}" "${NODE_DATA[b$r]:-}"; fi
done

# --- 1 Gbit/s rounds ----------------------------------------------------------
if netns_up; then
    source_into_netns new
    for ((r = 1; r <= BENCH_ROUNDS; r++)); do
        say "round $r of $BENCH_ROUNDS (1 Gbit/s)"
        fresh_pair "n$r"
        both_tools "n$r" 1gbit
        rm -rf "${NODE_DATA[an$r]}" "${NODE_DATA[bn$r]:-}"
    done
    source_out_of_netns new
    netns_down
fi

# --- figures ----------------------------------------------------------------
echo
echo "rewind vs pg_rewind: pgbench scale $BENCH_SCALE, divergence at $DIVERGE, $BENCH_ROUNDS rounds, rewind --jobs=$BENCH_JOBS"
echo "source data directory: $(du -sb "${NODE_DATA[new]}" | cut -f1) bytes, of which pg_wal $(du -sbL "${NODE_DATA[new]}/pg_wal" | cut -f1); minimum to fetch: $MIN_BYTES bytes"
python3 - "$RESULTS" "$MIN_BYTES" "${FSYNCS[rewind]}" "${FSYNCS[pg_rewind]}" <<'EOF'
import statistics, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
minimum = int(sys.argv[2])
fsyncs = {'rewind': sys.argv[3], 'pg_rewind': sys.argv[4]}
links = sorted({r[1] for r in rows}, key=lambda l: l != 'loopback')
print(f"{'link':9} {'tool':10} {'wall s med/min/max':>20} {'fetched MB':>11} {'x minimum':>9} "
      f"{'written MB':>11} {'fsyncs':>7} {'peak RSS MB':>11}")
for link in links:
    med = {}
    for tool in ('rewind', 'pg_rewind'):
        rs = [r for r in rows if r[0] == tool and r[1] == link]
        if not rs:
            continue
        wall = [float(r[2]) for r in rs]
        fetched = int(rs[-1][3]); written = int(rs[-1][4]); rss = max(int(r[5]) for r in rs)
        med[tool] = statistics.median(wall)
        print(f"{link:9} {tool:10} {med[tool]:8.2f}/{min(wall):5.2f}/{max(wall):5.2f} "
              f"{fetched / 2**20:11.1f} {fetched / minimum:9.2f} {written / 2**20:11.1f} "
              f"{fsyncs[tool]:>7} {rss / 1024:11.1f}")
    if len(med) == 2 and med['rewind'] > 0:
        print(f"{link:9} pg_rewind/rewind wall time ratio: {med['pg_rewind'] / med['rewind']:.1f}x")
EOF

plan=$(sed -n '/^{/,$p' "$SCRATCH/run-rewind-a$BENCH_ROUNDS.out" | jq -c \
    '.plan | {actions: [.actions[] | select(.bytes > 0) | {(.action): .bytes}] | add,
              identical_files, identical_bytes, blocks: .blocks.mode, replayed: .blocks.replayed_blocks}')
echo "rewind's plan (last loopback round): $plan"
[[ -f $SCRATCH/walscan.txt ]] && cat "$SCRATCH/walscan.txt"
if [[ -n ${BENCH_RESULTS:-} ]]; then cp "$RESULTS" "$BENCH_RESULTS"; fi

# --- both rewound nodes of the last loopback round follow the source ----------
echo
say "verifying the last round's rewound nodes as standbys of the source"
verify_standby "rewind" "a$BENCH_ROUNDS" new
if [[ $BENCH_PG_REWIND == 1 ]]; then verify_standby "pg_rewind" "b$BENCH_ROUNDS" new; fi

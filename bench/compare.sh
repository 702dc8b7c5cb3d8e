#!/usr/bin/env bash
# make bench-compare: the resynchronization ladder's steps 4 and 3 on the
# failover of bench/failover.sh (read there what it is and its BENCH_*
# settings).
#
# Step 4 against a re-clone, over the 1 Gbit/s link: a copy of the stopped
# old primary whose WAL after the divergence is removed (the segments after
# the one holding the divergence point) is rewound with
# rewind --method=compare -R; then the same source is cloned again with
# pg_basebackup -X stream -R into an empty directory.  For both: the time
# until the node is a consistent standby (the rewind or the clone, then
# pg_ctl start -w of the node inside the namespace, which returns once the
# hot standby accepts read-only connections), and the bytes on the wire
# (the namespace's loopback counter, /sys/class/net/lo/statistics/tx_bytes,
# over the rewind or clone and the start; also rewind's --format json
# .plan.bytes_fetched and the size of what pg_basebackup wrote).  Both nodes
# are verified as standbys of the source (t/lib/harness.sh: verify_standby),
# the compare's before the clone is taken (one copy on disk at a time).
# The goals (issue 15): the compare at least 3x faster than the re-clone,
# its bytes on the wire within 1.2x of the bytes that differ plus the WAL;
# the compare's phases are printed from its --debug lines.  The bytes that differ are computed here, not taken
# from rewind: every file of the clone (what the source held) against the
# untouched old primary, relation files per 8 kB block (a block the old
# primary lacks or holds otherwise), other files whole when their content
# differs, pg_wal left out; the WAL is the size of the clone's pg_wal (what
# pg_basebackup streamed from its backup's start to its stop: a base backup
# needs no more).
#
# Step 3 against step 1, over loopback, the target's WAL kept: the time of
# rewind --method=pagelsn against --method=wal, as a dry run and as a run,
# each on its own copy of the old primary.
#
# Variables, besides bench/failover.sh's: BENCH_JOBS (rewind --jobs,
# default 8), BENCH_ROUNDS (runs of each timed step 3 / step 1 command,
# default 3; the dry runs repeat on the same copy, each run gets a fresh
# one).  Disk: the source, the old primary and one copy of it at a time:
# some 18 GB at scale 300.  A quick look: BENCH_SCALE=50
# BENCH_HISTORY=100000 BENCH_BEFORE=20000 BENCH_ROUNDS=1.
set -euo pipefail

BENCH_JOBS=${BENCH_JOBS:-8}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
# shellcheck source=bench/failover.sh
source "$(dirname "${BASH_SOURCE[0]}")/failover.sh"

# timed SECONDS_VAR CMD... — run CMD, store its wall time in seconds
timed() {
    local -n _secs=$1; shift
    local t0 t1
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    _secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
}

# rewind_node NODE OUT ARGS... — rewind NODE from the source "new" (by TCP:
# inside the namespace when the source is there), the JSON plan into OUT
rewind_node() {
    local node=$1 out=$2; shift 2
    local wrap=()
    [[ ${SOURCE_IN_NETNS:-0} == 1 ]] && wrap=("${NETNS_EXEC[@]}")
    "${wrap[@]}" "${AS_OWNER[@]}" "$TOOL" -D "${NODE_DATA[$node]}" --source-server="$(source_connstr new)" \
        --jobs="$BENCH_JOBS" --format json "$@" >"$out" 2>"$out.err" || {
        echo "bench: rewind $* failed:"; tail -n 20 "$out.err"; exit 1; }
}
json_of() { jq -r "$2" "$1"; }

bench_failover

# --- step 3 against step 1: loopback, the target's WAL kept -----------------
declare -A DRY=() RUN=()
step_time() {   # METHOD — fills DRY[METHOD] and RUN[METHOD] (space-separated seconds)
    local method=$1 r secs node
    node_copy old "dry_$method"
    for ((r = 1; r <= BENCH_ROUNDS; r++)); do
        timed secs rewind_node "dry_$method" "$SCRATCH/dry-$method.json" --dry-run --method="$method"
        DRY[$method]+="$secs "
    done
    rm -rf "${NODE_DATA[dry_$method]}"
    for ((r = 1; r <= BENCH_ROUNDS; r++)); do
        node=run_${method}_$r
        node_copy old "$node"
        timed secs rewind_node "$node" "$SCRATCH/run-$method.json" --method="$method" -R
        RUN[$method]+="$secs "
        [[ $(json_of "$SCRATCH/run-$method.json" .plan.method.name) == "$method" ]] || {
            echo "bench: --method=$method ran as $(json_of "$SCRATCH/run-$method.json" .plan.method.name)"; exit 1; }
        rm -rf "${NODE_DATA[$node]}"
    done
}
say "step 3 (pagelsn) against step 1 (wal), loopback, $BENCH_ROUNDS rounds"
step_time wal
step_time pagelsn

# --- step 4 against a re-clone, over the 1 Gbit/s link ---------------------
# drop_wal_after_divergence NODE — remove the old timeline's WAL segments
# after the one holding the divergence point
drop_wal_after_divergence() {
    local dir=${NODE_DATA[$1]}/pg_wal f seg keep n=0
    keep=$(( $(lsn_to_int "$DIVERGE") / WAL_SEG_SIZE ))
    for f in "$dir"/00000001????????????????; do
        [[ -f $f ]] || continue
        seg=$(basename "$f")
        if (( 16#${seg:8:8} * 256 + 16#${seg:16:8} > keep )); then rm -f "$f"; n=$((n + 1)); fi
    done
    say "removed $n WAL segments after the divergence from $1"
}

# differing_bytes SOURCE_COPY TARGET — bytes of SOURCE_COPY that TARGET lacks
# or holds otherwise (see the header); prints "relation other"
differing_bytes() {
    python3 - "${NODE_DATA[$1]}" "${NODE_DATA[$2]}" <<'PY'
import os, re, sys
src, tgt = sys.argv[1], sys.argv[2]
BLCKSZ, CHUNK = 8192, 1 << 20
relfile = re.compile(r'^(base/\d+|global|pg_tblspc/\d+/[^/]+/\d+)/\d+(_(fsm|vm|init))?(\.\d+)?$')
rel = other = 0
for root, dirs, files in os.walk(src, followlinks=True):
    r = os.path.relpath(root, src)
    if r == 'pg_wal' or r.startswith('pg_wal/'):
        dirs[:] = []
        continue
    for name in files:
        path = os.path.normpath(os.path.join(r, name))
        a = os.path.join(src, path)
        b = os.path.join(tgt, path)
        size = os.path.getsize(a)
        if not os.path.exists(b):
            if relfile.match(path): rel += size
            else: other += size
            continue
        with open(a, 'rb') as fa, open(b, 'rb') as fb:
            if not relfile.match(path):
                if fa.read() != fb.read(): other += size
                continue
            while True:
                ca, cb = fa.read(CHUNK), fb.read(CHUNK)
                if not ca: break
                if ca == cb: continue
                for i in range(0, len(ca), BLCKSZ):
                    if ca[i:i + BLCKSZ] != cb[i:i + BLCKSZ]:
                        rel += len(ca[i:i + BLCKSZ])
print(rel, other)
PY
}

if netns_up; then
    node_copy old cmp
    drop_wal_after_divergence cmp
    # no later step reads the old primary's WAL (the bytes that differ leave
    # pg_wal out): freed, so that the disk holds less at once
    find "${NODE_DATA[old]}/pg_wal" -maxdepth 1 -type f -name '0000*' -delete
    source_into_netns new; SOURCE_IN_NETNS=1
    say "step 4: rewind --method=compare over 1 Gbit/s"
    b0=$(netns_bytes)
    timed CMP_REWIND rewind_node cmp "$SCRATCH/compare.json" --method=compare -R --debug
    timed CMP_START netns_start cmp
    b1=$(netns_bytes)
    [[ $(node_psql cmp "SELECT pg_is_in_recovery()") == t ]] || { echo "bench: cmp is not a standby"; exit 1; }
    node_stop cmp fast
    CMP_FETCHED=$(json_of "$SCRATCH/compare.json" .plan.bytes_fetched)
    [[ $(json_of "$SCRATCH/compare.json" .plan.method.name) == compare ]] || { echo "bench: not a compare"; exit 1; }
    # verified now and removed, so that the disk holds one copy at a time
    source_out_of_netns new; SOURCE_IN_NETNS=0
    say "verifying the compare's node as a standby of the source"
    verify_standby "compare" cmp new
    rm -rf "${NODE_DATA[cmp]}"
    source_into_netns new; SOURCE_IN_NETNS=1

    say "re-clone: pg_basebackup -X stream over 1 Gbit/s"
    _node_dirs clone
    b2=$(netns_bytes)
    timed CLONE_COPY "${NETNS_EXEC[@]}" "${AS_OWNER[@]}" "$PGCLIENT/pg_basebackup" -D "${NODE_DATA[clone]}" \
        -h 127.0.0.1 -p "${NODE_PORT[new]}" -U postgres -X stream -R -c fast
    CLONE_WRITTEN=$(du -sb "${NODE_DATA[clone]}" | cut -f1)
    CLONE_WAL=$(du -sb "${NODE_DATA[clone]}/pg_wal" | cut -f1)
    b3=$(netns_bytes)
    timed CLONE_START netns_start clone
    b4=$(netns_bytes)
    [[ $(node_psql clone "SELECT pg_is_in_recovery()") == t ]] || { echo "bench: clone is not a standby"; exit 1; }
    node_stop clone fast
    source_out_of_netns new; SOURCE_IN_NETNS=0
    netns_down

    say "the bytes that differ (the clone, before its start, against the untouched old primary)"
    read -r DIFF_REL DIFF_OTHER < <(differing_bytes clone old)
    WIRE_CMP=$((b1 - b0)); WIRE_CLONE=$((b4 - b2 + 0)); WIRE_CLONE_COPY=$((b3 - b2))
    HAVE_STEP4=1
else
    HAVE_STEP4=0
fi

# --- figures ------------------------------------------------------------------
echo
echo "rewind's ladder: pgbench scale $BENCH_SCALE, divergence at $DIVERGE, rewind --jobs=$BENCH_JOBS, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "source data directory: $(du -sb "${NODE_DATA[new]}" | cut -f1) bytes, of which pg_wal $(du -sbL "${NODE_DATA[new]}/pg_wal" | cut -f1)"
python3 - "${DRY[wal]}" "${DRY[pagelsn]}" "${RUN[wal]}" "${RUN[pagelsn]}" <<'PY'
import statistics, sys
d_wal, d_lsn, r_wal, r_lsn = ([float(x) for x in a.split()] for a in sys.argv[1:5])
def f(v): return f"{statistics.median(v):7.2f} ({min(v):.2f}-{max(v):.2f})"
print()
print("step 3 against step 1 (loopback, target WAL kept), wall s median (min-max):")
print(f"  {'':8} {'--method=wal':>22} {'--method=pagelsn':>22} {'pagelsn/wal':>11}")
print(f"  {'dry run':8} {f(d_wal):>22} {f(d_lsn):>22} {statistics.median(d_lsn) / statistics.median(d_wal):10.2f}x")
print(f"  {'run':8} {f(r_wal):>22} {f(r_lsn):>22} {statistics.median(r_lsn) / statistics.median(r_wal):10.2f}x")
PY
if [[ $HAVE_STEP4 == 1 ]]; then
    python3 - "$CMP_REWIND" "$CMP_START" "$WIRE_CMP" "$CMP_FETCHED" \
        "$CLONE_COPY" "$CLONE_START" "$WIRE_CLONE" "$WIRE_CLONE_COPY" "$CLONE_WRITTEN" \
        "$DIFF_REL" "$DIFF_OTHER" "$CLONE_WAL" <<'PY'
import sys
(c_run, c_start, c_wire, c_fetched, k_copy, k_start, k_wire, k_wire_copy, k_written,
 d_rel, d_other, wal) = (float(x) for x in sys.argv[1:13])
MB = 2 ** 20
print()
print("step 4 against a re-clone (1 Gbit/s, target WAL after the divergence removed):")
print(f"  {'':28} {'copy s':>7} {'start s':>7} {'total s':>7} {'wire MB':>9} {'tool MB':>9}")
print(f"  {'rewind --method=compare':28} {c_run:7.2f} {c_start:7.2f} {c_run + c_start:7.2f} {c_wire / MB:9.1f} {c_fetched / MB:9.1f}")
print(f"  {'pg_basebackup -X stream':28} {k_copy:7.2f} {k_start:7.2f} {k_copy + k_start:7.2f} {k_wire / MB:9.1f} {k_written / MB:9.1f}")
print("  (wire: the namespace's loopback over the copy and the start; tool: rewind's bytes_fetched,"
      " the size pg_basebackup wrote)")
need = d_rel + d_other + wal
speed = (k_copy + k_start) / (c_run + c_start)
ratio = c_wire / need
print(f"  differ: {d_rel / MB:.1f} MB of relation blocks + {d_other / MB:.1f} MB of other files;"
      f" WAL (the clone's pg_wal) {wal / MB:.1f} MB; differ + WAL {need / MB:.1f} MB"
      f" = {need / k_written * 100:.1f}% of the clone")
print(f"  re-clone / compare time: {speed:.2f}x (goal >= 3x: {'met' if speed >= 3 else 'NOT met'})")
print(f"  compare wire bytes / (differ + WAL): {ratio:.2f}x (goal <= 1.2x: {'met' if ratio <= 1.2 else 'NOT met'});"
      f" by rewind's own count {c_fetched / need:.2f}x")
PY
    plan=$(jq -c '.plan | {method: .method.name, actions: [.actions[] | select(.bytes > 0) | {(.action): .bytes}] | add,
                  identical_files, identical_bytes}' "$SCRATCH/compare.json")
    echo "  rewind's plan: $plan"
    # where the compare's time went (its --debug lines carry the time since its start)
    grep -E 'debug: [0-9.]+ s: (listing the source|compared [0-9]+ files|journal started|plan executed|fetched [0-9]+ bytes)' \
        "$SCRATCH/compare.json.err" | sed 's/^rewind: debug: /  rewind --method=compare at /' || true
    echo
    say "verifying the re-clone as a standby of the source"
    verify_standby "pg_basebackup" clone new
fi

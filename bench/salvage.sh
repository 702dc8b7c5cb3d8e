#!/usr/bin/env bash
# make bench-salvage: the peak memory of --salvage against the number of rows
# the old primary loses.
#
# PostgreSQL 15.  For each size N in SALVAGE_SIZES (default "20000 2000000"):
# a table of N/2 rows, a failover, then on the old primary N/2 rows inserted
# and the N/2 older rows updated (non-HOT: a new version on another page),
# in transactions of SALVAGE_BATCH rows (default 10000; SALVAGE_BATCH=1000000
# makes them two transactions of 1 million rows at size 2000000: 2 MB above
# size 20000 with --salvage, 0.1 MB without, where the divergence ledger
# that held each row change until the commit took 98 MB), so
# the salvage saves N/2 + N/2 written and N/2 removed versions and the WAL
# facts it collects cover N lost row changes.  The stopped old primary is
# rewound with --dry-run --salvage under /usr/bin/time -v; printed per size:
# peak RSS ("Maximum resident set size") with and without --salvage, wall
# time, rows saved (from the manifest), and at the end the growth per lost
# row between the first and the last size.
set -euo pipefail

SALVAGE_SIZES=${SALVAGE_SIZES:-"20000 2000000"}
SALVAGE_BATCH=${SALVAGE_BATCH:-10000}
export PG_MAJOR=15 HARNESS_MODE=demo
: "${REWIND_BIN:?set REWIND_BIN (make bench-salvage does)}"
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../t/lib/harness.sh"
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "bench: /usr/bin/time is needed (apt-get install time)"; exit 1; }
command -v jq >/dev/null || { echo "bench: jq is needed"; exit 1; }

say() { printf '== %s %s\n' "$(date +%T)" "$*" >&2; }

declare -A RSS BASE
run_size() {
    local n=$1 half=$(($1 / 2)) old="old$1" new="new$1" dir rc=0
    say "size $n: $half rows, failover, $half inserted and $half updated on the old primary"
    node_init "$old" --checksums
    node_conf "$old" "max_wal_size = '8GB'" "wal_keep_size = '4GB'" "shared_buffers = '128MB'" \
        "synchronous_commit = off"
    node_start "$old"
    node_psql "$old" "CREATE TABLE lost (id int PRIMARY KEY, v text) WITH (fillfactor = 100);
INSERT INTO lost SELECT g, 'row ' || g FROM generate_series(1, $half) g; CHECKPOINT;"
    node_failover "$old" "$new"
    # in transactions of SALVAGE_BATCH rows
    node_psql "$old" "DO \$\$ BEGIN
  FOR b IN 0 .. ($half - 1) / $SALVAGE_BATCH LOOP
    INSERT INTO lost SELECT g, 'lost insert ' || g
      FROM generate_series($half + 1 + b * $SALVAGE_BATCH, least($half + (b + 1) * $SALVAGE_BATCH, 2 * $half)) g;
    COMMIT;
  END LOOP;
  FOR b IN 0 .. ($half - 1) / $SALVAGE_BATCH LOOP
    UPDATE lost SET v = v || ' updated' WHERE id > b * $SALVAGE_BATCH AND id <= least((b + 1) * $SALVAGE_BATCH, $half);
    COMMIT;
  END LOOP;
END \$\$"
    node_stop "$old" fast
    sync
    # the same dry run without --salvage: what the rest of the run takes
    as_pg "$TIME" -v "$TOOL" --target-pgdata="${NODE_DATA[$old]}" \
        --source-server="$(source_connstr "$new")" --dry-run >/dev/null 2>"$SCRATCH/plain-$n.err" || {
        echo "bench: the dry run of size $n without --salvage failed:"; tail -n 20 "$SCRATCH/plain-$n.err"; exit 1; }
    BASE[$n]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$SCRATCH/plain-$n.err")
    dir=$SCRATCH/salvage-$n
    as_pg "$TIME" -v "$TOOL" --target-pgdata="${NODE_DATA[$old]}" \
        --source-server="$(source_connstr "$new")" --dry-run --salvage "$dir" \
        >"$SCRATCH/salvage-$n.out" 2>"$SCRATCH/salvage-$n.err" || rc=$?
    if [[ $rc != 0 ]]; then
        echo "bench: the dry run of size $n failed (exit status $rc):"; tail -n 20 "$SCRATCH/salvage-$n.err"
        exit 1
    fi
    RSS[$n]=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$SCRATCH/salvage-$n.err")
    printf '%-9s lost rows %9d: peak RSS %8d kB (%d kB without --salvage), wall %s, saved %s written + %s removed\n' \
        salvage "$n" "${RSS[$n]}" "${BASE[$n]}" "$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$SCRATCH/salvage-$n.err")" \
        "$(jq '[.tables[].files.written.rows // 0] | add' "$dir/manifest.json")" \
        "$(jq '[.tables[].files.removed.rows // 0] | add' "$dir/manifest.json")"
    node_stop "$new" fast
}

sizes=()
for n in $SALVAGE_SIZES; do run_size "$n"; sizes+=("$n"); done
if ((${#sizes[@]} >= 2)); then
    lo=${sizes[0]} hi=${sizes[-1]}
    printf 'salvage   growth from %d to %d lost rows: %d kB, %.1f bytes per lost row (without --salvage: %d kB)\n' \
        "$lo" "$hi" $((RSS[$hi] - RSS[$lo])) \
        "$(awk -v a="${RSS[$hi]}" -v b="${RSS[$lo]}" -v h="$hi" -v l="$lo" 'BEGIN {print (a - b) * 1024 / (h - l)}')" \
        $((BASE[$hi] - BASE[$lo]))
fi

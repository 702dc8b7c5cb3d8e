#!/usr/bin/env bash
# make bench-relations: does a cluster with many relations cost more to
# rewind than a small one, when the divergence is the same?  (Issue 17:
# 200,000 relations cost no more than 1 s more than 2,000, and rewind's
# memory stays under 64 MB.)
#
# PostgreSQL 15.  Per case (REL_SMALL and REL_LARGE relations with storage,
# default 2000 and 200000): a primary holding a table `diverge` of 10,000
# rows and list-partitioned tables, REL_PER_PARENT partitions each (default
# 1000), every partition with its heap and the partition of its parent's
# index: two relation files per partition, so REL/2 partitions, created one
# parent per transaction in DO blocks.  A standby (pg_basebackup) follows it,
# is promoted (the failover), and then on each side the same 1,000 rows of
# `diverge` are updated: the divergence does not depend on the case.  The
# stopped old primary is copied once per run, all copies made before the
# first; one untimed run warms the page cache, then REL_ROUNDS timed runs
# (default 3) of
#   rewind -D COPY --source-server=... -R REL_ARGS...
# over loopback under /usr/bin/time -v ("Elapsed (wall clock)", "Maximum
# resident set size").  The relation count printed is PostgreSQL's own:
# pg_class rows with a file (pg_relation_filenode), all databases' catalogs
# aside.  The rewound node of the last round is started as a standby of its
# source and compared with it (t/lib/harness.sh: verify_standby) in the
# small case, and with REL_VERIFY=all in the large one too (a comparison
# of 100,000 tables and pg_amcheck of as many indexes: over 10 minutes on
# 2 cores).
#
# Printed: per case the relations, median/min/max wall time and peak RSS;
# then the difference of the medians and whether it meets "no more than 1 s
# more" and "peak RSS under 64 MB" (the exit status stays 0 either way:
# this is a measure, a failed verification alone fails it).
#
# Variables: REL_SMALL, REL_LARGE, REL_PER_PARENT, REL_ROUNDS, REL_ARGS
# (further rewind options, split on spaces), REL_VERIFY (small or all),
# REL_RESULTS (keep the raw per-run figures: case, wall s, peak RSS kB),
# REL_HOLD (a directory: once both cases are measured, both sources stay up
# and their stopped old primaries stay, named in REL_HOLD/NAME.env, until
# REL_HOLD/release exists, so that another build can be timed on the same
# clusters without building them again).
# Setting up the large case takes some minutes on 2 cores (the catalog of
# 200,000 relations is written, then copied by pg_basebackup), and about
# 2.2 GB of disk per copy of its data directory (REL_ROUNDS + 3 of them).
set -euo pipefail

REL_SMALL=${REL_SMALL:-2000}
REL_LARGE=${REL_LARGE:-200000}
REL_PER_PARENT=${REL_PER_PARENT:-1000}
REL_ROUNDS=${REL_ROUNDS:-3}
REL_ARGS=${REL_ARGS:-}
REL_VERIFY=${REL_VERIFY:-small}
export PG_MAJOR=15 HARNESS_MODE=demo
: "${REWIND_BIN:?set REWIND_BIN (make bench-relations does)}"
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../t/lib/harness.sh"
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "bench: /usr/bin/time is needed (apt-get install time)"; exit 1; }
[[ -z ${REL_HOLD:-} || -d $REL_HOLD ]] || { echo "bench: REL_HOLD must be an existing directory"; exit 1; }
[[ $REL_VERIFY == all || $REL_VERIFY == small ]] || { echo "bench: REL_VERIFY must be all or small"; exit 1; }
((REL_ROUNDS >= 1 && REL_PER_PARENT >= 1 && REL_SMALL >= 2 && REL_LARGE >= REL_SMALL)) || {
    echo "bench: needs REL_ROUNDS >= 1, REL_PER_PARENT >= 1, 2 <= REL_SMALL <= REL_LARGE"; exit 1; }
read -r -a EXTRA <<<"$REL_ARGS"

say() { printf '== %s %s\n' "$(date +%T)" "$*" >&2; }
# as the clusters' owner, without as_pg's PATH (the tools are named in full)
if [[ $(id -u) -eq 0 ]]; then AS_OWNER=(runuser -u "$PG_OS_USER" --); else AS_OWNER=(); fi

RESULTS=$SCRATCH/results.tsv
: >"$RESULTS"
declare -A RELS

# make_relations NODE N — N/2 partitions (heap + index each), REL_PER_PARENT
# to a parent, one parent and its partitions per transaction
make_relations() {
    local node=$1 parts=$(($2 / 2))
    node_psql "$node" "DO \$\$
DECLARE parents int := ($parts + $REL_PER_PARENT - 1) / $REL_PER_PARENT; n int;
BEGIN
  FOR p IN 1 .. parents LOOP
    EXECUTE format('CREATE TABLE parent_%s (k int, v int) PARTITION BY LIST (k)', p);
    EXECUTE format('CREATE INDEX ON parent_%s (v)', p);
    n := least($REL_PER_PARENT, $parts - (p - 1) * $REL_PER_PARENT);
    FOR i IN 1 .. n LOOP
      EXECUTE format('CREATE TABLE part_%s_%s PARTITION OF parent_%s FOR VALUES IN (%s)', p, i, p, i);
    END LOOP;
    COMMIT;
  END LOOP;
END \$\$"
}

# build_case NAME N — the stopped old primary oldNAME and its promoted
# standby newNAME (running), diverged in the same way whatever N
build_case() {
    local name=$1 n=$2 old="old$1" new="new$1" change
    say "$name: $n relations, failover, the same 1,000 rows changed on each side"
    node_init "$old" --checksums
    node_conf "$old" "max_locks_per_transaction = 1024" "max_wal_size = '4GB'" \
        "shared_buffers = '128MB'" "synchronous_commit = off"
    node_start "$old"
    node_psql "$old" "CREATE TABLE diverge (id int PRIMARY KEY, v int);
INSERT INTO diverge SELECT g, 0 FROM generate_series(1, 10000) g;"
    make_relations "$old" "$n"
    node_checkpoint "$old"
    RELS[$name]=$(node_psql "$old" "SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
 WHERE s.nspname = 'public' AND pg_relation_filenode(c.oid) IS NOT NULL")
    node_failover "$old" "$new"
    change="UPDATE diverge SET v = v + 1 WHERE id <= 1000"
    node_psql "$new" "$change"
    node_psql "$old" "$change"
    node_checkpoint "$new"
    node_stop "$old" fast
}

# run_once NAME COPY TIMED — rewind COPY (a copy of oldNAME) from newNAME
run_once() {
    local name=$1 copy=$2 timed=$3 tv=$SCRATCH/time-$2
    "${AS_OWNER[@]}" "$TIME" -v -o "$tv" "$TOOL" -D "${NODE_DATA[$copy]}" \
        --source-server="$(source_connstr "new$name")" -R "${EXTRA[@]}" >"$SCRATCH/run-$copy.out" 2>&1 || {
        echo "bench: rewind of $copy failed:"; tail -n 20 "$SCRATCH/run-$copy.out"; exit 1; }
    [[ $timed == 1 ]] || return 0
    awk -v name="$name" -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
        /Maximum resident set size/ { rss = $2 }
        END { printf "%s\t%.2f\t%.0f\n", name, w, rss }' "$tv" >>"$RESULTS"
}

# run_case NAME N — every copy made before the first run (removing 200,000
# files between runs would take longer than the runs and load the disk
# under them); all are removed once the case is measured
run_case() {
    local name=$1 n=$2 r
    build_case "$name" "$n"
    say "$name: $((REL_ROUNDS + 1)) copies of the old primary"
    for ((r = 0; r <= REL_ROUNDS; r++)); do node_copy "old$name" "$name$r"; done
    say "$name: a warm-up run, then $REL_ROUNDS timed runs"
    run_once "$name" "${name}0" 0
    for ((r = 1; r <= REL_ROUNDS; r++)); do run_once "$name" "$name$r" 1; done
    if [[ $name == small || $REL_VERIFY == all ]]; then
        say "$name: verifying the last rewound node as a standby of its source"
        verify_standby "$name" "$name$REL_ROUNDS" "new$name"
    fi
    for ((r = 0; r <= REL_ROUNDS; r++)); do rm -rf "${NODE_DATA[$name$r]}"; done
    if [[ -n ${REL_HOLD:-} ]]; then
        printf 'SOURCE=%q\nOLD=%q\nOWNER=%q\n' "$(source_connstr "new$name")" \
            "${NODE_DATA[old$name]}" "$PG_OS_USER" >"$REL_HOLD/$name.env"
    else
        node_stop "new$name" fast
    fi
}

run_case small "$REL_SMALL"
run_case large "$REL_LARGE"

echo
echo "rewind with many relations: the same divergence, $REL_ROUNDS warm runs per case${REL_ARGS:+, options $REL_ARGS}"
python3 - "$RESULTS" "${RELS[small]}" "${RELS[large]}" <<'EOF'
import statistics, sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
rels = {'small': int(sys.argv[2]), 'large': int(sys.argv[3])}
med, rss = {}, {}
print(f"{'case':6} {'relations':>10} {'wall s med/min/max':>20} {'peak RSS MB':>11}")
for case in ('small', 'large'):
    wall = [float(r[1]) for r in rows if r[0] == case]
    med[case] = statistics.median(wall)
    rss[case] = max(int(r[2]) for r in rows if r[0] == case) / 1024
    print(f"{case:6} {rels[case]:10d} {med[case]:8.2f}/{min(wall):5.2f}/{max(wall):5.2f} {rss[case]:11.1f}")
diff = med['large'] - med['small']
print(f"large - small: {diff:+.2f} s ({'meets' if diff <= 1.0 else 'MISSES'} <= 1 s more); "
      f"peak RSS {max(rss.values()):.1f} MB ({'meets' if max(rss.values()) < 64 else 'MISSES'} < 64 MB)")
EOF
if [[ -n ${REL_RESULTS:-} ]]; then cp "$RESULTS" "$REL_RESULTS"; fi
if [[ -n ${REL_HOLD:-} ]]; then
    say "holding the clusters (REL_HOLD/*.env) until $REL_HOLD/release exists"
    until [[ -e $REL_HOLD/release ]]; do sleep 5; done
fi

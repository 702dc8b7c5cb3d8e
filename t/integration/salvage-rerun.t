#!/usr/bin/env bash
# --salvage after an interrupted run: a run killed while its removed row
# versions were spilled to DIR/.removed-versions.tmp (test hooks
# REWIND_TEST_SALVAGE_BUFFER=4, spill beyond 4 in memory, and
# REWIND_TEST_SALVAGE_KILL=1, SIGKILL right after the first spill) leaves
# that directory behind; a rerun with the same DIR recognises it as its own
# (a directory of files named by numbers), clears it, says so and succeeds,
# with the same files as a run into a new directory.  Anything else in DIR,
# or in the temporary directory, is still refused with nothing changed.  The
# oracle: the old primary's own "before EXCEPT ALL end" (psql).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 50) g;
CREATE TABLE before_t AS SELECT * FROM t;
CHECKPOINT;"
node_failover old new
node_psql new "INSERT INTO t VALUES (1000, 'new primary')"
node_psql old "
UPDATE t SET v = v || ' lost' WHERE id <= 20;
DELETE FROM t WHERE id > 40;"
WANT=$(node_psql old "COPY (SELECT * FROM before_t EXCEPT ALL SELECT * FROM t) TO STDOUT (FORMAT csv)" | sort)
is "$(wc -l <<<"$WANT")" 30 "the old primary removed 30 versions"
node_stop old fast
FP_BEFORE=$(content_fingerprint "${NODE_DATA[old]}")

# a run into a new directory, for comparison
FRESH=$SCRATCH/salvage-fresh
rc=0; run_rewind old new --dry-run --salvage "$FRESH" || rc=$?
is "$rc" 0 "dry run into a new directory: exit status 0"
is "$(tail -n +2 "$FRESH/postgres/public.t.removed.csv" | sort)" "$WANT" "the removed versions are the oracle's"

# killed right after the first spill
DIR=$SCRATCH/salvage
rc=0
as_pg env REWIND_TEST_SALVAGE_BUFFER=4 REWIND_TEST_SALVAGE_KILL=1 "$TOOL" \
    --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
    --salvage "$DIR" >"$SCRATCH/killed.out" 2>&1 || rc=$?
isnt "$rc" 0 "the killed run did not finish"
ok "the killed run left its temporary directory" test -d "$DIR/.removed-versions.tmp"
ok "with files in it" bash -c "ls '$DIR/.removed-versions.tmp' | grep -q ."
is "$(content_fingerprint "${NODE_DATA[old]}")" "$FP_BEFORE" "the target was not changed"

# anything else in DIR: refused, nothing removed
touch "$DIR/mine.txt"
rc=0; run_rewind old new --salvage "$DIR" || rc=$?
isnt "$rc" 0 "a foreign file next to the leftovers: refused"
like "$(cat "$REWIND_OUT")" "salvage directory \"$DIR\" is not empty" "the message says DIR is not empty"
like "$(cat "$REWIND_OUT")" "files of an interrupted run" "the hint says it holds an interrupted run's files"
ok "the leftovers are kept" test -d "$DIR/.removed-versions.tmp"
rm "$DIR/mine.txt"
# a foreign file in the temporary directory: not ours, refused
touch "$DIR/.removed-versions.tmp/notes"
rc=0; run_rewind old new --salvage "$DIR" || rc=$?
isnt "$rc" 0 "a foreign file in the temporary directory: refused"
ok "its foreign file is kept" test -f "$DIR/.removed-versions.tmp/notes"
rm "$DIR/.removed-versions.tmp/notes"
is "$(content_fingerprint "${NODE_DATA[old]}")" "$FP_BEFORE" "the refused runs changed nothing in the target"

# the rerun: clears the leftovers, saves the same files, rewinds
SKIP_REF_REASON="--salvage is an option of rewind only"
rewind_and_verify old new --salvage "$DIR"
like "$(cat "$REWIND_OUT")" "removed the temporary files of an interrupted run" "the rerun says it cleared the leftovers"
ok "no temporary directory left" test ! -e "$DIR/.removed-versions.tmp"
ok "the rerun's removed versions are the new directory's" \
    cmp -s "$FRESH/postgres/public.t.removed.csv" "$DIR/postgres/public.t.removed.csv"
ok "the rerun's written versions are the new directory's" \
    cmp -s "$FRESH/postgres/public.t.written.csv" "$DIR/postgres/public.t.written.csv"

done_testing

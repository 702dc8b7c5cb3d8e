#!/usr/bin/env bash
# Issue 12: the promoted side.  The target is a standby that was promoted at
# the divergence point; the source is the old primary, which stayed on
# timeline 1.  After a fast promotion the redo pointer stays at the standby's
# last restartpoint until the first checkpoint, so hint bits the promoted
# node sets on a page last changed between that restartpoint and the last
# common checkpoint's redo point are not WAL-logged.
#
# Here: a transaction X of the old primary deletes rows, then a checkpoint
# (the last common one) follows; X is still running when the standby is
# promoted (its checkpointer held, so the redo pointer stays at the
# restartpoint).  To the promoted node X aborted: reading the rows sets
# "xmax invalid" hint bits, without WAL.  X then commits on the old primary.
# A rewind that keeps the promoted node's page shows the deleted rows again.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init p --checksums
node_start p
node_psql p "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 2000) g;
CREATE TABLE go (x int);"
node_backup_standby p s
node_start s
node_checkpoint p
wait_for_catchup s p
node_checkpoint s    # the standby's restartpoint: its redo pointer from now on

# X: deletes, then waits (bounded) for the go-ahead to commit.
as_pg "$PGCLIENT/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "${NODE_PORT[p]}" -U postgres \
    -d postgres >"$SCRATCH/x.out" 2>&1 <<'SQL' &
BEGIN;
DELETE FROM t WHERE id <= 300;
DO $$ BEGIN
  FOR i IN 1..1200 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM go);
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
COMMIT;
SQL
x_pid=$!
_BG_PIDS+=("$x_pid")
ok "X deleted rows and waits" wait_for_query p \
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" 1 30
node_checkpoint p    # the last common checkpoint, after X's delete
wait_for_catchup s p

ckpt_pid=$(node_psql s "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
kill -STOP "$ckpt_pid"
node_promote s
is "$(node_psql s "SELECT count(*) FROM t")" 2000 "to the promoted node X aborted: every row is there"
kill -CONT "$ckpt_pid"
node_stop s fast

node_psql p "INSERT INTO go VALUES (1)"
wait "$x_pid"
is "$(cat "$SCRATCH/x.out")" "" "X committed on the old primary"
node_psql p "INSERT INTO t SELECT g, 'after' FROM generate_series(3001, 3010) g;"
# Nothing reads t's old rows on the old primary before the rewound node does:
# its own hint bits there would be WAL-logged (a full-page image, the page's
# LSN being before its redo point) and replayed on the rewound node, hiding
# the defect.

SKIP_REF_REASON="pg_rewind 15 collects blocks from the last common checkpoint only and keeps the promoted node's unlogged hint bits"
rewind_and_verify s p -R
done_testing

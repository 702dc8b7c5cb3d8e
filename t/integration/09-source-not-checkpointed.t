#!/usr/bin/env bash
# Scenario 9: the source was promoted moments ago and has not finished a
# checkpoint since, so its pg_control still says timeline 1 although it writes
# WAL on timeline 2.  The tool must see the new timeline (from the WAL insert
# position / history file), must NOT answer "no rewind required", and must
# rewind.  pg_rewind 15 reads only pg_control and wrongly answers "no rewind
# required" here, so this scenario FAILS with pg_rewind as the tool under
# test, and the comparison with pg_rewind is skipped.
#
# How the source stays un-checkpointed: promotion requests a non-immediate
# checkpoint, which is spread over checkpoint_completion_target *
# checkpoint_timeout (here 0.9 * 1 h) as long as there are dirty buffers to
# write; the standby holds many dirty buffers from replay, so pg_control keeps
# timeline 1 for the few seconds this test needs.  That precondition is
# asserted, not assumed.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_start new
# Dirty many buffers on the standby through replay (no restartpoint happens:
# checkpoint_timeout is 1 h and this is far below max_wal_size).
node_psql old "CREATE TABLE filler AS SELECT g AS id, repeat('f', 200) AS pad FROM generate_series(1, 40000) g;
UPDATE t SET v = 'updated' WHERE id % 2 = 0;"
wait_for_catchup new old
node_promote new
# No CHECKPOINT on the new primary here, on purpose.
node_psql new "INSERT INTO t SELECT g, 'new' FROM generate_series(5001, 5200) g;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id <= 1000;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

is "$(node_psql new "SELECT timeline_id FROM pg_control_checkpoint()")" 1 \
    "precondition: the promoted source's pg_control still shows timeline 1"
is "$(node_tli new)" 2 "precondition: the source writes WAL on timeline 2"

SKIP_REF_REASON="pg_rewind 15 reads the timeline from pg_control only and answers 'no rewind required' for a promoted source that has not checkpointed yet"
rewind_and_verify old new -R
done_testing

#!/usr/bin/env bash
# Scenario 6: nothing to rewind.  The old primary is stopped cleanly before the
# standby is promoted and writes nothing afterwards, so its WAL ends before the
# new timeline forks off.  The tool must say "no rewind required", exit 0,
# still write the recovery configuration (-R), and the node must then follow
# the new primary as a standby.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_start new
node_psql old "INSERT INTO t SELECT generate_series(5001, 6000);"
wait_for_catchup new old
node_stop old fast          # shutdown checkpoint streamed to the standby
wait_for_query new "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()" t 30
node_promote new
node_checkpoint new
node_psql new "INSERT INTO t SELECT generate_series(6001, 7000); CREATE TABLE created_on_new AS SELECT 1 AS x;"

before=$(control_state old)
EXPECT_NO_REWIND=1
rewind_and_verify old new -R
is "$before" "shut down" "the old primary had been shut down cleanly"
done_testing

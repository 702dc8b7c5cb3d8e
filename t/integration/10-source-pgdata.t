#!/usr/bin/env bash
# Scenario 10: --source-pgdata.  The source is a cleanly stopped data directory
# instead of a server.  After the rewind the source is started again and the
# target follows it as a standby (the harness writes the recovery
# configuration: -R needs a source server).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 8000) g;
CREATE TABLE dropped_on_old AS SELECT generate_series(1, 100) AS id;"
node_failover old new
node_psql new "DELETE FROM t WHERE id > 7000; CREATE TABLE created_on_new AS SELECT 1 AS x;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id <= 3000; DROP TABLE dropped_on_old;
CREATE TABLE created_on_old AS SELECT generate_series(1, 3000) AS id;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
expect_gone old postgres "SELECT count(*) FROM pg_class WHERE relname = 'created_on_old'" "the table created on the old primary"
expect_gone_path old "$(node_psql old "SELECT pg_relation_filepath('created_on_old')")" "the file of created_on_old"
node_stop old fast
# The divergence must be read from the data directory now; the history file
# is the same either way.
switch_lsn=$(history_switchpoint new 2 1)
node_stop new fast

SOURCE_MODE=pgdata
rewind_and_verify old new
is "$_EXP_LSN" "$switch_lsn" "expected divergence read from the stopped source matches the running one"
done_testing

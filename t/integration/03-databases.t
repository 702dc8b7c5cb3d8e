#!/usr/bin/env bash
# Scenario 3: databases created and dropped after the divergence, with both
# CREATE DATABASE strategies (WAL_LOG writes the new database's blocks to WAL;
# FILE_COPY copies the template directory and logs one record).  The old
# primary creates databases with each strategy, creates-and-drops one with each,
# and drops a database that existed before the divergence (it must come back);
# the new primary creates one with each strategy.  Run with --debug.
# PostgreSQL 14 has no strategies: every CREATE DATABASE there copies the
# template directory and logs one record (as FILE_COPY does later), so on 14
# the same databases are created and dropped without a STRATEGY clause.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

# strategy NAME — the STRATEGY clause, where the major has strategies.
strategy() { if [[ "$PG_MAJOR" -ge 15 ]]; then echo "STRATEGY $1"; fi; }
strategy_desc() { if [[ "$PG_MAJOR" -ge 15 ]]; then echo "$1"; else echo "no strategy on $PG_MAJOR"; fi; }
if [[ "$PG_MAJOR" -lt 15 ]]; then
    note "PostgreSQL $PG_MAJOR has no CREATE DATABASE strategies: all databases are created by copying the template"
fi

node_init old --checksums
node_start old
node_psql old "CREATE DATABASE common_db; CREATE DATABASE common_fc $(strategy FILE_COPY);"
node_psql_db old common_db "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 3000) g;"
node_psql_db old common_fc "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g;"
node_failover old new

node_psql new "CREATE DATABASE new_wal $(strategy WAL_LOG); CREATE DATABASE new_fc $(strategy FILE_COPY);"
node_psql_db new new_wal "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 500) g;"
node_psql_db new new_fc "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 700) g;"
node_psql_db new common_db "DELETE FROM t WHERE id % 10 = 0;"

node_psql old "
CREATE DATABASE old_wal $(strategy WAL_LOG);
CREATE DATABASE old_fc $(strategy FILE_COPY);
CREATE DATABASE old_tmp_wal $(strategy WAL_LOG);
CREATE DATABASE old_tmp_fc $(strategy FILE_COPY);"
node_psql_db old old_wal "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 2000) g;"
node_psql_db old old_fc "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 2000) g;"
node_psql_db old common_db "UPDATE t SET v = 'OLD-ONLY' WHERE id <= 100;"
declare -A oid
for db in old_wal old_fc old_tmp_wal old_tmp_fc common_fc; do
    oid[$db]=$(node_psql old "SELECT oid FROM pg_database WHERE datname = '$db'")
done
expect_gone_path old "base/${oid[old_wal]}" "the directory of database old_wal ($(strategy_desc WAL_LOG)) created on the old primary"
expect_gone_path old "base/${oid[old_fc]}" "the directory of database old_fc ($(strategy_desc FILE_COPY)) created on the old primary"
node_psql old "DROP DATABASE old_tmp_wal; DROP DATABASE old_tmp_fc; DROP DATABASE common_fc;"

expect_gone old postgres "SELECT count(*) FROM pg_database WHERE datname LIKE 'old\_%'" "databases created on the old primary"
expect_gone old postgres "SELECT 1 - count(*) FROM pg_database WHERE datname = 'common_fc'" "database common_fc dropped on the old primary missing (1 = missing)"
expect_gone old common_db "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated in common_db on the old primary"
node_stop old fast

rewind_and_verify old new -R --debug
done_testing

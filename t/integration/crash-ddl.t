#!/usr/bin/env bash
# Power loss during a rewind of a DDL divergence (t/lib/crash.sh): relations
# and a database created and dropped on both sides, a table rewritten, so
# the run creates, removes and truncates files and directories.
set -euo pipefail
LIB=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../lib")   # the harness changes directory
# shellcheck source=t/lib/harness.sh
source "$LIB/harness.sh"
# shellcheck source=t/lib/crash.sh
source "$LIB/crash.sh"

node_init old
node_start old
node_psql old "
CREATE TABLE kept (id int PRIMARY KEY, v text);
INSERT INTO kept SELECT g, 'base' FROM generate_series(1, 5000) g;
CREATE TABLE dropped_on_old AS SELECT generate_series(1, 3000) AS id;
CREATE TABLE rewritten_on_old AS SELECT g AS id, repeat('r', 100) AS pad FROM generate_series(1, 3000) g;
CREATE DATABASE dropped_db_on_old;"
node_failover old new
node_psql new "
CREATE TABLE created_on_new (id int PRIMARY KEY);
INSERT INTO created_on_new SELECT generate_series(1, 2000);
CREATE DATABASE created_db_on_new;"
node_psql old "
CREATE TABLE created_on_old AS SELECT generate_series(1, 5000) AS id;
CREATE INDEX ON created_on_old (id);
DROP TABLE dropped_on_old;
VACUUM FULL rewritten_on_old;
TRUNCATE kept;
DROP DATABASE dropped_db_on_old;
CREATE DATABASE created_db_on_old;"
expect_gone old postgres "SELECT count(*) FROM pg_class WHERE relname = 'created_on_old'" "a table created on the old primary"
node_stop old fast

crash_test old new
done_testing

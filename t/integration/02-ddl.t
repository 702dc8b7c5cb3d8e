#!/usr/bin/env bash
# Scenario 2: DDL on the old primary after the divergence — a table created
# and one dropped, TRUNCATE, VACUUM FULL, CLUSTER, CREATE INDEX — while the new
# primary changes the same tables differently.  Relation files are created,
# removed, truncated and rewritten (new relfilenodes) only on the old primary.
# wal_log_hints instead of checksums; progress reporting (-P) on.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "
CREATE TABLE keep_me (id int PRIMARY KEY, v text);
INSERT INTO keep_me SELECT g, md5(g::text) FROM generate_series(1, 10000) g;
CREATE TABLE dropped_on_old (id int, v text);
INSERT INTO dropped_on_old SELECT g, 'd' FROM generate_series(1, 3000) g;
CREATE TABLE truncated_on_old (id int, v text);
INSERT INTO truncated_on_old SELECT g, repeat('t', 100) FROM generate_series(1, 8000) g;
CREATE TABLE rewritten_on_old (id int PRIMARY KEY, v text);
INSERT INTO rewritten_on_old SELECT g, repeat('r', 50) FROM generate_series(1, 8000) g;
CREATE TABLE clustered_on_old (id int, v text);
CREATE INDEX clustered_on_old_id ON clustered_on_old (id);
INSERT INTO clustered_on_old SELECT (g * 7919) % 5000, 'c' FROM generate_series(1, 5000) g;
CREATE TABLE indexed_on_old (id int, v text);
INSERT INTO indexed_on_old SELECT g, 'i' || g FROM generate_series(1, 5000) g;"
node_failover old new

node_psql new "
INSERT INTO keep_me SELECT g, 'new' FROM generate_series(10001, 10500) g;
INSERT INTO dropped_on_old SELECT g, 'new' FROM generate_series(3001, 3100) g;
DELETE FROM truncated_on_old WHERE id > 7000;
UPDATE rewritten_on_old SET v = 'new' WHERE id <= 100;
INSERT INTO indexed_on_old VALUES (5001, 'new');
CREATE TABLE created_on_new AS SELECT g AS id FROM generate_series(1, 100) g;"

node_psql old "
CREATE TABLE created_on_old AS SELECT g AS id, repeat('o', 100) AS v FROM generate_series(1, 5000) g;
CREATE TABLE created_and_dropped_on_old AS SELECT g FROM generate_series(1, 1000) g;
DROP TABLE created_and_dropped_on_old;
DROP TABLE dropped_on_old;
TRUNCATE truncated_on_old;
INSERT INTO truncated_on_old VALUES (1, 'OLD-ONLY');
DELETE FROM rewritten_on_old WHERE id % 2 = 0;
VACUUM FULL rewritten_on_old;
CLUSTER clustered_on_old USING clustered_on_old_id;
CREATE INDEX indexed_on_old_v ON indexed_on_old (v);
UPDATE keep_me SET v = 'OLD-ONLY' WHERE id <= 500;"

expect_gone old postgres "SELECT count(*) FROM pg_class WHERE relname IN ('created_on_old', 'indexed_on_old_v')" "relations created on the old primary"
expect_gone old postgres "SELECT count(*) FROM truncated_on_old WHERE v = 'OLD-ONLY'" "the row in the table truncated on the old primary"
expect_gone old postgres "SELECT count(*) FROM keep_me WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
expect_gone old postgres "SELECT 1 - count(*) FROM pg_class WHERE relname = 'dropped_on_old'" "the table dropped on the old primary missing (1 = missing)"
# The relation files written only by the old primary must be removed.
for rel in created_on_old rewritten_on_old truncated_on_old clustered_on_old; do
    expect_gone_path old "$(node_psql old "SELECT pg_relation_filepath('$rel')")" "the file of $rel written after the divergence"
done
node_stop old fast

rewind_and_verify old new -R -P
done_testing

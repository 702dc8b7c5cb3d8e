#!/usr/bin/env bash
# Scenario 4: a tablespace created before the standby was made (the standby
# gets its own location through pg_basebackup --tablespace-mapping), written
# on both sides after the divergence: tables created, filled, dropped and
# rewritten inside it.  The rewound node must keep its own tablespace location.
# A tablespace created on the target side after the divergence (issue 12,
# layouts) is gone after the rewind: its link and what it held at its
# location.  (One dropped there: field-layout-tablespace-dropped.t.)
# Directories that a user left inside database directories of the source
# (PostgreSQL makes none there), in base/ and in the tablespace, come to
# the target whole: the listing reads a database directory's entries apart
# from the rest of the tree and must walk such a directory too.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
old_ts=$SCRATCH/old/ts1
new_ts=$SCRATCH/new_ts1
as_pg mkdir -p "$old_ts"
node_start old
node_psql old "
CREATE TABLESPACE ts1 LOCATION '$old_ts';
CREATE TABLE in_ts (id int PRIMARY KEY, v text) TABLESPACE ts1;
INSERT INTO in_ts SELECT g, md5(g::text) FROM generate_series(1, 10000) g;
CREATE TABLE moved_on_old (id int) TABLESPACE ts1;
INSERT INTO moved_on_old SELECT generate_series(1, 2000);
CREATE TABLE dropped_on_old (id int) TABLESPACE ts1;
INSERT INTO dropped_on_old SELECT generate_series(1, 2000);"
node_backup_standby old new "--tablespace-mapping=$old_ts=$new_ts"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new

node_psql new "
INSERT INTO in_ts SELECT g, 'new' FROM generate_series(10001, 11000) g;
CREATE TABLE created_on_new (id int) TABLESPACE ts1;
INSERT INTO created_on_new SELECT generate_series(1, 300);"

db_oid=$(node_psql new "SELECT oid FROM pg_database WHERE datname = 'postgres'")
ts_oid=$(node_psql new "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'")
ts_dbdir=$(cd "${NODE_DATA[new]}/pg_tblspc/$ts_oid" && echo PG_*)/$db_oid
stray=("base/$db_oid/stray/inner/deep.txt" "base/$db_oid/stray/top.txt"
       "pg_tblspc/$ts_oid/$ts_dbdir/stray_ts/inner/deep.txt")
for f in "${stray[@]}"; do
    as_pg mkdir -p "$(dirname "${NODE_DATA[new]}/$f")"
    printf 'left by a user: %s\n' "$f" | as_pg tee "${NODE_DATA[new]}/$f" >/dev/null
done

node_psql old "
UPDATE in_ts SET v = 'OLD-ONLY' WHERE id <= 3000;
CREATE TABLE created_on_old TABLESPACE ts1 AS SELECT g AS id FROM generate_series(1, 5000) g;
ALTER TABLE moved_on_old SET TABLESPACE pg_default;
DROP TABLE dropped_on_old;"
old_ts3=$SCRATCH/old/ts3
as_pg mkdir -p "$old_ts3"
node_psql old "
CREATE TABLESPACE ts3 LOCATION '$old_ts3';
CREATE TABLE in_ts3 TABLESPACE ts3 AS SELECT g AS id FROM generate_series(1, 3000) g;"
ts3_oid=$(node_psql old "SELECT oid FROM pg_tablespace WHERE spcname = 'ts3'")
expect_gone old postgres "SELECT count(*) FROM pg_tablespace WHERE spcname = 'ts3'" "a tablespace created on the old primary"
expect_gone_path old "pg_tblspc/$ts3_oid" "the link of tablespace ts3, created on the old primary"
expect_gone old postgres "SELECT count(*) FROM in_ts WHERE v = 'OLD-ONLY'" "rows updated in the tablespace on the old primary"
expect_gone old postgres "SELECT count(*) FROM pg_class WHERE relname = 'created_on_old'" "a table created in the tablespace on the old primary"
expect_gone_path old "$(node_psql old "SELECT pg_relation_filepath('created_on_old')")" "the file of created_on_old in the tablespace"
expect_gone_path old "$(node_psql old "SELECT pg_relation_filepath('moved_on_old')")" "the file of moved_on_old outside the tablespace"
node_stop old fast

rewind_and_verify old new -R

is "$(readlink "${NODE_DATA[old]}/pg_tblspc/$ts_oid")" "$old_ts" "the rewound node still uses its own tablespace location"
is "$(readlink "${NODE_DATA[new]}/pg_tblspc/$ts_oid")" "$new_ts" "the source still uses its own tablespace location"
ok "the source's tablespace location is not shared with the target" test "$(realpath "$old_ts")" != "$(realpath "$new_ts")"
is "$(find "$old_ts3" -mindepth 1 | head -n 3)" "" \
    "nothing is left at the location of the tablespace created on the old primary"
for f in "${stray[@]}"; do
    ok "$f, inside a database directory of the source, is on the target with the same bytes" \
        cmp -s "${NODE_DATA[new]}/$f" "${NODE_DATA[old]}/$f"
done
done_testing

#!/usr/bin/env bash
# Created files and directories follow the data directory's mode: on a
# cluster with group access (what initdb -g gives: directories 0750, files
# 0640), no file or directory the rewind creates may be 0600/0700 where
# PostgreSQL gives 0640/0750.  The modes expected are the source's, as
# PostgreSQL made them.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
# initdb -g: the same modes on everything initdb wrote; the server then
# creates files 0640 and directories 0750 itself
chmod -R g+rX,g-w,o-rwx "${NODE_DATA[old]}"
node_start old
is "$(stat -c %a "${NODE_DATA[old]}")" 750 "the old primary's data directory allows group access"
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 3000) g;
CREATE TABLE dropped_on_new AS SELECT generate_series(1, 1000) AS id;"
# node_failover, with the standby made group-accessible before it starts
# (on majors other than 15 the harness copies files, which keeps no modes)
node_backup_standby old new
chmod -R g+rX,g-w,o-rwx "${NODE_DATA[new]}"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
is "$(stat -c %a "${NODE_DATA[new]}")" 750 "the new primary's data directory allows group access"
node_psql new "
CREATE DATABASE created_on_new;
CREATE TABLE created_on_new (id int PRIMARY KEY);
INSERT INTO created_on_new SELECT generate_series(1, 2000);
DROP TABLE dropped_on_new;
VACUUM FULL t;"
node_psql_db new created_on_new "CREATE TABLE inside AS SELECT generate_series(1, 100) AS id;"
node_checkpoint new
node_psql old "
CREATE TABLE created_on_old AS SELECT generate_series(1, 2000) AS id;
UPDATE t SET v = 'OLD-ONLY' WHERE id % 5 = 0;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
dboid=$(node_psql new "SELECT oid FROM pg_database WHERE datname = 'created_on_new'")
ok "the old primary has no directory for that database (base/$dboid)" test ! -e "${NODE_DATA[old]}/base/$dboid"

st=0; run_rewind old new -R || st=$?
is "$st" 0 "the rewind succeeds"
last_ok || diag "$(cat "$REWIND_OUT")"

# modes of every entry of the target, and of the source for the same paths
modes() { (cd "$1" && find . -path ./postmaster.pid -prune -o -printf '%p %m\n' | LC_ALL=C sort); }
target_modes=$(modes "${NODE_DATA[old]}")
source_modes=$(modes "${NODE_DATA[new]}")
private=$(cd "${NODE_DATA[old]}" && find . \( -type f -perm 600 \) -o \( -type d -perm 700 \) | LC_ALL=C sort)
is "$(grep -c . <<<"$private" || true)" 0 "no file 0600 and no directory 0700 in the rewound target"
last_ok || diag "$(head -n 10 <<<"$private")"
differ=$(LC_ALL=C join <(echo "$target_modes") <(echo "$source_modes") | awk '$2 != $3')
is "$(grep -c . <<<"$differ" || true)" 0 "every path in both has the source's mode"
last_ok || diag "$(head -n 10 <<<"$differ")"
note "entries compared: $(wc -l <<<"$target_modes")"
is "$(stat -c %a "${NODE_DATA[old]}/base/$dboid")" 750 \
    "the directory of the database created on the new primary (base/$dboid), made by the rewind, is 0750"
is "$(stat -c %a "${NODE_DATA[old]}/base/$dboid/PG_VERSION")" 640 "... and its files 0640"

verify_standby "tool" old new
done_testing

#!/usr/bin/env bash
# Issue 12, layouts: a tablespace dropped on the target after the divergence.
# The rewind must bring it back, and the only location it knows is the
# source's (pg_tblspc links hold no history, and DROP TABLESPACE left no
# record of the target's own location).  On the source's host that is the
# source's own tablespace: with both clusters on one host, as here, rewind
# refuses to write into it, naming the directory, and changes nothing.  (On a
# host of its own the same path is free and the target's; see
# hostile-tablespace.t for the same refusal with a tablespace created on the
# source.)
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
old_ts=$SCRATCH/old/ts2
new_ts=$SCRATCH/new_ts2
as_pg mkdir -p "$old_ts"
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 5000) g;
CREATE TABLESPACE ts2 LOCATION '$old_ts';
CREATE TABLE in_ts2 (id int) TABLESPACE ts2;
INSERT INTO in_ts2 SELECT generate_series(1, 1000);"
ts_oid=$(node_psql old "SELECT oid FROM pg_tablespace WHERE spcname = 'ts2'")
node_backup_standby old new "--tablespace-mapping=$old_ts=$new_ts"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
node_psql new "INSERT INTO in_ts2 SELECT generate_series(1001, 1100);"
node_psql old "DROP TABLE in_ts2; DROP TABLESPACE ts2; UPDATE t SET v = 'OLD-ONLY' WHERE id <= 100;"
node_stop old fast
ok "the target has no tablespace $ts_oid any more" test ! -e "${NODE_DATA[old]}/pg_tblspc/$ts_oid"
tsdir=$(basename "$(find "$new_ts" -mindepth 1 -maxdepth 1 -name 'PG_*' | head -n 1)")
like "$tsdir" '^PG_[0-9]+_[0-9]+$' "the source's tablespace holds its version directory ($tsdir)"

before_target=$(content_fingerprint "${NODE_DATA[old]}")
node_checkpoint new
before_ts=$(content_fingerprint "$new_ts")
st=0
run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "rewind refuses to write into the source's tablespace (exit status 1)"
like "$out" "error: tablespace directory \"$new_ts/$tsdir\" \\(for \"pg_tblspc/$ts_oid\", which the rewind must create\\)" \
    "... naming the directory and the link"
like "$out" 'hint: .*The target was not changed' "... saying that the target was not changed"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before_target")" \
    "the target is unchanged, byte for byte"
ok "no journal was made" test ! -e "${NODE_DATA[old]}.rewind-journal"
node_checkpoint new
is "$(content_fingerprint "$new_ts" | sha256sum)" "$(sha256sum <<<"$before_ts")" \
    "the source's tablespace directory is untouched"
is "$(node_psql new "SELECT count(*) FROM in_ts2")" 1100 "the source still serves its table in the tablespace"
done_testing

#!/usr/bin/env bash
# A source's tablespace on a shared host.  Two clusters run on one host; the
# new primary creates a tablespace after the failover, at a location of its
# own on this host.  The old primary has no such tablespace, so its rewind
# would create the link pg_tblspc/<oid> to the location the source lists,
# and then write through it into the source's own PG_<major>_<catversion>
# directory.  rewind must refuse before the first change, naming the
# directory; the target stays byte for byte as it was, no journal is left,
# the source's tablespace is untouched and the source keeps serving it.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new

src_ts=$SCRATCH/new_ts_after_failover
as_pg mkdir -p "$src_ts"
node_psql new "
CREATE TABLESPACE ts_new LOCATION '$src_ts';
CREATE TABLE in_ts_new (id int PRIMARY KEY, v text)
  WITH (autovacuum_enabled = off) TABLESPACE ts_new;
INSERT INTO in_ts_new SELECT g, md5(g::text) FROM generate_series(1, 5000) g;"
# frozen, hint bits set: reading it later changes no page
node_psql new "VACUUM (FREEZE) in_ts_new; CHECKPOINT;"
ts_oid=$(node_psql new "SELECT oid FROM pg_tablespace WHERE spcname = 'ts_new'")
tsdir=$(basename "$(dirname "$(dirname "$(node_psql new "SELECT pg_relation_filepath('in_ts_new')")")")")
like "$tsdir" '^PG_[0-9]+_[0-9]+$' "the source's tablespace holds its version directory ($tsdir)"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;" >/dev/null
node_stop old fast
ok "the target has no tablespace $ts_oid" test ! -e "${NODE_DATA[old]}/pg_tblspc/$ts_oid"

before_target=$(content_fingerprint "${NODE_DATA[old]}")
# The source is running: compare its tablespace after a checkpoint, file
# by file, with what it held before the rewind.
sum_before=$(node_psql new "SELECT sum(hashtext(v)) FROM in_ts_new")
node_checkpoint new
before_ts=$(content_fingerprint "$src_ts")

st=0
run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "rewind refuses to write into the source's tablespace (exit status 1)"
like "$out" "error: tablespace directory \"$src_ts/$tsdir\" \\(for \"pg_tblspc/$ts_oid\", which the rewind must create\\) already exists and is not this cluster's" \
    "... naming the directory and the link"
last_ok || diag "$out"
like "$out" 'hint: .*The target was not changed' "... saying that the target was not changed"
unlike "$out" 'partly rewound' "... and that it needs no rollback"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before_target")" \
    "the target is unchanged, byte for byte"
ok "no journal was made" test ! -e "${NODE_DATA[old]}.rewind-journal"
node_checkpoint new
after_ts=$(content_fingerprint "$src_ts")
is "$(sha256sum <<<"$after_ts")" "$(sha256sum <<<"$before_ts")" \
    "the source's tablespace directory is untouched"
last_ok || diag "$(diff <(echo "$before_ts") <(echo "$after_ts") | head -n 20 || true)"
is "$(node_psql new "SELECT sum(hashtext(v)) FROM in_ts_new")" "$sum_before" \
    "the source still serves the table in its tablespace"
is "$(node_psql new "SELECT count(*) FROM in_ts_new")" 5000 "... all of its rows"

# a dry run refuses the same way, before reading any content
st=0
run_rewind old new --dry-run || st=$?
is "$st" 1 "a dry run refuses too (exit status 1)"
like "$(cat "$REWIND_OUT")" "error: tablespace directory \"$src_ts/$tsdir\"" "... naming the directory"
done_testing

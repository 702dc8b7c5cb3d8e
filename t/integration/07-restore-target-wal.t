#!/usr/bin/env bash
# Scenario 7: the WAL the tool needs exists only in the archive.  The old
# primary archives (absolute paths), keeps no extra WAL (wal_keep_size = 0,
# small max_wal_size) and after the divergence switches segments and
# checkpoints until the segment holding the divergence point (and so the last
# common checkpoint, which precedes it) is gone from its pg_wal.  Without -c
# the WAL method (--method=wal) must fail naming the missing pg_wal file and
# change nothing (auto would fall to the page-LSN scan, field-wal-recycled.t);
# with -c it must fetch the segments through the target's restore_command.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

archive=$SCRATCH/archive
as_pg mkdir -p "$archive"
node_init old --checksums
node_conf old \
    "archive_mode = on" \
    "archive_command = 'test ! -f $archive/%f && cp %p $archive/%f'" \
    "restore_command = 'cp $archive/%f %p'" \
    "wal_keep_size = 0" \
    "min_wal_size = '32MB'" \
    "max_wal_size = '32MB'"
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
# The standby neither archives into nor restores from the old primary's archive.
node_conf new "archive_mode = off" "restore_command = ''"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;"

switch_lsn=$(history_switchpoint new 2 1)
switch_seg=$(node_psql old "SELECT pg_walfile_name('$switch_lsn')")
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;"
for _ in 1 2 3 4 5; do
    node_psql old "INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(
                       (SELECT max(id) + 1 FROM t), (SELECT max(id) + 500 FROM t)) g;
                   SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
done
# The segment just closed by this switch is the last one the archive needs.
last_seg=$(node_psql old "SELECT pg_walfile_name(pg_switch_wal())")
ok "the archiver archived the old primary's WAL up to $last_seg" wait_for_query old \
    "SELECT last_archived_wal >= '$last_seg' FROM pg_stat_archiver" t 30
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
note "divergence at $switch_lsn in $switch_seg; old primary's WAL was switched up to $last_seg"
ok "the divergence segment $switch_seg is gone from the old primary's pg_wal" test ! -e "${NODE_DATA[old]}/pg_wal/$switch_seg"
ok "... and is in the archive" test -f "$archive/$switch_seg"

# Without -c: a clear failure that names the missing file, and no change.
before=$(snapshot_dir "${NODE_DATA[old]}")
st=0; run_rewind old new -R --method=wal || st=$?
out=$(cat "$REWIND_OUT")
isnt "$st" 0 "without -c --method=wal fails"
like "$out" "could not open file.*${NODE_DATA[old]}/pg_wal/[0-9A-F]{24}" "... saying which pg_wal file it could not open"
missing=$(grep -Eo "${NODE_DATA[old]}/pg_wal/[0-9A-F]{24}" <<<"$out" | head -n 1 || true)
ok "... a file that really is missing from pg_wal and present in the archive" \
    test -n "$missing" -a ! -e "${missing:-/nonexistent}" -a -f "$archive/$(basename "${missing:-x}")"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "... and changes nothing in the target"

# With -c it works.
rewind_and_verify old new -R -c
done_testing

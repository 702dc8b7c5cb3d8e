#!/usr/bin/env bash
# Issue 12, failure 6: WAL that the rewound node needs is gone from the
# source (wal_keep_size = 0, segments switched and checkpointed away; only
# the source's archive has them).  Without a restore_command on the target
# a rewind by the WAL (--method=wal; auto takes the block compare there)
# could only leave a node that cannot start: the run must refuse before its
# first change, naming the segment and what to do, leave the target byte for
# byte as it was, and --check must say the same (error).
# With a restore_command on the target pointing at the archive, --check
# warns, the run warns and proceeds, and the node recovers from the archive.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

ARCHIVE=$SCRATCH/archive
as_pg mkdir -p "$ARCHIVE"
node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
# The source archives and keeps no extra WAL.
node_conf new "archive_mode = on" \
    "archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f'" \
    "wal_keep_size = 0" "min_wal_size = '32MB'" "max_wal_size = '32MB'"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
DIVERGE=$(history_switchpoint new 2 1)
NEED_SEG=$(printf '00000002%08X%08X' $((16#${DIVERGE%/*})) $((16#${DIVERGE#*/} / 16777216)))
note "divergence at $DIVERGE; the rewound node needs $NEED_SEG from the source"

# A standby of the new primary that stops early: no rewind required (same
# timeline), but the WAL it needs next is recycled below as well.
node_backup_standby new lag
node_start lag
wait_for_catchup lag new
node_stop lag fast

node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
for _ in 1 2 3 4 5 6; do
    node_psql new "INSERT INTO t SELECT g, 'new' FROM generate_series(
                       (SELECT max(id) + 1 FROM t), (SELECT max(id) + 500 FROM t)) g;
                   SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
done
last_seg=$(node_psql new "SELECT pg_walfile_name(pg_switch_wal())")
ok "the source archived its WAL up to $last_seg" wait_for_query new \
    "SELECT last_archived_wal >= '$last_seg' FROM pg_stat_archiver" t 30
node_checkpoint new
ok "$NEED_SEG is gone from the source's pg_wal" test ! -e "${NODE_DATA[new]}/pg_wal/$NEED_SEG"
ok "... and is in the source's archive" test -f "$ARCHIVE/$NEED_SEG"
is "$(_effective_setting old restore_command)" "" "the target has no restore_command"

# Without restore_command on the target: --check and the run refuse alike
# (--method=wal: auto would take the block compare, field-source-wal-gone.t).
before=$(content_fingerprint "${NODE_DATA[old]}")
st=0; run_rewind old new --check --method=wal || st=$?
is "$st" 3 "--check: exit status 3 (a rewind would fail)"
like "$(cat "$REWIND_OUT")" "check: error +source_wal: the source no longer has WAL segment $NEED_SEG" \
    "... an error finding naming $NEED_SEG"
last_ok || diag "$(cat "$REWIND_OUT")"
st=0; run_rewind old new -R --method=wal || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "the run refuses (exit status 1)"
like "$out" "error: the source no longer has WAL segment $NEED_SEG" "... naming the segment $NEED_SEG"
like "$out" 'restore_command' "... suggesting restore_command on the target"
like "$out" 'wal_keep_size' "... and --slot or wal_keep_size on the source"
like "$out" 'with --method=compare' "... or the block compare"
unlike "$out" 'Done!' "... and does not say Done!"
last_ok || diag "$out"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is exactly as it was"
ok "... and no journal was started" test ! -e "${NODE_DATA[old]}.rewind-journal"
st=0; run_rewind old new -n --method=wal || st=$?
is "$st" 1 "a dry run refuses the same way"

# With restore_command on the target: a warning, and the rewind proceeds.
node_conf old "restore_command = 'cp $ARCHIVE/%f %p'"
st=0; run_rewind old new --check || st=$?
is "$st" 0 "with restore_command on the target, --check passes"
like "$(cat "$REWIND_OUT")" "check: warning +source_wal: the source no longer has WAL segment $NEED_SEG" \
    "... with a warning naming $NEED_SEG"
last_ok || diag "$(cat "$REWIND_OUT")"
st=0; run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "with restore_command on the target, the run proceeds"
like "$out" "warning: the source no longer has WAL segment $NEED_SEG.*restore_command must be able" \
    "... warning about $NEED_SEG and the target's restore_command"
unlike "$out" "$ARCHIVE" "... without printing the restore_command's value (it may hold credentials)"
like "$out" 'Done!' "... and says Done!"
last_ok || diag "$out"
verify_standby "restore_command" old new

# No rewind required, WAL gone: the run and --check agree as well.
is "$(_effective_setting lag restore_command)" "" "the early-stopped standby has no restore_command"
st=0; run_rewind lag new --check || st=$?
is "$st" 3 "no rewind required but WAL gone: --check fails"
like "$(cat "$REWIND_OUT")" 'check: error +source_wal: the source no longer has WAL segment 00000002[0-9A-F]{16}' \
    "... with an error finding naming the segment"
before=$(content_fingerprint "${NODE_DATA[lag]}")
st=0; run_rewind lag new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "... and the run refuses"
like "$out" 'error: the source no longer has WAL segment 00000002[0-9A-F]{16}' "... naming the segment"
unlike "$out" 'no rewind required' "... instead of answering no rewind required"
last_ok || diag "$out"
is "$(content_fingerprint "${NODE_DATA[lag]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the node is exactly as it was"
node_conf lag "restore_command = 'cp $ARCHIVE/%f %p'"
st=0; run_rewind lag new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "with restore_command: no rewind required, exit 0"
like "$out" 'warning: the source no longer has WAL segment 00000002[0-9A-F]{16}.*restore_command' \
    "... warning about the segment"
like "$out" 'no rewind required' "... and no rewind required"
last_ok || diag "$out"
verify_standby "no rewind required, restore_command" lag new
done_testing

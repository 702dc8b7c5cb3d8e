#!/usr/bin/env bash
# Race: files change on the source while rewind copies them, which is normal
# on a running source and must not be fatal.  The window is made
# deterministic as in fault-source.t: rewind first copies a large table over
# one connection (--jobs=1), and its source backend is frozen (SIGSTOP) at
# the first fetch query.  Meanwhile the source
#   - drops a table that only it has (a whole-file copy planned for later),
#   - truncates a table whose blocks the old primary changed (block ranges),
#   - vacuums away the tail of another such table (its file shrinks),
#   - recycles the WAL segments the rewound node needs (wal_keep_size = 0,
#     switch, archive, checkpoint),
# then the backend is thawed (SIGCONT).  Then:
#   - rewind exits 0 and reports the files that vanished and shrank, in its
#     messages and in the JSON document;
#   - it warns that the needed WAL segment vanished, naming it and
#     restore_command; a dry run on an untouched copy of the old primary
#     then refuses before any change (no restore_command on it), and warns
#     once it has one;
#   - with restore_command reading the source's archive, the rewound node
#     starts as a standby and ends with exactly the source's data.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
# bulk sorts before victims in the copy's path order: its OID is the lower
# one of the same length (base/<oid>/...), on every major
node_psql old "CREATE DATABASE bulk;
CREATE DATABASE victims;"
node_psql_db old victims "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
CREATE TABLE t_trunc (id int, v text);
INSERT INTO t_trunc SELECT g, 'base' FROM generate_series(1, 20000) g;
CREATE TABLE t_shrink (id int, v text);
INSERT INTO t_shrink SELECT g, repeat('s', 200) FROM generate_series(1, 40000) g;"
BULK_OID=$(node_psql old "SELECT oid FROM pg_database WHERE datname = 'bulk'")
VICTIMS_OID=$(node_psql old "SELECT oid FROM pg_database WHERE datname = 'victims'")
ok "base/$BULK_OID/ is copied before base/$VICTIMS_OID/" test "base/$BULK_OID/" \< "base/$VICTIMS_OID/"

# The source archives its WAL and keeps all of it until the freeze.
ARCHIVE=$SCRATCH/archive
as_pg mkdir -p "$ARCHIVE"
node_backup_standby old new
node_conf new "archive_mode = on" \
    "archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f'" \
    "wal_keep_size = '2GB'"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
DIVERGE=$(history_switchpoint new 2 1)
# the segment of the divergence on the source's timeline: the first the
# rewound node needs from the source
NEED_SEG=$(printf '00000002%08X%08X' $((16#${DIVERGE%/*})) $((16#${DIVERGE#*/} / 16777216)))
note "divergence at $DIVERGE; the rewound node needs $NEED_SEG from the source"

# ~100 MB only on the source, copied first; t_drop only on the source too.
node_psql_db new bulk "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 16) AS pad
  FROM generate_series(1, 200000) g;"
node_psql_db new victims "UPDATE t SET v = 'new' WHERE id % 4 = 0;
CREATE TABLE t_drop AS SELECT g AS id, repeat('d', 100) AS v FROM generate_series(1, 20000) g;
DELETE FROM t_shrink WHERE id > 2000;
CHECKPOINT;"
node_psql_db old victims "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
UPDATE t_trunc SET v = 'OLD-ONLY' WHERE id % 5 = 0;
UPDATE t_shrink SET v = 'OLD-ONLY' WHERE id > 39000;
SELECT pg_switch_wal();" >/dev/null
expect_gone old victims "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
expect_gone old victims "SELECT count(*) FROM t_trunc" "rows of the table the source truncates"
expect_gone old victims "SELECT count(*) FROM t_shrink WHERE v = 'OLD-ONLY'" \
    "rows in the tail the source vacuums away"
node_stop old fast
node_copy old pristine   # for a dry run once the source has recycled the WAL

DROP_PATH=$(node_psql_db new victims "SELECT pg_relation_filepath('t_drop')")
TRUNC_PATH=$(node_psql_db new victims "SELECT pg_relation_filepath('t_trunc')")
SHRINK_SQL="SELECT pg_relation_size('t_shrink') / 8192"
shrink_pages=$(node_psql_db new victims "$SHRINK_SQL")
ok "the source still has $NEED_SEG before the rewind" \
    test "$(node_psql new "SELECT count(*) FROM pg_ls_waldir() WHERE name = '$NEED_SEG'")" = 1

OUT=$SCRATCH/race.out
JSON=$SCRATCH/race.json
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
    --jobs=1 -R --format=json >"$JSON" 2>"$OUT" &
rewind_pid=$!
_BG_PIDS+=("$rewind_pid")

bpid=$(freeze_fetching_backend new "$rewind_pid" old)
like "$bpid" '^[0-9]+$' "the source backend fetching for rewind was found (pid ${bpid:-none})"

# file_gone PATH — the source has no file at PATH (relative to its data directory)
file_gone() { [[ "$(node_psql new "SELECT (pg_stat_file('$1', true)).size IS NULL")" == t ]]; }

# recycle_wal — switch, archive and checkpoint until NEED_SEG is gone (bounded)
recycle_wal() {
    local round
    node_psql new "ALTER SYSTEM SET wal_keep_size = 0;
SELECT pg_reload_conf();" >/dev/null
    for ((round = 0; round < 5; round++)); do
        node_psql new "SELECT txid_current();
SELECT pg_switch_wal();" >/dev/null
        wait_for_query new "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'" 0 30 ||
            return 1
        node_checkpoint new
        [[ "$(node_psql new "SELECT count(*) FROM pg_ls_waldir() WHERE name = '$NEED_SEG'")" == 0 ]] &&
            return 0
    done
    return 1
}

if [[ -n "$bpid" ]]; then
    node_psql_db new victims "DROP TABLE t_drop;
TRUNCATE t_trunc;
VACUUM t_shrink;" >/dev/null
    ok "the source recycled $NEED_SEG (archived) while rewind waited" recycle_wal
    ok "the source unlinked the dropped table's file ($DROP_PATH)" file_gone "$DROP_PATH"
    ok "the source unlinked the truncated table's old file ($TRUNC_PATH)" file_gone "$TRUNC_PATH"
    after_pages=$(node_psql_db new victims "$SHRINK_SQL")
    ok "VACUUM shrank t_shrink on the source ($shrink_pages -> $after_pages pages)" \
        test "$after_pages" -lt "$shrink_pages"
    kill -CONT "$bpid" 2>/dev/null || true
fi

wait_background "$rewind_pid" 120 "the rest of the copy after the thaw"
rst=$WAIT_STATUS
out=$(cat "$OUT")
is "$rst" 0 "rewind succeeds although files changed on the source during the copy (exit status 0)"
last_ok || diag "$out"
like "$out" 'Done!' "... and says Done!"
unlike "$out" 'AddressSanitizer|runtime error' "... cleanly (no sanitizer report)"

counts=$(grep -oE '[0-9]+ files vanished and [0-9]+ shrank on the source during the copy' <<<"$out" || true)
note "rewind said: ${counts:-no count of changed files}"
vanished=$(awk '{print $1}' <<<"$counts")
shrank=$(awk '{print $5}' <<<"$counts")
# t_drop and t_trunc's old file (WAL segments are warned about apart); t_shrink
ok "it counts the files that vanished: the dropped and the truncated table (${vanished:-none} >= 2)" \
    test "${vanished:-0}" -ge 2
ok "it counts the file that shrank (${shrank:-none} >= 1)" test "${shrank:-0}" -ge 1
like "$out" 'replaying the source.s WAL from the last common checkpoint accounts for them' \
    "... and says why that is harmless"
like "$out" "warning: WAL segment $NEED_SEG( \\(and [0-9]+ more\\))? vanished from the source during the copy" \
    "it warns that the needed WAL segment $NEED_SEG vanished"
like "$out" 'warning: .*restore_command.*cloned again.*--slot or wal_keep_size' \
    "... saying what to do: restore_command, else clone; --slot or wal_keep_size against it"
# the segments warned about: NEED_SEG "(and N more)"
more=$(grep -oE "WAL segment $NEED_SEG \(and [0-9]+ more\) vanished" <<<"$out" | grep -oE '[0-9]+ more' |
    grep -oE '[0-9]+' || true)
wal_gone=$((1 + ${more:-0}))
if command -v jq >/dev/null; then
    is "$(jq -r '.status' "$JSON")" "done" "JSON: status done"
    is "$(jq -r '.plan.vanished_files' "$JSON")" "${vanished:-none}" "JSON: plan.vanished_files as reported"
    is "$(jq -r '.plan.shrunk_files' "$JSON")" "${shrank:-none}" "JSON: plan.shrunk_files as reported"
    is "$(jq -r '.plan.missing_wal_segments' "$JSON")" "$wal_gone" \
        "JSON: plan.missing_wal_segments as warned ($wal_gone)"
else
    skip "JSON counts" "jq is not installed"
fi
# Before any change, a run already knows the source lacks needed WAL: by
# the WAL (auto would take the block compare) it refuses without a
# restore_command on the target, warns with one.
dst=0
run_rewind pristine new -n --method=wal || dst=$?
is "$dst" 1 "a dry run of the untouched old primary (no restore_command) now refuses"
like "$(cat "$REWIND_OUT")" "error: the source no longer has WAL segment $NEED_SEG" \
    "... saying that the source no longer has $NEED_SEG"
last_ok || diag "$(cat "$REWIND_OUT")"
node_conf pristine "restore_command = 'cp $ARCHIVE/%f %p'"
dst=0
run_rewind pristine new -n || dst=$?
is "$dst" 0 "with restore_command on the untouched old primary, the dry run exits 0"
like "$(cat "$REWIND_OUT")" "warning: the source no longer has WAL segment $NEED_SEG.*restore_command" \
    "... warning that the source no longer has $NEED_SEG and what to do"
last_ok || diag "$(cat "$REWIND_OUT")"
skip "comparison with pg_rewind" "the source changes while the tool copies; the race is the tool's alone"

# The rewound node replays the recycled segments from the source's archive.
node_conf old "restore_command = 'cp $ARCHIVE/%f %p'"
if [[ $rst -eq 0 ]]; then
    verify_standby "tool" old new
else
    fail "tool: rewound old verified as a standby of new (not attempted: the tool failed)"
fi
done_testing

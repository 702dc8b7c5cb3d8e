#!/usr/bin/env bash
# Issue 15, step 4: a target that is an old backup of the source, restored
# under another timeline history.
#
# A base backup of the primary p is taken and set aside.  p goes on (writes,
# segment switches, checkpoints); src, a standby of p since before the
# backup, is promoted to timeline 2 at x, writes, and p is retired.  Later
# the old backup is restored, replays the WAL it came with, and is promoted:
# it too is on timeline 2, but its timeline 2 begins at y, long before x.
# It writes on its own timeline.
#
# Both sides are on "timeline 2": only the history files tell that these are
# two different timelines that parted at y on timeline 1 (a rewind that
# compares the numbers alone calls it "no rewind required", and the node
# then cannot follow src, with its own rows still in it).
#
#   wal        both sides still have the WAL from the last checkpoint before
#              y: auto rewinds from the target's WAL.
#   compare    the restored backup checkpointed until its WAL of timeline 1
#              is gone, and src recycled its copy: only the block compare
#              can bring it back.  auto must end on it (a dry run says so,
#              and why), and so must --method=compare.
#   timeline 3 the same through timeline 3 on the target (promoted once
#              more): different numbers, the same parting point.
#   one timeline  a standby of src, on src's own timeline 2: the same number
#              and the same history, no rewind required.
#
# Each rewound node follows src with its data.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init p --checksums
node_start p
node_psql p "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
CREATE TABLE gone_later (id int);
INSERT INTO gone_later SELECT generate_series(1, 100);"
node_checkpoint p
node_backup_standby p src
node_start src

# the old backup: set aside, never started as a standby of p
node_backup_standby p tgt
old_backup=$SCRATCH/old-backup
cp -a "${NODE_DATA[tgt]}" "$old_backup"

# p goes on: writes, DDL, several segments and checkpoints
for i in 1 2 3; do
    node_psql p "UPDATE t SET v = 'p-$i' WHERE id % 5 = $i;
CREATE TABLE after_backup_$i AS SELECT g FROM generate_series(1, 3000) g;
SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
done
node_psql p "DROP TABLE gone_later; VACUUM FULL t;"

# failover: src promoted to timeline 2 at x; p retired
wait_for_catchup src p
node_promote src
node_checkpoint src
node_stop p fast
x=$(history_switchpoint src 2 1)
node_psql src "UPDATE t SET v = 'src' WHERE id % 11 = 0;
CREATE TABLE on_src AS SELECT g FROM generate_series(1, 5000) g;" >/dev/null
node_checkpoint src

# restore_old NAME — the old backup restored as NAME: it replays the WAL it
# came with (no upstream, no archive) and is promoted onto a timeline of its
# own; it writes rows that exist nowhere else and checkpoints.
restore_old() {
    local name=$1
    _node_dirs "$name"
    cp -a "$old_backup" "${NODE_DATA[$name]}"
    printf "primary_conninfo = ''\n" | as_pg tee -a "${NODE_DATA[$name]}/postgresql.auto.conf" >/dev/null
    as_pg touch "${NODE_DATA[$name]}/standby.signal"
    node_start "$name"
    node_promote "$name"
    node_psql "$name" "UPDATE t SET v = 'OLD-BACKUP-ONLY' WHERE id % 3 = 0;
CREATE TABLE restored_only AS SELECT g FROM generate_series(1, 2000) g;" >/dev/null
    node_checkpoint "$name"
}

# push_out_tl1 NAME — segment switches and checkpoints until NAME's pg_wal
# holds no segment of timeline 1.
push_out_tl1() {
    local name=$1
    node_conf "$name" "wal_keep_size = 0"
    node_psql "$name" "SELECT pg_reload_conf()" >/dev/null
    for _ in 1 2 3 4; do
        node_psql "$name" "CREATE TABLE filler AS SELECT g FROM generate_series(1, 50000) g;
DROP TABLE filler; SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
    done
    is "$(node_psql "$name" "SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^00000001[0-9A-F]{16}\$'")" 0 \
        "$name: no WAL segment of timeline 1 is left in its pg_wal"
}

# --- wal: timeline 2 against timeline 2, the WAL kept on both sides ---------
restore_old tgtw
is "$(node_tli tgtw)" 2 "wal: the restored old backup runs on a timeline 2 of its own"
y=$(history_switchpoint tgtw 2 1)
is "$(node_psql src "SELECT '$y'::pg_lsn < '$x'::pg_lsn")" t \
    "wal: its timeline 2 begins at $y, before the source's at $x"
expect_gone tgtw postgres "SELECT count(*) FROM t WHERE v = 'OLD-BACKUP-ONLY'" "wal: rows written on the restored backup"
expect_gone tgtw postgres "SELECT count(*) FROM pg_class WHERE relname = 'gone_later'" "wal: a table the source dropped"
node_stop tgtw fast

# the target's own 00000002.history lost: without it the two timelines 2
# cannot be told apart, so the run is refused and changes nothing
node_copy tgtw tgtw_nohist
rm "${NODE_DATA[tgtw_nohist]}/pg_wal/00000002.history"
before=$(content_fingerprint "${NODE_DATA[tgtw_nohist]}")
st=0
run_rewind tgtw_nohist src -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "no history: the target without its 00000002.history is refused"
like "$out" "error: .*timeline history of the target \\(timeline 2\\)" "... saying whose history is missing"
like "$out" "hint: .*pg_wal/00000002\\.history.*restore it from the archive" "... and what to do"
is "$(content_fingerprint "${NODE_DATA[tgtw_nohist]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"
ok "... with no journal beside it" test ! -e "${NODE_DATA[tgtw_nohist]}.rewind-journal"
rm -rf "${NODE_DATA[tgtw_nohist]}"

st=0
run_rewind tgtw src -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "wal: rewind (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "servers diverged at WAL location $y on timeline 1([^0-9]|\$)" "wal: ... diverged at $y on timeline 1"
like "$out" "rewinding from last common checkpoint at [0-9A-F]+/[0-9A-F]+ on timeline 1([^0-9]|\$)" \
    "wal: ... from a checkpoint on timeline 1"
like "$out" "method: wal " "wal: ... by the target's WAL"
if [[ $st == 0 ]]; then verify_standby "wal" tgtw src
else fail "wal: verified (not attempted: the run failed)"; fi

# src recycles its WAL of the old backup's era
_GONE_SQL=()
push_out_tl1 src

# --- compare: timeline 2 against timeline 2, the WAL gone on both sides -----
rm -rf "${NODE_DATA[tgt]}"
restore_old tgt
is "$(history_switchpoint tgt 2 1)" "$y" "compare: the restored backup's timeline 2 begins at $y"
expect_gone tgt postgres "SELECT count(*) FROM t WHERE v = 'OLD-BACKUP-ONLY'" "rows written on the restored backup"
expect_gone tgt postgres "SELECT count(*) FROM pg_class WHERE relname = 'restored_only'" "a table created on it"
expect_gone tgt postgres "SELECT count(*) FROM pg_class WHERE relname = 'gone_later'" "a table the source dropped"
push_out_tl1 tgt
# its timeline 2 runs on past x, and the source's further still: by the
# numbers alone, tgt would look like a standby of src somewhat behind it
for _ in 1 2 3 4 5 6 7 8; do
    tgt_lsn=$(node_psql tgt "SELECT pg_current_wal_lsn()")
    [[ "$(node_psql src "SELECT '$tgt_lsn'::pg_lsn > '$x'::pg_lsn")" == f ]] || break
    node_psql tgt "SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
done
node_stop tgt fast
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [[ "$(node_psql src "SELECT pg_current_wal_lsn() > '$tgt_lsn'::pg_lsn + 16777216")" == f ]] || break
    node_psql src "CREATE TABLE filler AS SELECT 1; DROP TABLE filler; SELECT pg_switch_wal();" >/dev/null
done
is "$(node_psql src "SELECT '$tgt_lsn'::pg_lsn > '$x'::pg_lsn AND pg_current_wal_lsn() > '$tgt_lsn'::pg_lsn + 16777216")" t \
    "tgt's own timeline 2 ends past x, and src's goes further"
first_seg=$(node_psql src "SELECT min(name) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'")
y_seg=$(printf '00000001%s' "$(node_psql src "SELECT substr(pg_walfile_name('$y'::pg_lsn), 9)")")
ok "the source has no WAL of the divergence point's segment $y_seg either (its oldest: $first_seg)" \
    test "$first_seg" \> "$y_seg"
node_copy tgt tgt_forced

before=$(content_fingerprint "${NODE_DATA[tgt]}")
st=0
run_rewind tgt src --dry-run || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "a dry run exits with status 0"
last_ok || diag "$out"
like "$out" "servers diverged at WAL location $y on timeline 1([^0-9]|\$)" \
    "... finds where the histories part, though both sides are on timeline 2"
unlike "$out" "no rewind required" "... and does not call it no rewind required"
like "$out" "method: compare \\(no other method could be proven: " \
    "... would use the block compare, saying why"
last_ok || diag "$out"
is "$(content_fingerprint "${NODE_DATA[tgt]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"

st=0
run_rewind tgt src -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "rewind (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "servers diverged at WAL location $y on timeline 1([^0-9]|\$)" "... diverged at $y on timeline 1"
like "$out" "method: compare \\(no other method could be proven: " "... by the block compare, saying why"
like "$out" "base backup stopped on the source at WAL location" "... within a base backup of the source"
if [[ $st == 0 ]]; then verify_standby "auto" tgt src
else fail "auto: verified (not attempted: the run failed)"; fi

st=0
run_rewind tgt_forced src -R --method=compare || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "--method=compare exits with status 0"
last_ok || diag "$out"
like "$out" "method: compare \\(asked for with --method" "... and says it used the block compare"
if [[ $st == 0 ]]; then verify_standby "--method=compare" tgt_forced src
else fail "--method=compare: verified (not attempted: the run failed)"; fi

# --- case 2: timeline 3 (through the target's own timeline 2) against 2 -----
_GONE_SQL=()
restore_old tgt3
# promoted once more: 3 follows the target's own 2, which parted from 1 at y
node_stop tgt3 fast
as_pg touch "${NODE_DATA[tgt3]}/standby.signal"
node_start tgt3
node_promote tgt3
node_psql tgt3 "INSERT INTO restored_only SELECT g FROM generate_series(1, 10) g;" >/dev/null
is "$(node_tli tgt3)" 3 "the second restore runs on timeline 3"
is "$(history_switchpoint tgt3 3 1)" "$y" "... whose history leaves timeline 1 at $y too"
expect_gone tgt3 postgres "SELECT count(*) FROM t WHERE v = 'OLD-BACKUP-ONLY'" "rows written on the restored backup"
push_out_tl1 tgt3
node_stop tgt3 fast
st=0
run_rewind tgt3 src -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "timeline 3: rewind (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "servers diverged at WAL location $y on timeline 1([^0-9]|\$)" "... diverged at $y on timeline 1"
like "$out" "method: compare \\(no other method could be proven: " "... by the block compare"
if [[ $st == 0 ]]; then verify_standby "timeline 3, auto" tgt3 src
else fail "timeline 3, auto: verified (not attempted: the run failed)"; fi

# --- one timeline: a standby of src on src's own timeline 2 -----------------
# the same number and the same history: no rewind is required
_GONE_SQL=()
node_backup_standby src sby
node_start sby
wait_for_catchup sby src
is "$(node_tli sby)" 2 "one timeline: the standby streams src's timeline 2"
node_stop sby fast
st=0
run_rewind sby src -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "one timeline: rewind exits with status 0"
last_ok || diag "$out"
like "$out" "no rewind required" "one timeline: ... and says no rewind is required"
if [[ $st == 0 ]]; then verify_standby "one timeline" sby src
else fail "one timeline: verified (not attempted: the run failed)"; fi

done_testing

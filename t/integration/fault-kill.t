#!/usr/bin/env bash
# Fault: rewind killed with SIGKILL at several points of the fetch/apply
# phase (test hook REWIND_TEST_KILL_AFTER_WRITES=N: the tool kills itself
# right after its N-th change to the target).  After each kill:
#   - the target refuses to start (its pg_control is marked);
#   - --rollback puts it back byte for byte (every file's SHA-256, every
#     mode, every symlink, compared with a copy taken before the run);
#   - from the same kill point, a plain rerun finishes the rewind and the
#     node is verified as a standby of the source like every scenario.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
# the reference pg_rewind cannot start from a half-rewound copy
SKIP_REF_REASON="the target was interrupted on purpose"

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
CREATE TABLE dropped_on_old AS SELECT generate_series(1, 5000) AS id;
CREATE TABLE shrunk (id int, pad text);
INSERT INTO shrunk SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;
CREATE TABLE created_on_new AS SELECT generate_series(1, 3000) AS id;"
node_psql old "
UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
CREATE TABLE created_on_old AS SELECT generate_series(1, 20000) AS id;
DROP TABLE dropped_on_old;
DELETE FROM shrunk WHERE id > 100; VACUUM shrunk;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 140000) g;
SELECT pg_switch_wal();
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(200000, 210000) g;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

PRISTINE=$SCRATCH/pristine-old
cp -a "${NODE_DATA[old]}" "$PRISTINE"
before=$(content_fingerprint "$PRISTINE")
JOURNAL=${NODE_DATA[old]}.rewind-journal

restore_old() {
    rm -rf "${NODE_DATA[old]}" "$JOURNAL"
    cp -a "$PRISTINE" "${NODE_DATA[old]}"
}

# run_killed N ARGS... — the tool with the kill hook; sets REWIND_OUT, returns
# its exit status.
run_killed() {
    local n=$1 rc=0; shift
    REWIND_OUT=$SCRATCH/killed-$n.out
    as_pg env REWIND_TEST_KILL_AFTER_WRITES="$n" "$TOOL" --target-pgdata="${NODE_DATA[old]}" \
        --source-server="$(source_connstr new)" "$@" >"$REWIND_OUT" 2>&1 || rc=$?
    return "$rc"
}

# How many changes a whole run makes: a full rewind of a copy, with --debug.
restore_old
st=0; run_rewind old new -R --debug || st=$?
is "$st" 0 "a complete rewind of a copy succeeds"
total=$(sed -n 's/.*journal: [0-9]* bytes for \([0-9]*\) changes.*/\1/p' "$REWIND_OUT")
like "$total" '^[0-9]+$' "the run reports how many changes it made ($total)"
# --debug times each step: seconds since the start, never going back
steps=$(sed -n 's/.*debug: \([0-9]*\.[0-9]\{3\}\) s: \(listing the source.s files\|planned\|journal started\|plan executed\|changed files synced\).*/\1/p' "$REWIND_OUT")
is "$(wc -l <<<"$steps")" 5 "--debug times the listing, plan, journal, copy and sync steps"
ok "the debug times of the steps never go back" sort -c -g <<<"$steps"
ok "a completed run leaves no journal" test ! -e "$JOURNAL"
total=${total:-100}

# Kill points: the marking of pg_control, early copies, the middle, the
# removals near the end, the final pg_control written but not yet in place,
# and one among the removals and WAL recycling (files moved into the
# journal's stash, segments renamed), which come just before the last few
# changes (backup_label, configuration, pg_control).
removals=$(grep -c ' (\(remove\|recycle WAL\))' "$REWIND_OUT" || true)
ok "the run removes or recycles files ($removals)" test "${removals:-0}" -ge 4
in_removals=$((total - 5 - removals / 2))
points=(1 2 5 $((total / 3)) $((total / 2)) $((total * 4 / 5)) "$in_removals" $((total - 1)))
note "kill points: ${points[*]} of $total changes"

for n in "${points[@]}"; do
    restore_old
    st=0; run_killed "$n" -R || st=$?
    is "$st" 137 "killed after change $n: died of SIGKILL"
    ok "killed after change $n: journal left beside the target" test -f "$JOURNAL/journal"
    if [[ $n == "$((total / 2))" ]]; then
        st=0
        as_pg "$PGBIN/pg_ctl" start -D "${NODE_DATA[old]}" -l "$SCRATCH/refused.log" \
            -o "-p ${NODE_PORT[old]}" -w -t 20 >/dev/null 2>&1 || st=$?
        isnt "$st" 0 "killed after change $n: the half-rewound target refuses to start"
        like "$(cat "$SCRATCH/refused.log")" 'control file contains invalid database cluster state' \
            "... with a clear server error"
        st=0; run_rewind old new -n || st=$?
        isnt "$st" 0 "... a dry run refuses the half-rewound target"
        like "$(cat "$REWIND_OUT")" 'interrupted rewind' "... and says why"
    fi
    if [[ $n == "$in_removals" ]]; then
        ok "killed after change $n: files were moved into the journal's stash or recycled" \
            test -n "$(ls -A "$JOURNAL/moved" 2>/dev/null)$(comm -13 <(ls "$PRISTINE/pg_wal") <(ls "${NODE_DATA[old]}/pg_wal") | grep -E '^[0-9A-F]{24}$' || true)"
    fi
    rollback_and_check "killed after change $n" old new "$before"
    if [[ $n == "$in_removals" ]]; then
        like "$(cat "$REWIND_OUT")" 'stopped while removing files' \
            "killed after change $n: the run was among its removals"
    fi
done

# Rolled back, the target is its original self: a second --rollback has
# nothing to do, and says so (HA scripts call it unconditionally).
st=0; run_rewind old new --rollback || st=$?
is "$st" 0 "--rollback without a journal, on the rolled-back target, exits 0"
like "$(cat "$REWIND_OUT")" 'nothing to roll back: the target was not changed' "... saying there is nothing to roll back"

# The very last change: the final pg_control is in place, the journal not
# yet removed.  --rollback refuses (the node may have run since); a rerun
# removes the journal and says the target is rewound.
restore_old
st=0; run_killed "$total" -R || st=$?
is "$st" 137 "killed after the last change: died of SIGKILL"
st=0; run_rewind old new --rollback || st=$?
is "$st" 1 "killed after the last change: --rollback refuses a completed rewind"
like "$(cat "$REWIND_OUT")" 'had completed' "... and says the rewind had completed"
st=0; run_rewind old new -R || st=$?
is "$st" 0 "killed after the last change: a rerun succeeds"
like "$(cat "$REWIND_OUT")" 'interrupted run had completed' "... after removing the stale journal"
ok "... which is gone" test ! -e "$JOURNAL"
verify_standby "killed after the last change, rerun" old new

# Rerun (no --rollback) after kills in the middle of the copy: the run rolls
# back to the original state and rewinds afresh.
for n in 2 $((total / 2)) $((total - 1)); do
    restore_old
    st=0; run_killed "$n" -R || st=$?
    is "$st" 137 "killed after change $n (for a rerun): died of SIGKILL"
    rewind_and_verify old new -R
    like "$(cat "$REWIND_OUT")" 'rolling back' \
        "killed after change $n: the rerun rolled back first"
done
done_testing

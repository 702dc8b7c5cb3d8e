#!/usr/bin/env bash
# Issue 15, step 4 with a standby as the source: --method=compare from a
# running cascading standby of the new primary.  The base backup is taken on
# the standby (a non-exclusive pg_backup_start works there: it starts at
# the standby's restartpoint), its stop position and the WAL the rewound
# node needs come from the standby.
#
#   streaming   the standby follows the new primary on timeline 2 and has
#               had a restartpoint there: the backup starts and stops on
#               timeline 2.
#   catching-up its replay is paused before the divergence point (it has
#               received the new timeline's history): the backup starts and
#               stops on timeline 1 while the standby follows timeline 2,
#               and the rewound node must replay past the divergence point
#               before it is consistent.
#
# Each rewound node must start as a standby of the standby, stream from it
# on timeline 2, hold its data and lose the old primary's own rows.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

# split PREFIX — PREFIX_old (primary) with standbys PREFIX_new and PREFIX_sb,
# a table t, both standbys caught up; PREFIX_sb stopped and pointed at
# PREFIX_new (what an HA manager does to a replica at a failover).
split() {
    local p=$1
    node_init "${p}_old" --checksums
    node_start "${p}_old"
    node_psql "${p}_old" "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
    node_backup_standby "${p}_old" "${p}_new"
    node_start "${p}_new"
    node_backup_standby "${p}_old" "${p}_sb"
    node_start "${p}_sb"
    wait_for_catchup "${p}_new" "${p}_old"
    wait_for_catchup "${p}_sb" "${p}_old"
    node_stop "${p}_sb" fast
    node_set_primary "${p}_sb" "${p}_new"
}

# diverge PREFIX — writes on both sides; the old primary's are registered as
# rows that must be gone; the old primary is stopped.
diverge() {
    local p=$1
    node_psql "${p}_new" "UPDATE t SET v = 'new' WHERE id % 4 = 0; INSERT INTO t VALUES (90000, 'new');
CREATE TABLE on_new AS SELECT g FROM generate_series(1, 3000) g;"
    node_psql "${p}_old" "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;
CREATE TABLE old_only AS SELECT g AS id FROM generate_series(1, 1000) g;"
    expect_gone "${p}_old" postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "$p: rows of the old primary"
    expect_gone "${p}_old" postgres "SELECT count(*) FROM pg_class WHERE relname = 'old_only'" \
        "$p: a table of the old primary"
    node_stop "${p}_old" fast
}

# compare_from_standby PREFIX LABEL — rewind PREFIX_old from PREFIX_sb with
# --method=compare; the run's own claims checked.
compare_from_standby() {
    local p=$1 label=$2 out
    st=0
    run_rewind "${p}_old" "${p}_sb" -R --method=compare || st=$?
    out=$(cat "$REWIND_OUT")
    is "$st" 0 "$label: --method=compare from the standby exits with status 0"
    last_ok || diag "$out"
    like "$out" "servers diverged at WAL location $switch on timeline 1([^0-9]|\$)" \
        "$label: divergence at the switch point of the new primary's history"
    like "$out" "base backup started on the source at WAL location" "$label: a base backup of the standby"
    like "$out" "base backup stopped on the source at WAL location" "$label: ... stopped after the copy"
    like "$(cat "${NODE_DATA[${p}_old]}/backup_label" 2>/dev/null || true)" "LABEL: rewind --method=compare" \
        "$label: the target's backup_label is the standby's base backup's"
    # a closed session's backend leaves pg_stat_activity a moment after the client
    ok "$label: no session of rewind left on the standby" wait_for_query "${p}_sb" \
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rewind'" 0 10
}

# --- streaming: a restartpoint on timeline 2 ----------------------------------
_GONE_SQL=()
split s
node_promote s_new
node_checkpoint s_new
node_start s_sb
ok "streaming: the standby streams timeline 2 from the new primary" wait_for_query s_sb \
    "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" "streaming 2" 30
diverge s
switch=$(history_switchpoint s_new 2 1)
wait_for_catchup s_sb s_new
node_checkpoint s_sb
is "$(node_psql s_sb "SELECT timeline_id FROM pg_control_checkpoint()")" 2 \
    "streaming: precondition: the standby's restartpoint is on timeline 2"
compare_from_standby s streaming
if [[ $st -eq 0 ]]; then verify_standby streaming s_old s_sb
else fail "streaming: rewound s_old verified as a standby of s_sb (not attempted: the tool failed)"; fi

# --- catching-up: replay paused before the divergence point -------------------
_GONE_SQL=()
split c
node_start c_sb
wait_for_catchup c_sb c_new
node_psql c_sb "SELECT pg_wal_replay_pause()"
# common WAL the paused standby receives but does not replay, a checkpoint in it
node_psql c_old "UPDATE t SET v = 'common' WHERE id % 3 = 0; CHECKPOINT;
UPDATE t SET v = 'common2' WHERE id % 13 = 0;"
wait_for_catchup c_new c_old
node_promote c_new
node_checkpoint c_new
ok "catching-up: the paused standby received the new timeline's history" wait_for_query c_sb \
    "SELECT count(*) FROM pg_ls_waldir() WHERE name = '00000002.history'" 1 30
diverge c
switch=$(history_switchpoint c_new 2 1)
replayed=$(node_psql c_sb "SELECT pg_last_wal_replay_lsn()")
is "$(node_psql c_new "SELECT '$replayed'::pg_lsn < '$switch'::pg_lsn")" t \
    "catching-up: precondition: the standby replayed up to $replayed, before the switch point $switch"
compare_from_standby c catching-up
node_psql c_sb "SELECT pg_wal_replay_resume()"
wait_for_catchup c_sb c_new
if [[ $st -eq 0 ]]; then verify_standby catching-up c_old c_sb
else fail "catching-up: rewound c_old verified as a standby of c_sb (not attempted: the tool failed)"; fi

done_testing

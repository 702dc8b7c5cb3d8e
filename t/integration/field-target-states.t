#!/usr/bin/env bash
# Issue 12, failures 1 and 2: the states PostgreSQL leaves a target in that
# HA managers hand to a rewind, each its own split brain and its own case.
#
#   demoted   the old primary, stopped with -m immediate, restarted as a
#             standby of the new primary (what Patroni does when its leader
#             loses the lock): it replays its own WAL to the end, cannot
#             stream ("requested starting point ... is not in this server's
#             history"), and is stopped: "shut down in recovery" with
#             minRecoveryPoint at the end of its WAL, where the last record
#             usually ends at an address that is not 8-byte aligned.
#   ahead     three nodes: the standby that was not promoted had received
#             and replayed more of the old primary's WAL than the promoted
#             one; stopped cleanly, "shut down in recovery".
#   crashed   a standby ahead of the new primary that crashed (-m immediate):
#             "in archive recovery", minRecoveryPoint where it last wrote a
#             page, its WAL after it in pg_wal.
#   paused    a standby that received the old primary's WAL after the
#             divergence point but replayed only up to it (replay paused):
#             minRecoveryPoint at or before the divergence point, the end
#             of its WAL after it.  When started,
#             PostgreSQL replays the WAL in pg_wal first: that WAL counts.
#
# Each rewound node must start as a standby of the new primary, stream from
# it on its timeline and hold its data (verify_standby).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

# wait_for_log NAME REGEX SECONDS — until NAME's server log matches (bounded).
wait_for_log() {
    local name=$1 re=$2 secs=$3 i
    for ((i = 0; i < secs * 5; i++)); do
        grep -Eq "$re" "${NODE_LOG[$name]}" 2>/dev/null && return 0
        sleep 0.2
    done
    diag "no line matching '$re' in $name's log within ${secs}s"
    return 1
}

# demote NAME PRIMARY — what Patroni does to a leader that lost its lock:
# immediate stop, restart as a standby of PRIMARY, stop once it found it
# cannot stream (it replayed its own WAL to its end first).
demote() {
    local name=$1 primary=$2
    node_stop "$name" immediate
    as_pg touch "${NODE_DATA[$name]}/standby.signal"
    node_set_primary "$name" "$primary"
    node_start "$name"
    ok "$name, restarted as a standby of $primary, finds it cannot follow it" wait_for_log "$name" \
        "is not in this server's history|forked off current database system timeline" 60
    note "$name before its stop: replayed up to $(node_psql "$name" "SELECT pg_last_wal_replay_lsn()")"
    node_stop "$name" fast
}

# --- demoted: the leader that lost its lock -----------------------------------
_GONE_SQL=()
node_init d_old --checksums
node_start d_old
node_psql d_old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover d_old d_new
node_psql d_new "UPDATE t SET v = 'new' WHERE id % 5 = 0; INSERT INTO t VALUES (9000, 'new');"
node_psql d_old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;
CREATE TABLE old_only AS SELECT g AS id FROM generate_series(1, 1000) g;
INSERT INTO t VALUES (9001, 'OLD-ONLY');"
expect_gone d_old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "demoted: rows of the old primary"
demote d_old d_new
is "$(control_state d_old)" "shut down in recovery" "demoted: the old primary is \"shut down in recovery\""
rewind_and_verify d_old d_new -R

# standby_ahead PREFIX KIND — PREFIX_old (primary) with standbys PREFIX_new and
# PREFIX_sb; PREFIX_new stops receiving, PREFIX_sb receives more of the old
# primary's WAL, PREFIX_new is promoted and written to.  PREFIX_sb is then
# stopped:
#   ahead    it replayed what it received; fast stop ("shut down in recovery")
#   crashed  the same, but -m immediate ("in archive recovery")
#   paused   it received but did not replay (replay paused), fast stop: its
#            minRecoveryPoint is at or before the divergence point, its
#            pg_wal holds the old primary's WAL after it
standby_ahead() {
    local p=$1 kind=$2 lsn
    _GONE_SQL=()
    node_init "${p}_old" --checksums
    node_start "${p}_old"
    node_psql "${p}_old" "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
    node_backup_standby "${p}_old" "${p}_new"
    node_start "${p}_new"
    node_backup_standby "${p}_old" "${p}_sb"
    node_start "${p}_sb"
    wait_for_catchup "${p}_new" "${p}_old"
    wait_for_catchup "${p}_sb" "${p}_old"
    if [[ $kind == paused ]]; then
        node_psql "${p}_sb" "SELECT pg_wal_replay_pause()"
        ok "$kind: replay on the standby is paused" wait_for_query "${p}_sb" \
            "SELECT pg_get_wal_replay_pause_state()" paused 30
    fi
    # The standby to be promoted stops receiving; the other one goes on.
    node_stop "${p}_new" fast
    node_psql "${p}_old" "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(10001, 10500) g;"
    lsn=$(node_psql "${p}_old" "SELECT pg_current_wal_lsn()")
    if [[ $kind == paused ]]; then
        ok "$kind: the standby received the old primary's WAL" wait_for_query "${p}_sb" \
            "SELECT pg_last_wal_receive_lsn() >= '$lsn'" t 60
    else
        wait_for_catchup "${p}_sb" "${p}_old"
        expect_gone "${p}_sb" postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" \
            "$kind: rows the promoted standby never received"
    fi
    node_stop "${p}_old" immediate
    node_start "${p}_new"
    node_promote "${p}_new"
    node_checkpoint "${p}_new"
    node_psql "${p}_new" "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
    SB_REPLAYED=$(node_psql "${p}_sb" "SELECT pg_last_wal_replay_lsn()")
    SB_RECEIVED=$(node_psql "${p}_sb" "SELECT pg_last_wal_receive_lsn()")
    if [[ $kind == crashed ]]; then node_stop "${p}_sb" immediate; else node_stop "${p}_sb" fast; fi
}

# switch point of PREFIX_new's timeline 2 compared with LSN: SQL "<" or ">"
lsn_vs_switch() {
    node_psql "$1_new" "SELECT '$3'::pg_lsn $2 '$(history_switchpoint "$1_new" 2 1)'::pg_lsn"
}

# --- ahead: a standby that received and replayed more than the promoted one --
standby_ahead a ahead
is "$(lsn_vs_switch a ">" "$SB_REPLAYED")" t \
    "ahead: the standby replayed past the promotion's switch point (PostgreSQL's history file)"
is "$(control_state a_sb)" "shut down in recovery" "ahead: the standby is \"shut down in recovery\""
rewind_and_verify a_sb a_new -R

# --- crashed: the same standby, crashed --------------------------------------
standby_ahead c crashed
is "$(lsn_vs_switch c ">" "$SB_REPLAYED")" t \
    "crashed: the standby replayed past the promotion's switch point"
is "$(control_state c_sb)" "in archive recovery" "crashed: the standby is \"in archive recovery\""
SKIP_REF_REASON="pg_rewind 15 runs crash recovery in single-user mode, which refuses a standby's standby.signal"
rewind_and_verify c_sb c_new -R
SKIP_REF_REASON=""

# --- paused: received past the divergence point, replayed only up to it ------
standby_ahead l paused
is "$(lsn_vs_switch l "<=" "$SB_REPLAYED")" t \
    "paused: the standby replayed only up to the switch point ($SB_REPLAYED)"
is "$(lsn_vs_switch l ">" "$SB_RECEIVED")" t \
    "paused: the standby received past the switch point ($SB_RECEIVED)"
is "$(control_state l_sb)" "shut down in recovery" "paused: the standby is \"shut down in recovery\""
SKIP_REF_REASON="pg_rewind 15 answers 'no rewind required' from minRecoveryPoint and leaves the old primary's WAL after the divergence point in pg_wal, which the node then replays"
rewind_and_verify l_sb l_new -R
SKIP_REF_REASON=""

done_testing

#!/usr/bin/env bash
# Issue 12, failure 3: the source is a standby of the new primary, each kind
# its own case.
#
#   fresh       it followed the promotion (streams timeline 2 from the new
#               primary) but has had no restartpoint since: its pg_control
#               still names timeline 1.  The source's timeline is the one it
#               follows: its newest history file.
#   restarted   the same after its first restartpoint on timeline 2.
#   catching-up its replay is paused before the divergence point (it
#               received the new timeline's history): the rewound node must
#               not be consistent before the divergence point, so its
#               control file's minimum recovery point is the divergence
#               point (the source's own is older).
#   stopped     the data directory of a stopped standby (--source-pgdata):
#               its files stand at its minimum recovery point, past its last
#               restartpoint; the rewound node is consistent from there on.
#
# Each rewound node must start as a standby of the standby, stream from it on
# timeline 2 and hold its data.  pg_rewind 15 answers "no rewind required" for
# a source whose pg_control names timeline 1: no comparison with it there.
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
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
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
    node_psql "${p}_new" "UPDATE t SET v = 'new' WHERE id % 4 = 0; INSERT INTO t VALUES (9000, 'new');"
    node_psql "${p}_old" "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;
CREATE TABLE old_only AS SELECT g AS id FROM generate_series(1, 1000) g;"
    expect_gone "${p}_old" postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "$p: rows of the old primary"
    node_stop "${p}_old" fast
}

SKIP_REF_REASON="pg_rewind 15 reads the source's timeline from its pg_control only and answers 'no rewind required' for a standby source that has not had a restartpoint on the new timeline"

# --- fresh: no restartpoint on the new timeline yet ---------------------------
_GONE_SQL=()
split f
node_promote f_new
node_checkpoint f_new
node_start f_sb
ok "fresh: the standby streams timeline 2 from the new primary" wait_for_query f_sb \
    "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" "streaming 2" 30
diverge f
wait_for_catchup f_sb f_new
is "$(node_psql f_sb "SELECT timeline_id FROM pg_control_checkpoint()")" 1 \
    "fresh: precondition: the standby's pg_control still names timeline 1"
rewind_and_verify f_old f_sb -R

# --- restarted: after its first restartpoint on the new timeline --------------
_GONE_SQL=()
split r
node_promote r_new
node_checkpoint r_new
node_start r_sb
ok "restarted: the standby streams timeline 2 from the new primary" wait_for_query r_sb \
    "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" "streaming 2" 30
diverge r
wait_for_catchup r_sb r_new
node_checkpoint r_sb
is "$(node_psql r_sb "SELECT timeline_id FROM pg_control_checkpoint()")" 2 \
    "restarted: precondition: the standby's restartpoint is on timeline 2"
rewind_and_verify r_old r_sb -R

# --- catching-up: replay paused before the divergence point -------------------
_GONE_SQL=()
split c
node_start c_sb
wait_for_catchup c_sb c_new
node_psql c_sb "SELECT pg_wal_replay_pause()"
# common WAL the paused standby receives but does not replay
node_psql c_old "UPDATE t SET v = 'common' WHERE id % 3 = 0;"
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
st=0; run_rewind c_old c_sb -R || st=$?
is "$st" 0 "catching-up: the rewind succeeds"
last_ok || diag "$(cat "$REWIND_OUT")"
like "$(cat "$REWIND_OUT")" "servers diverged at WAL location $switch on timeline 1([^0-9]|\$)" \
    "catching-up: divergence at the switch point of the new primary's history"
if [[ "$PG_MAJOR" == 15 ]]; then
    ctl=$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[c_old]}")
    is "$(awk -F': *' '/^Minimum recovery ending location/ {print $2}' <<<"$ctl")" "$switch" \
        "catching-up: the rewound node is consistent from the divergence point on (pg_controldata)"
    is "$(awk -F': *' '/^Min recovery ending loc.s timeline/ {print $2}' <<<"$ctl")" 1 \
        "catching-up: ... on timeline 1"
else
    skip "catching-up: minimum recovery point read with pg_controldata" \
        "pg_controldata 15 reads PostgreSQL 15's control file only"
fi
node_psql c_sb "SELECT pg_wal_replay_resume()"
wait_for_catchup c_sb c_new
if [[ $st -eq 0 ]]; then verify_standby tool c_old c_sb
else fail "tool: rewound c_old verified as a standby of c_sb (not attempted: the tool failed)"; fi

# --- stopped: a stopped standby's data directory (--source-pgdata) ------------
_GONE_SQL=()
split s
node_promote s_new
node_checkpoint s_new
node_start s_sb
ok "stopped: the standby streams timeline 2 from the new primary" wait_for_query s_sb \
    "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" "streaming 2" 30
diverge s
# changes after the new primary's checkpoint: replayed past the standby's
# last restartpoint
node_psql s_new "UPDATE t SET v = 'after' WHERE id % 10 = 1;"
wait_for_catchup s_sb s_new
switch=$(history_switchpoint s_new 2 1)
node_stop s_sb fast
is "$(control_state s_sb)" "shut down in recovery" "stopped: the standby is \"shut down in recovery\""
if [[ "$PG_MAJOR" == 15 ]]; then
    sctl=$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[s_sb]}")
    src_mrp=$(awk -F': *' '/^Minimum recovery ending location/ {print $2}' <<<"$sctl")
    src_ckpt=$(awk -F': *' '/^Latest checkpoint location/ {print $2}' <<<"$sctl")
    is "$(node_psql s_new "SELECT '$src_mrp'::pg_lsn > '$src_ckpt'::pg_lsn")" t \
        "stopped: precondition: the standby's files stand past its last restartpoint ($src_mrp > $src_ckpt)"
fi
SOURCE_MODE=pgdata
st=0; run_rewind s_old s_sb || st=$?
SOURCE_MODE=server
is "$st" 0 "stopped: the rewind from the standby's directory succeeds"
last_ok || diag "$(cat "$REWIND_OUT")"
like "$(cat "$REWIND_OUT")" "servers diverged at WAL location $switch on timeline 1([^0-9]|\$)" \
    "stopped: divergence at the switch point of the new primary's history"
if [[ "$PG_MAJOR" == 15 ]]; then
    ctl=$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[s_old]}")
    is "$(awk -F': *' '/^Minimum recovery ending location/ {print $2}' <<<"$ctl")" "$src_mrp" \
        "stopped: the rewound node is consistent from the standby's minimum recovery point on (pg_controldata)"
else
    skip "stopped: minimum recovery point read with pg_controldata" \
        "pg_controldata 15 reads PostgreSQL 15's control file only"
fi
node_start s_sb
if [[ $st -eq 0 ]]; then verify_standby tool s_old s_sb
else fail "tool: rewound s_old verified as a standby of s_sb (not attempted: the tool failed)"; fi

done_testing

#!/usr/bin/env bash
# Issue 12, failure 7, third try: "no rewind required" for a target whose
# data files were recovered only to a point before the divergence while its
# pg_wal holds records after it.  Such a target is a standby of the old
# primary whose replay was paused before the failover while it went on
# receiving the old primary's WAL, then shut down ("shut down in
# recovery"): pg_control's checkpoint and minRecoveryPoint are before the
# divergence, but its next start would replay its own pg_wal past it.  The
# answer must come from the WAL: a rewind is required, and the rewound node
# must follow the new primary with none of the old primary's later rows.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="pg_rewind 15 answers \"no rewind required\" here and leaves a node that cannot follow"

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old paused
node_start paused
wait_for_catchup paused old
node_psql paused "SELECT pg_wal_replay_pause()" >/dev/null
ok "the standby's replay is paused" wait_for_query paused "SELECT pg_get_wal_replay_pause_state()" paused 30
replayed=$(node_psql paused "SELECT pg_last_wal_replay_lsn()")

node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 5 = 0;"
DIVERGE=$(history_switchpoint new 2 1)
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(10000, 12000) g;"
old_end=$(node_psql old "SELECT pg_current_wal_flush_lsn()")
ok "the paused standby received the old primary's WAL up to $old_end" wait_for_query paused \
    "SELECT pg_last_wal_receive_lsn() >= '$old_end'" t 30
is "$(node_psql paused "SELECT pg_last_wal_replay_lsn() < '$DIVERGE'")" t \
    "... but replayed only up to $replayed, before the divergence at $DIVERGE"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop paused fast
node_stop old fast
is "$(control_state paused)" "shut down in recovery" "the paused standby is shut down in recovery"
min_recovery=$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[paused]}" 2>/dev/null |
    awk -F': *' '/^Minimum recovery ending location/ {print $2}' || true)
if [[ "$PG_MAJOR" == 15 ]]; then
    is "$(node_psql new "SELECT '$min_recovery'::pg_lsn < '$DIVERGE'")" t \
        "its minRecoveryPoint $min_recovery is before the divergence"
fi
div_seg=$(node_psql new "SELECT pg_walfile_name('$DIVERGE')")
received_seg=$(node_psql new "SELECT pg_walfile_name('$old_end')")
note "divergence in segment $div_seg (timeline 2's name), received up to ${received_seg/#00000002/00000001}"
ok "its pg_wal holds the old primary's segment of its received end" \
    test -f "${NODE_DATA[paused]}/pg_wal/${received_seg/#00000002/00000001}"

rewind_and_verify paused new -R
done_testing

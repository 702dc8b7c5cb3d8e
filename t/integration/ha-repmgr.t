#!/usr/bin/env bash
# repmgr 5 drives rewind: `repmgr node rejoin --force-rewind` of an old
# primary that was shut down cleanly with rows its standby never received,
# after `repmgr standby promote` of that standby; once with a CHECKPOINT on
# the new primary before the rejoin, once without.  repmgr runs pg_rewind
# from pg_bindir (the directory of links whose pg_rewind runs the tool
# given), restores --config-files and starts the node as a standby of the
# new primary, which it must follow on the new timeline with its data.
set -euo pipefail
HA_NEEDS=(repmgr setpriv)
# shellcheck source=t/lib/ha-managers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/ha-managers.sh"
note "manager: $(repmgr --version) ($(command -v repmgr))"

# repmgr_conf NODE ID — NODE's repmgr.conf: the tools from HA_BINDIR, the
# port on pg_ctl's command line (service_start_command), not in
# postgresql.conf.
repmgr_conf() {
    local node=$1 id=$2 d=${NODE_DATA[$1]}
    cat <<CONF | as_pg tee "$SCRATCH/$node/repmgr.conf" >/dev/null
node_id=$id
node_name='$node'
conninfo='$(source_connstr "$node") connect_timeout=2'
data_directory='$d'
pg_bindir='$HA_BINDIR'
replication_user='postgres'
use_replication_slots=no
log_level='INFO'
service_start_command='$HA_BINDIR/pg_ctl -D $d -l ${NODE_LOG[$node]} -o "-p ${NODE_PORT[$node]}" -w -t 60 start'
service_stop_command='$HA_BINDIR/pg_ctl -D $d -m fast -w -t 60 stop'
service_restart_command='$HA_BINDIR/pg_ctl -D $d -l ${NODE_LOG[$node]} -o "-p ${NODE_PORT[$node]}" -m fast -w -t 60 restart'
service_reload_command='$HA_BINDIR/pg_ctl -D $d reload'
promote_check_timeout=60
CONF
}

# repmgr_run NODE ARGS... — repmgr with NODE's configuration; output in
# $SCRATCH/NODE/repmgr.out (appended), status returned.
repmgr_run() {
    local node=$1 st=0; shift
    echo "\$ repmgr -f $SCRATCH/$node/repmgr.conf $*" >>"$SCRATCH/$node/repmgr.out"
    as_pg timeout 180 repmgr -f "$SCRATCH/$node/repmgr.conf" "$@" >>"$SCRATCH/$node/repmgr.out" 2>&1 || st=$?
    echo "[exit status $st]" >>"$SCRATCH/$node/repmgr.out"
    return "$st"
}

# rejoin_case TAG CHECKPOINT — a primary TAG_old and its standby TAG_new;
# the standby stops, the primary writes and stops cleanly, the standby is
# promoted by repmgr and writes, and the old primary rejoins with
# --force-rewind.  CHECKPOINT=1: the new primary is checkpointed before the
# rejoin.  CHECKPOINT=0: it has had no checkpoint since its promotion, so its
# pg_control still names the old timeline (PostgreSQL requests a checkpoint
# right after a promotion, which on a small cluster is over at once: the new
# primary's checkpointer is frozen from before the promotion until after the
# rejoin).
rejoin_case() {
    local tag=$1 checkpoint=$2 old=${1}_old new=${1}_new label st
    label="rejoin --force-rewind ($([[ $checkpoint == 1 ]] && echo "CHECKPOINT on the new primary" || echo "no CHECKPOINT on the new primary"))"
    node_init "$old"
    node_start "$old"
    repmgr_conf "$old" 1
    node_psql "$old" "CREATE EXTENSION amcheck;
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
    ok "$label: repmgr primary register" repmgr_run "$old" primary register
    node_backup_standby "$old" "$new"
    node_set_primary "$new" "$old"   # application_name = node_name, as repmgr expects
    node_start "$new"
    repmgr_conf "$new" 2
    ok "$label: repmgr standby register" repmgr_run "$new" standby register
    wait_for_catchup "$new" "$old"

    node_stop "$new" fast
    node_psql "$old" "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;
CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;"
    expect_gone "$old" postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows the standby never received"
    node_stop "$old" fast
    node_start "$new"
    local ckpt=""
    if [[ $checkpoint == 0 ]]; then
        ckpt=$(node_psql "$new" "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
        freeze_pid "$ckpt"
    fi
    ok "$label: repmgr standby promote" repmgr_run "$new" standby promote
    wait_for_query "$new" "SELECT pg_is_in_recovery()" f 60 || true
    node_psql "$new" "UPDATE t SET v = 'new' WHERE id <= 1000;
CREATE TABLE new_only AS SELECT g FROM generate_series(1, 1000) g;"
    if [[ $checkpoint == 1 ]]; then node_checkpoint "$new"; fi
    is "$(node_psql "$new" "SELECT timeline_id FROM pg_control_checkpoint()")" "$([[ $checkpoint == 1 ]] && echo 2 || echo 1)" \
        "$label: $new's pg_control names timeline $([[ $checkpoint == 1 ]] && echo "2 (checkpointed)" || echo "1 (no checkpoint since the promotion)"), its WAL timeline $(node_tli "$new")"

    st=0
    as_pg mkdir -p "$SCRATCH/$old/config-archive"
    repmgr_run "$old" node rejoin -d "$(source_connstr "$new")" --force-rewind \
        --config-files=postgresql.conf,pg_hba.conf --config-archive-dir="$SCRATCH/$old/config-archive" \
        --verbose || st=$?
    [[ -z "$ckpt" ]] || kill -CONT "$ckpt"
    is "$st" 0 "$label: repmgr node rejoin exits 0"
    last_ok || diag "$(tail -n 25 "$SCRATCH/$old/repmgr.out")"
    check_rewound_by_tool "$label" "$old"
    if [[ "$st" == 0 ]] && node_running "$old"; then
        check_rejoined "$label" "$old" "$new"
        like "$(as_pg repmgr -f "$SCRATCH/$new/repmgr.conf" cluster show 2>&1)" \
            "$old +\| standby +\| +running +\| $new " "$label: repmgr cluster show: $old is a running standby of $new"
    else
        fail "$label: $old holds $new's data (not checked: the rejoin failed)"
    fi
    _GONE_SQL=()
    node_running "$old" && node_stop "$old" fast
    node_stop "$new" fast
}

rejoin_case ck 1
rejoin_case nc 0
done_testing

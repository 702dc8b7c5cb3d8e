#!/usr/bin/env bash
# pg_auto_failover 2.0 drives rewind: a monitor and two nodes.  The primary
# commits rows its standby never receives (its WAL sender frozen, the
# commits local), then crashes (its pg_autoctl and all of its PostgreSQL
# SIGKILLed); the monitor fails over to the standby, which writes; then the
# old primary's pg_autoctl comes back and rejoins.  pg_autoctl finds
# pg_rewind next to the pg_ctl it is given (--pgctl): the directory of
# links whose pg_rewind runs the tool given.  The old primary must be
# rewound (not re-cloned with pg_basebackup, pg_autoctl's fallback), stream
# from the new primary on its timeline and hold its data.
set -euo pipefail
HA_NEEDS=(pg_autoctl setpriv)
# shellcheck source=t/lib/ha-managers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/ha-managers.sh"
note "manager: $(pg_autoctl --version 2>&1 | sed -n 1p) ($(command -v pg_autoctl))"

# pgaf NAME ARGS... — pg_autoctl as the postgres user, with NAME's own
# configuration and state directories.
pgaf_env() {
    echo "XDG_CONFIG_HOME=$SCRATCH/$1/config" "XDG_DATA_HOME=$SCRATCH/$1/share" \
         "XDG_RUNTIME_DIR=$SCRATCH/$1/run"
}
pgaf() {
    local name=$1; shift
    # shellcheck disable=SC2046  # pgaf_env's words are separate variables
    as_pg env $(pgaf_env "$name") pg_autoctl "$@"
}
# pgaf_run NAME ARGS... — a pg_autoctl service (create ... --run, run).
pgaf_run() {
    local name=$1; shift
    [[ -f "$SCRATCH/$name/pg_autoctl.log" ]] && as_pg mv "$SCRATCH/$name/pg_autoctl.log" "$SCRATCH/$name/pg_autoctl.log.$(date +%s%N)"
    # shellcheck disable=SC2046
    ha_spawn "pgaf-$name" "$SCRATCH/$name/pg_autoctl.log" $(pgaf_env "$name") pg_autoctl "$@"
}

MONITOR_URI=""
# monitor_sql SQL — on the monitor's database.
monitor_sql() { as_pg "$PGCLIENT/psql" -X -A -t -q -v ON_ERROR_STOP=1 -d "$MONITOR_URI" -c "$1"; }
# node_state NAME — "REPORTED GOAL" of NAME, as the monitor knows them.
node_state() { monitor_sql "SELECT reportedstate || ' ' || goalstate FROM pgautofailover.node WHERE nodename = '$1'"; }
state_is() { [[ "$(node_state "$1")" == "$2" ]]; }

ha_register_node mon
ha_register_node a1
ha_register_node a2
# pg_autoctl's servers put their sockets in the default directory; the
# harness's psql looks in $SOCKDIR: links there.
PG_SOCKET_DIR=/var/run/postgresql
for n in mon a1 a2; do
    as_pg mkdir -p "$SCRATCH/$n/config" "$SCRATCH/$n/share" "$SCRATCH/$n/run"
    as_pg chmod 0700 "$SCRATCH/$n/run"
    as_pg ln -s "$PG_SOCKET_DIR/.s.PGSQL.${NODE_PORT[$n]}" "$SOCKDIR/"
done

# The monitor: created, made to listen on 127.0.0.1 only, then run.
st=0
# shellcheck disable=SC2046  # pgaf_env's words are separate variables
as_pg env $(pgaf_env mon) timeout 180 pg_autoctl create monitor --pgdata "${NODE_DATA[mon]}" \
    --pgport "${NODE_PORT[mon]}" --pgctl "$HA_BINDIR/pg_ctl" --hostname 127.0.0.1 --auth trust --no-ssl \
    >"$SCRATCH/mon/create.log" 2>&1 || st=$?
is "$st" 0 "pg_autoctl create monitor"
last_ok || diag "$(tail -n 20 "$SCRATCH/mon/create.log")"
pgaf mon config set --pgdata "${NODE_DATA[mon]}" postgresql.listen_addresses 127.0.0.1 >/dev/null
pgaf_run mon run --pgdata "${NODE_DATA[mon]}"
MONITOR_URI="postgres://autoctl_node@127.0.0.1:${NODE_PORT[mon]}/pg_auto_failover?sslmode=prefer"
ok "the monitor runs" wait_until 60 "the monitor to answer" monitor_sql "SELECT 1"
if ! last_ok; then
    diag "$(tail -n 20 "$SCRATCH/mon/pg_autoctl.log")"
    done_testing; exit 1
fi
note "monitor: $MONITOR_URI"
# Short health checks, so the failover happens in seconds, not a minute.
node_psql mon "ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 3000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000;
SELECT pg_reload_conf();" >/dev/null || diag "could not shorten the monitor's health checks"

for n in a1 a2; do
    pgaf_run "$n" create postgres --pgdata "${NODE_DATA[$n]}" --pgport "${NODE_PORT[$n]}" \
        --pgctl "$HA_BINDIR/pg_ctl" --hostname 127.0.0.1 --listen 127.0.0.1 --name "$n" \
        --monitor "$MONITOR_URI" --auth trust --no-ssl --run
    if [[ $n == a1 ]]; then
        ok "a1 becomes the primary" wait_until 120 "a1 single" state_is a1 "single single"
        if ! last_ok; then
            diag "$(tail -n 20 "$SCRATCH/a1/pg_autoctl.log")"
            done_testing; exit 1
        fi
    fi
done
ok "a2 becomes a secondary" wait_until 180 "a2 secondary" state_is a2 "secondary secondary"
ok "a1 is primary" wait_until 60 "a1 primary" state_is a1 "primary primary"
note "$(pgaf mon show state --pgdata "${NODE_DATA[mon]}" 2>&1)"

node_psql a1 "CREATE EXTENSION amcheck;
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
ok "a2 replays the base rows" wait_for_catchup a2 a1

ws=$(node_psql a1 "SELECT pid FROM pg_stat_replication LIMIT 1")
ok "a1 has a WAL sender to a2 (pid $ws)" test -n "$ws"
freeze_pid "$ws"
node_psql a1 "SET synchronous_commit = local;
UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;
CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;"
expect_gone a1 postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows a2 never received"
is "$(node_psql a2 "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'")" 0 "a2 has not received them"
ok "power loss on a1: its pg_autoctl and all of its PostgreSQL killed at once" power_loss pgaf-a1 a1

ok "the monitor fails over to a2" wait_until 120 "a2 primary" state_is a2 "wait_primary wait_primary"
ok "a2 accepts writes" wait_for_query a2 "SELECT pg_is_in_recovery()" f 60
node_psql a2 "UPDATE t SET v = 'new' WHERE id <= 1000;
CREATE TABLE new_only AS SELECT g FROM generate_series(1, 1000) g;"
note "$(pgaf mon show state --pgdata "${NODE_DATA[mon]}" 2>&1)"

# Later, a1's pg_autoctl comes back.
pgaf_run a1 run --pgdata "${NODE_DATA[a1]}"
ok "a1 rejoins as a secondary" wait_until 180 "a1 secondary" state_is a1 "secondary secondary"
note "$(pgaf mon show state --pgdata "${NODE_DATA[mon]}" 2>&1)"
check_rewound_by_tool "old primary" a1
unlike "$(cat "$SCRATCH/a1/pg_autoctl.log")" "trying pg_basebackup instead|/pg_basebackup " \
    "old primary: pg_autoctl did not fall back to re-cloning a1 with pg_basebackup"
if [[ "$(rewind_call_status "${NODE_DATA[a1]}")" == 0 ]]; then
    check_rejoined "old primary" a1 a2
else
    diag "pg_autoctl's log on the rewind:" "$(grep -E 'pg_rewind|pg_basebackup|Failed to rewind' "$SCRATCH/a1/pg_autoctl.log" | tail -n 20)"
    fail "old primary: a1 holds a2's data after a rewind (not checked: the rewind failed)"
fi
done_testing

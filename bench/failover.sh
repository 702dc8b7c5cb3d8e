#!/usr/bin/env bash
# Sourced by bench/bench.sh and bench/compare.sh: the realistic failover both
# benchmark, and the 1 Gbit/s link they measure it over.
#
# PostgreSQL 15 + pgbench: a primary with a long checkpoint interval and WAL
# retention, BENCH_HISTORY transactions of history in pg_xact, a standby that
# follows through BENCH_BEFORE pgbench transactions (its pg_wal keeps what
# they wrote, as a long-running standby's does), the standby promoted (the
# divergence), then divergent traffic on both sides.  Autovacuum is off so
# that the source writes no WAL of its own between the rounds (a vacuum of
# pgbench_accounts alone writes gigabytes): every round faces the same
# divergence.  bench_failover leaves the old primary ("old") stopped and the
# new primary ("new") running, and sets DIVERGE (the divergence point) and
# SRC_END (the source's insert position at the end).
#
# Variables: BENCH_INPUT (the named input, below: its parameters are the
# defaults of the next five), BENCH_SCALE (pgbench scale), BENCH_HISTORY
# (transactions that only take an xid, before the standby exists),
# BENCH_BEFORE (pgbench transactions while the standby follows),
# BENCH_DIVERGE (pgbench transactions on each side after the divergence),
# BENCH_WAL_KEEP (wal_keep_size; it must hold all WAL from the standby's
# creation on, or the old primary's shutdown removes WAL a WAL-based rewind
# needs: 4GB at scale 1000), BENCH_NETNS=0 to skip the 1 Gbit/s part,
# BENCH_HOT_SCALE to hold the divergence itself constant across scales (see
# below).
#
# The named inputs (BENCH_INPUT):
#   failover  (the default) scale 300, 2,000,000 transactions of history,
#             200,000 before the divergence, 20,000 on each side after it,
#             wal_keep_size 2GB: a standby that followed a busy primary
#   issue17   scale 300, 5,000,000 transactions of history, 60,000 before
#             the divergence, 20,000 on each side after it, wal_keep_size
#             2GB: issue 17's failover (more pg_xact, less WAL before the
#             divergence)
#
# The same number of pgbench transactions is not the same divergence at two
# scales: spread over a table ten times larger, they touch more distinct
# blocks and write more full-page images.  With BENCH_HOT_SCALE=N the
# traffic (before and after the divergence) is pgbench's TPC-B transaction
# restricted to the accounts, tellers and branches of scale N, so at every
# BENCH_SCALE >= N it changes the same rows in the same way and only the
# cluster around them grows (make bench-scaling).
#
# The 1 Gbit/s link: a network namespace whose loopback has a tbf qdisc;
# source_into_netns restarts the source inside it, so that a tool run with
# "${NETNS_EXEC[@]}" reaches it by TCP through the shaped link only.
set -euo pipefail

BENCH_INPUT=${BENCH_INPUT:-failover}
BENCH_HOT_SCALE=${BENCH_HOT_SCALE:-}
case $BENCH_INPUT in
    failover) _in=(300 2000000 200000 20000 2GB) ;;
    issue17) _in=(300 5000000 60000 20000 2GB) ;;
    *) echo "bench: BENCH_INPUT must be failover or issue17, not '$BENCH_INPUT'"; exit 1 ;;
esac
BENCH_SCALE=${BENCH_SCALE:-${_in[0]}}
BENCH_HISTORY=${BENCH_HISTORY:-${_in[1]}}
BENCH_BEFORE=${BENCH_BEFORE:-${_in[2]}}
BENCH_DIVERGE=${BENCH_DIVERGE:-${_in[3]}}
BENCH_WAL_KEEP=${BENCH_WAL_KEEP:-${_in[4]}}
# the input as the tables' headers name it, with what was changed of it
_own=""
[[ "$BENCH_SCALE $BENCH_HISTORY $BENCH_BEFORE $BENCH_DIVERGE $BENCH_WAL_KEEP" == "${_in[*]}" ]] || _own=" (changed by BENCH_* settings)"
# shellcheck disable=SC2034  # used by the scripts that source this file
BENCH_INPUT_DESC="input $BENCH_INPUT$_own: pgbench scale $BENCH_SCALE${BENCH_HOT_SCALE:+ (traffic on the rows of scale $BENCH_HOT_SCALE)}, $BENCH_HISTORY transactions of history, a checkpoint, $BENCH_BEFORE before the divergence, $BENCH_DIVERGE on each side after it, wal_keep_size $BENCH_WAL_KEEP"
BENCH_NETNS=${BENCH_NETNS:-1}
export PG_MAJOR=15 HARNESS_MODE=demo
: "${REWIND_BIN:?set REWIND_BIN (make bench does)}"
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../t/lib/harness.sh"
PGBENCH=$PGCLIENT/pgbench
TIME=/usr/bin/time
[[ -x $PGBENCH ]] || { echo "bench: pgbench not found in $PGCLIENT"; exit 1; }
[[ -x $TIME ]] || { echo "bench: /usr/bin/time is needed (apt-get install time)"; exit 1; }
command -v jq >/dev/null || { echo "bench: jq is needed"; exit 1; }

say() { printf '== %s %s\n' "$(date +%T)" "$*" >&2; }
# as the clusters' owner, without as_pg's PATH (the tools are named in full)
if [[ $(id -u) -eq 0 ]]; then AS_OWNER=(runuser -u "$PG_OS_USER" --); else AS_OWNER=(); fi

pgbench_on() {   # NODE ARGS...
    local node=$1; shift
    as_pg "$PGBENCH" -h "$SOCKDIR" -p "${NODE_PORT[$node]}" -U postgres "$@" postgres >/dev/null 2>&1
}

# traffic NODE CLIENTS TRANSACTIONS — pgbench's TPC-B transactions, over the
# whole cluster or, with BENCH_HOT_SCALE, over that scale's rows only
traffic() {
    local node=$1 clients=$2 txns=$3
    if [[ -z $BENCH_HOT_SCALE ]]; then
        pgbench_on "$node" -c "$clients" -j 2 -t $((txns / clients)); return
    fi
    pgbench_on "$node" -n -f "$SCRATCH/hot.sql" -D hot="$BENCH_HOT_SCALE" -c "$clients" -j 2 -t $((txns / clients))
}
if [[ -n $BENCH_HOT_SCALE ]]; then
    ((BENCH_HOT_SCALE <= BENCH_SCALE)) || { echo "bench: BENCH_HOT_SCALE must not exceed BENCH_SCALE"; exit 1; }
    # pgbench's own sizes per unit of scale: 100000 accounts, 10 tellers, 1 branch
    cat >"$SCRATCH/hot.sql" <<'SQL'
\set aid random(1, 100000 * :hot)
\set tid random(1, 10 * :hot)
\set bid random(1, :hot)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
END;
SQL
    chmod 644 "$SCRATCH/hot.sql"
fi

# bench_failover — the failover described above
bench_failover() {
    say "cluster: pgbench scale $BENCH_SCALE${BENCH_HOT_SCALE:+ (traffic on the rows of scale $BENCH_HOT_SCALE)}, $BENCH_HISTORY transactions of history"
    node_init old --checksums
    node_conf old "checkpoint_timeout = '1h'" "max_wal_size = '16GB'" "min_wal_size = '1GB'" \
        "wal_keep_size = '$BENCH_WAL_KEEP'" "shared_buffers = '256MB'" "synchronous_commit = off" \
        "max_connections = 40" "autovacuum = off"
    node_start old
    pgbench_on old -i -s "$BENCH_SCALE" -q
    # history: transactions that each take an xid and write nothing else
    echo 'SELECT txid_current();' >"$SCRATCH/xid.sql"
    chmod 644 "$SCRATCH/xid.sql"
    pgbench_on old -n -f "$SCRATCH/xid.sql" -c 8 -j 2 -t $((BENCH_HISTORY / 8))
    node_checkpoint old
    node_backup_standby old new
    node_start new
    say "$BENCH_BEFORE transactions while the standby follows"
    traffic old 8 "$BENCH_BEFORE"
    wait_for_catchup new old
    node_promote new
    DIVERGE=$(history_switchpoint new 2 1)
    say "divergence at $DIVERGE; divergent traffic on both sides"
    traffic new 4 "$BENCH_DIVERGE" &
    traffic old 4 "$BENCH_DIVERGE"
    wait
    node_checkpoint new
    node_stop old fast
    # shellcheck disable=SC2034  # used by the scripts that source this file
    SRC_END=$(node_psql new "SELECT pg_current_wal_insert_lsn()")
}

lsn_to_int() { local hi=${1%/*} lo=${1#*/}; echo $(( (16#$hi << 32) + 16#$lo )); }
# shellcheck disable=SC2034  # used by the scripts that source this file
WAL_SEG_SIZE=$((16 * 1024 * 1024))

# --- the 1 Gbit/s link ------------------------------------------------------
NETNS=rwbench$$
NETNS_EXEC=(ip netns exec "$NETNS")
# netns_up — create the shaped namespace; says why and fails when it cannot
netns_up() {
    [[ $BENCH_NETNS == 1 ]] || { say "1 Gbit/s part skipped (BENCH_NETNS=0)"; return 1; }
    [[ $(id -u) == 0 ]] || { say "1 Gbit/s part skipped: needs root for a network namespace"; return 1; }
    if ! command -v ip >/dev/null || ! command -v tc >/dev/null; then
        say "1 Gbit/s part skipped: iproute2 (ip, tc) not installed"; return 1
    fi
    ip netns add "$NETNS" 2>/dev/null || { say "1 Gbit/s part skipped: cannot create a network namespace"; return 1; }
    # removed on any exit too, before the harness's own cleanup, which then
    # runs with the script's exit status (and must run: it stops the servers)
    trap 'rc=$?; trap - ERR; set +e; netns_down 2>/dev/null; (exit "$rc"); _cleanup' EXIT
    if ! "${NETNS_EXEC[@]}" ip link set lo up ||
        ! "${NETNS_EXEC[@]}" tc qdisc add dev lo root tbf rate 1gbit burst 256kb latency 50ms; then
        ip netns del "$NETNS"; say "1 Gbit/s part skipped: cannot shape the namespace's loopback"; return 1
    fi
}
netns_down() { [[ ! -e /run/netns/$NETNS ]] || ip netns del "$NETNS"; }

# netns_start NODE — start NODE inside the namespace, wait until it accepts
# connections (pg_ctl -w: a hot standby once it is consistent)
netns_start() {
    local node=$1
    _STARTED_NODES+=("$node")
    "${NETNS_EXEC[@]}" "${AS_OWNER[@]}" "$PGBIN/pg_ctl" start -D "${NODE_DATA[$node]}" \
        -l "${NODE_LOG[$node]}" -o "-p ${NODE_PORT[$node]}" -w -t 600 >/dev/null
}
source_into_netns() { node_stop "$1" fast; netns_start "$1"; }
source_out_of_netns() { node_stop "$1" fast; node_start "$1"; }
# netns_bytes — bytes sent on the namespace's loopback so far (both
# directions of every connection in it)
netns_bytes() { "${NETNS_EXEC[@]}" cat /sys/class/net/lo/statistics/tx_bytes; }

# shellcheck shell=bash
#
# ha-managers.sh — real HA managers (Patroni + etcd, repmgr, pg_auto_failover)
# driving rewind, for t/integration/ha-patroni-*.t, ha-repmgr.t and
# ha-autofailover.t.  Sourced INSTEAD of harness.sh, which it sources itself
# after deciding whether the file runs at all.
#
# Before sourcing, a test sets HA_NEEDS to the programs its manager needs
# (e.g. HA_NEEDS=(patroni patronictl etcd etcdctl)).  The file is skipped as
# a whole (TAP "1..0 # SKIP reason") when PG_MAJOR is not 15 (the managers'
# Debian packages are built for PostgreSQL 15) or a program is missing;
# with REWIND_REQUIRE_HA=1 (set by .ci/run) a missing program is a failure.
#
# The manager gets the tool through HA_BINDIR, a directory of links to
# PostgreSQL 15's programs in which pg_rewind is a wrapper script: it appends
# each call (arguments, then exit status) to HA_CALLS and runs the tool:
#   - by default rewind as `make install PG_REWIND_LINK=1 PREFIX=<scratch>`
#     installs it (PREFIX/lib/rewind/pg-rewind-bin/pg_rewind);
#   - HA_PG_REWIND=/usr/lib/postgresql/15/bin/pg_rewind gives the manager
#     PostgreSQL's own pg_rewind instead, to tell a test bug from a rewind bug.
#
# Environment: everything harness.sh reads, plus
#   REWIND_REQUIRE_HA=1  a missing manager program fails instead of skipping
#   HA_PG_REWIND         the tool the manager runs as pg_rewind (see above)

_ha_missing=()
for _ha_p in "${HA_NEEDS[@]}"; do
    command -v "$_ha_p" >/dev/null 2>&1 || _ha_missing+=("$_ha_p")
done
if [[ "${PG_MAJOR:-15}" != 15 ]]; then
    echo "1..0 # SKIP the HA managers' Debian packages run PostgreSQL 15 only, this is PG_MAJOR=$PG_MAJOR"
    exit 0
fi
if [[ ${#_ha_missing[@]} -gt 0 ]]; then
    if [[ "${REWIND_REQUIRE_HA:-0}" == 1 ]]; then
        echo "1..1"
        echo "not ok 1 - REWIND_REQUIRE_HA=1 but not installed: ${_ha_missing[*]}"
        exit 1
    fi
    echo "1..0 # SKIP not installed: ${_ha_missing[*]}"
    exit 0
fi

HA_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)   # before the harness changes directory
# shellcheck source=t/lib/harness.sh
source "$HA_REPO/t/lib/harness.sh"

# ----------------------------------------------------------------------------
# Long-running manager processes
# ----------------------------------------------------------------------------
declare -A HA_PID=()   # name -> pid of a manager process (patroni, etcd, ...)
_HA_ORDER=()           # names in start order (stopped in reverse)

# ha_spawn NAME LOG CMD... — start CMD in the background as the postgres user,
# in a session of its own (so a crash can be simulated on its whole process
# group and no terminal signal reaches it), output to LOG.  setsid and
# setpriv exec, so the pid is CMD's own.
ha_spawn() {
    local name=$1 log=$2; shift 2
    if [[ $(id -u) -eq 0 ]]; then
        setsid setpriv --reuid="$PG_OS_USER" --regid="$PG_OS_USER" --init-groups \
            env "HOME=$SCRATCH" "$@" >"$log" 2>&1 </dev/null &
    else
        setsid env "HOME=$SCRATCH" "$@" >"$log" 2>&1 </dev/null &
    fi
    HA_PID[$name]=$!
    _HA_ORDER+=("$name")
}

# ha_running NAME — the process started as NAME is still alive.
ha_running() { [[ -n "${HA_PID[$1]:-}" ]] && kill -0 "${HA_PID[$1]}" 2>/dev/null; }

# ha_stop NAME [SECONDS] — SIGTERM (after SIGCONT, in case it is frozen), wait
# at most SECONDS (default 30), then SIGKILL; then the same for whatever is
# left in its process group (helpers a manager forked; PostgreSQL servers are
# sessions of their own and are stopped by data directory at the end).
ha_stop() {
    local name=$1 secs=${2:-30} pid i
    pid=${HA_PID[$name]:-}
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            diag "$name (pid $pid) did not stop within $secs s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || true
    if pgrep -g "$pid" >/dev/null 2>&1; then
        kill -TERM -- "-$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do pgrep -g "$pid" >/dev/null 2>&1 || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    HA_PID[$name]=""
}

# power_loss MANAGER NODE — what a power loss does to a node: SIGKILL, all at
# once, to the manager process MANAGER (started with ha_spawn) with its
# process group, and to NODE's postmaster and every child of it (each child
# is a session of its own; a child frozen by the test would otherwise stay
# attached to the shared memory).  Then waits (bounded) until all are gone;
# a zombie counts as gone (init may be slow to reap it).
power_loss() {
    local manager=$1 node=$2 mpid=${HA_PID[$1]:-} pm pids p i
    pm=$(head -n 1 "${NODE_DATA[$node]}/postmaster.pid" 2>/dev/null || true)
    if [[ -z "$pm" ]] || ! kill -0 "$pm" 2>/dev/null; then diag "power_loss: $node is not running"; return 1; fi
    pids="$pm $(ps -o pid= --ppid "$pm" | tr '\n' ' ')"
    [[ -z "$mpid" ]] || kill -KILL -- "-$mpid" 2>/dev/null || true
    # shellcheck disable=SC2086  # a list of pids
    kill -KILL $pids 2>/dev/null || true
    if [[ -n "$mpid" ]]; then wait "$mpid" 2>/dev/null || true; HA_PID[$manager]=""; fi
    for ((i = 0; i < 300; i++)); do
        for p in $pids; do
            [[ "$(ps -o stat= -p "$p" 2>/dev/null)" =~ ^[^Z] ]] && { sleep 0.1; continue 2; }
        done
        return 0
    done
    diag "power_loss: processes of $node still alive after 30 s: $pids"; return 1
}

# freeze_pid PID — SIGSTOP a PostgreSQL process (e.g. a WAL sender); it is
# continued on exit, so a test that dies early leaves nothing stopped behind.
_HA_FROZEN=()
freeze_pid() { _HA_FROZEN+=("$1"); kill -STOP "$1"; }

# walsender_pid NODE APPNAME — pid of NODE's WAL sender to the standby APPNAME.
walsender_pid() {
    node_psql "$1" "SELECT pid FROM pg_stat_replication WHERE application_name = '$2'"
}

_ha_cleanup() {
    local rc=$? i
    set +e
    trap - ERR
    for i in "${_HA_FROZEN[@]}"; do kill -CONT "$i" 2>/dev/null; done
    for ((i = ${#_HA_ORDER[@]} - 1; i >= 0; i--)); do ha_stop "${_HA_ORDER[$i]}" 20; done
    (exit "$rc")
    _cleanup
}
trap _ha_cleanup EXIT

# wait_until SECONDS WHAT CMD... — poll CMD every 0.5 s until it succeeds;
# bounded; diag WHAT on time-out.
wait_until() {
    local secs=$1 what=$2 i; shift 2
    for ((i = 0; i < secs * 2; i++)); do
        if "$@" 2>/dev/null; then return 0; fi
        sleep 0.5
    done
    diag "waited $secs s for: $what"; return 1
}

# ha_register_node NAME — a node whose PostgreSQL the manager runs: the
# harness's per-node data directory, port and socket settings, so node_psql,
# wait_for_catchup, compare_nodes work on it.  Its server log is
# $SCRATCH/NAME/log/postgresql.log (logging_collector).
ha_register_node() {
    _node_dirs "$1"
    NODE_LOG[$1]=$SCRATCH/$1/log/postgresql.log
    _STARTED_NODES+=("$1")   # the harness stops it by its data directory at the end
}

# ----------------------------------------------------------------------------
# The tool, as the manager sees it
# ----------------------------------------------------------------------------
HA_BINDIR=$SCRATCH/ha-bin
HA_CALLS=$SCRATCH/pg_rewind-calls.log
if [[ -n "${HA_PG_REWIND:-}" ]]; then
    HA_TOOL=$HA_PG_REWIND
else
    _ha_prefix=$SCRATCH/prefix
    make -s -C "$HA_REPO" install PREFIX="$_ha_prefix" PG_REWIND_LINK=1 \
        BIN="$REWIND_BIN" -o "$REWIND_BIN" >"$SCRATCH/install.log" 2>&1 \
        || { diag "make install failed:" "$(cat "$SCRATCH/install.log")"; exit 1; }
    HA_TOOL=$_ha_prefix/lib/rewind/pg-rewind-bin/pg_rewind
fi
as_pg test -x "$HA_TOOL" || { diag "the tool $HA_TOOL is not executable by $PG_OS_USER"; exit 1; }
HA_TOOL_VERSION=$(as_pg "$HA_TOOL" --version 2>&1 | sed -n 1p)

as_pg mkdir -p "$HA_BINDIR"
for _ha_p in "$PGCLIENT"/*; do
    [[ "${_ha_p##*/}" == pg_rewind ]] || as_pg ln -s "$_ha_p" "$HA_BINDIR/"
done
as_pg touch "$HA_CALLS"
{
    echo '#!/bin/sh'
    echo '# test wrapper: records the call and its exit status, then runs the tool'
    printf 'calls=%q\ntool=%q\n' "$HA_CALLS" "$HA_TOOL"
    cat <<'EOS'
{ printf 'call:'; for a in "$@"; do printf " '%s'" "$a"; done; printf '\n'; } >>"$calls"
"$tool" "$@"
st=$?
echo "exit: $st" >>"$calls"
exit $st
EOS
} | as_pg tee "$HA_BINDIR/pg_rewind" >/dev/null
as_pg chmod 0755 "$HA_BINDIR/pg_rewind"
note "the manager's pg_rewind: $HA_BINDIR/pg_rewind, a wrapper running $HA_TOOL ($HA_TOOL_VERSION)"

# rewind_calls DATADIR — the recorded rewinds of DATADIR (not --help), each
# as its call line followed by its exit line.
rewind_calls() {
    awk -v d="$1'" '/^call:/ { c = (index($0, d) > 0) ? $0 : ""; next }
                    /^exit:/ && c != "" { print c; print; c = "" }' "$HA_CALLS"
}

# rewind_call_status DATADIR — exit status of the last recorded rewind of
# DATADIR, or nothing when there was none.
rewind_call_status() { rewind_calls "$1" | awk '/^exit:/ { s = $2 } END { print s }'; }

# check_rewound_by_tool LABEL NODE — the manager rewound NODE with the tool
# given to it, and that run succeeded.
check_rewound_by_tool() {
    local label=$1 node=$2 calls
    calls=$(rewind_calls "${NODE_DATA[$node]}")
    like "$calls" "^call: .*'-D' '${NODE_DATA[$node]}'|'--target-pgdata(=|' ')${NODE_DATA[$node]}'|-D '${NODE_DATA[$node]}'" \
        "$label: the manager ran $HA_TOOL on $node's data directory"
    is "$(rewind_call_status "${NODE_DATA[$node]}")" 0 "$label: ... and it exited 0"
    last_ok || diag "calls: $calls"
}

# check_rejoined LABEL NODE LEADER — NODE (run by the manager) streams from
# LEADER on LEADER's timeline, holds LEADER's data, lost what was registered
# with expect_gone, and its indexes match its heaps.
check_rejoined() {
    local label=$1 node=$2 leader=$3 tli entry db sql desc n
    tli=$(node_tli "$leader")
    ok "$label: $node replays up to $leader's current WAL position" wait_for_catchup "$node" "$leader"
    ok "$label: $node streams from $leader on timeline $tli" wait_for_query "$node" \
        "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" "streaming $tli" 30
    compare_nodes "$node" "$leader" "$label: $node"
    for entry in "${_GONE_SQL[@]}"; do
        IFS=$'\t' read -r db sql desc <<<"$entry"
        n=$(node_psql_db "$node" "$db" "$sql" 2>&1 || true)
        is "$n" 0 "$label: gone from $node: $desc"
    done
    ok "$label: pg_amcheck --heapallindexed finds no corruption in $node's database postgres" \
        amcheck_standby "$node"
}

# amcheck_standby NODE — pg_amcheck --heapallindexed of database postgres on
# a hot standby: amcheck must have been created there on the primary (a
# standby cannot install it, so the harness's --all --install-missing fails).
amcheck_standby() {
    local out
    if ! out=$(as_pg "$PGCLIENT/pg_amcheck" -h "$SOCKDIR" -p "${NODE_PORT[$1]}" -U postgres \
            --heapallindexed postgres 2>&1); then
        diag "$out"; return 1
    fi
}

# ----------------------------------------------------------------------------
# etcd and Patroni
# ----------------------------------------------------------------------------
# etcd_start — one etcd member on two loopback ports of its own, with the v2
# API that Patroni 3.0.2's etcd: section speaks; waits (bounded) until healthy.
ETCD_URL=""
etcd_start() {
    local cport pport
    _alloc_port; cport=$_PORT
    _alloc_port; pport=$_PORT
    ETCD_URL=http://127.0.0.1:$cport
    as_pg mkdir -p "$SCRATCH/etcd"
    ha_spawn etcd "$SCRATCH/etcd/etcd.log" etcd --name rw --data-dir "$SCRATCH/etcd/data" \
        --enable-v2=true --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
        --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
        --initial-cluster "rw=http://127.0.0.1:$pport" --initial-cluster-state new
    if ! wait_until 30 "etcd at $ETCD_URL to be healthy" etcdctl --endpoints="$ETCD_URL" endpoint health; then
        diag "$(tail -n 20 "$SCRATCH/etcd/etcd.log")"; return 1
    fi
    note "$(etcd --version | sed -n 1p) at $ETCD_URL (v2 API enabled)"
}

PATRONI_SCOPE=rw$$
declare -A PATRONI_API=()
# patroni_conf NAME [TAG...] — NAME's patroni.yml: etcd (v2), a short ttl
# and loop_wait (a failover in about 22 s), use_pg_rewind with a failed
# rewind left visible (no re-clone), bin_dir the wrapper's directory; TAGs (e.g.
# "nofailover: true") go under tags:.
patroni_conf() {
    local name=$1 api tag; shift
    ha_register_node "$name"
    _alloc_port; api=$_PORT
    PATRONI_API[$name]=127.0.0.1:$api
    {
        cat <<YAML
scope: $PATRONI_SCOPE
namespace: /rewind-test/
name: $name
log:
  level: INFO
restapi:
  listen: 127.0.0.1:$api
  connect_address: 127.0.0.1:$api
etcd:
  host: ${ETCD_URL#http://}
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1073741824
    postgresql:
      use_pg_rewind: true
      remove_data_directory_on_rewind_failure: false
      remove_data_directory_on_diverged_timelines: false
      parameters:
        wal_level: replica
        wal_log_hints: 'on'
        hot_standby: 'on'
        max_connections: 25
        max_wal_senders: 10
        max_replication_slots: 10
        wal_keep_size: 128MB
        max_prepared_transactions: 5
  initdb:
    - encoding: UTF8
    - no-locale
postgresql:
  listen: 127.0.0.1:${NODE_PORT[$name]}
  connect_address: 127.0.0.1:${NODE_PORT[$name]}
  data_dir: ${NODE_DATA[$name]}
  bin_dir: $HA_BINDIR
  pgpass: $SCRATCH/$name/pgpass
  use_pg_rewind: true
  remove_data_directory_on_rewind_failure: false
  remove_data_directory_on_diverged_timelines: false
  authentication:
    superuser:
      username: postgres
      password: postgres-secret
    replication:
      username: replicator
      password: replicator-secret
  pg_hba:
    - local all all trust
    - host all all 127.0.0.1/32 trust
    - host replication all 127.0.0.1/32 trust
  parameters:
    unix_socket_directories: '$SOCKDIR'
    shared_buffers: 16MB
    max_wal_size: 96MB
    min_wal_size: 32MB
    fsync: 'off'
    autovacuum: 'off'
    logging_collector: 'on'
    log_directory: '$SCRATCH/$name/log'
    log_filename: postgresql.log
    log_line_prefix: '%m [%p] '
    log_checkpoints: 'on'
    wal_receiver_status_interval: 1s
    wal_retrieve_retry_interval: 1s
tags:
YAML
        for tag in "$@"; do printf '  %s\n' "$tag"; done
        [[ $# -gt 0 ]] || printf '  {}\n'
    } | as_pg tee "$SCRATCH/$name/patroni.yml" >/dev/null
}

# patroni_start NAME — run NAME's Patroni (log: $SCRATCH/NAME/patroni.log,
# appended to across restarts).
patroni_start() {
    local name=$1
    [[ -f "$SCRATCH/$name/patroni.log" ]] && as_pg cp "$SCRATCH/$name/patroni.log" "$SCRATCH/$name/patroni.log.$(date +%s%N)"
    ha_spawn "patroni-$name" "$SCRATCH/$name/patroni.log" patroni "$SCRATCH/$name/patroni.yml"
}

# patroni_role NAME — "ROLE STATE" as NAME's Patroni reports them on its REST
# API; 3.0.2 calls a leader "master", later versions "primary": both are
# reported as "primary".
patroni_role() {
    curl -s -m 3 "http://${PATRONI_API[$1]}/patroni" |
        jq -r '"\(if .role == "master" then "primary" else .role end) \(.state)"'
}

# patroni_list — patronictl's view of the cluster, for notes.
patroni_list() {
    local any
    for any in "${!PATRONI_API[@]}"; do break; done
    as_pg patronictl -c "$SCRATCH/$any/patroni.yml" list 2>&1
}

# patroni_is NAME "ROLE STATE" — for wait_until.
patroni_is() { [[ "$(patroni_role "$1")" == "$2" ]]; }

# wait_patroni_primary NAME [SECONDS] — NAME's Patroni runs a writable primary.
wait_patroni_primary() {
    wait_until "${2:-90}" "$1 to be Patroni's running primary" patroni_is "$1" "primary running" &&
        wait_for_query "$1" "SELECT pg_is_in_recovery()" f 30
}

# wait_patroni_replica NODE LEADER [SECONDS] — NODE is a Patroni replica
# streaming from LEADER (the initial clone).
_streams_from() {
    [[ "$(patroni_role "$1")" == "replica running" ]] &&
        [[ "$(node_psql "$1" "SELECT status || ' ' || (conninfo ~ 'port=${NODE_PORT[$2]}( |\$)') FROM pg_stat_wal_receiver")" == "streaming true" ]]
}
wait_patroni_replica() {
    wait_until "${3:-120}" "$1 to be a replica streaming from $2" _streams_from "$1" "$2"
}

# wait_patroni_streaming NODE LEADER [SECONDS] — NODE is a running replica
# streaming from LEADER on LEADER's timeline.  Gives up early when the
# wrapper recorded a failed rewind of NODE (Patroni does not retry one).
_patroni_streaming_or_failed() {
    local node=$1 tli=$2 st
    st=$(rewind_call_status "${NODE_DATA[$node]}")
    if [[ -n "$st" && "$st" != 0 ]]; then return 0; fi
    [[ "$(node_psql "$node" "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" 2>/dev/null)" == "streaming $tli" ]]
}
wait_patroni_streaming() {
    local node=$1 leader=$2 secs=${3:-120} tli st
    tli=$(node_tli "$leader")
    wait_until "$secs" "$node to stream from $leader on timeline $tli (or a failed rewind)" \
        _patroni_streaming_or_failed "$node" "$tli" || return 1
    st=$(rewind_call_status "${NODE_DATA[$node]}")
    if [[ -n "$st" && "$st" != 0 ]]; then
        diag "the rewind of $node failed (exit $st); Patroni's log says:" \
            "$(grep -E 'pg_rewind' "$SCRATCH/$node/patroni.log" | tail -n 15)"
        return 1
    fi
}

# patroni_version_note — the manager's version, as a TAP note.
patroni_version_note() { note "manager: $(patroni --version) ($(command -v patroni))"; }

# wal_end_unaligned NODE — make NODE's WAL end with a record whose end is not
# 8-byte aligned (PostgreSQL starts the next record at the aligned address:
# issue 12's failure 1), at a moment when the background writer's next
# standby snapshot (a record it logs at most every 15 s after other WAL) is
# far away: wait (bounded) for one to be logged, then emit a non-transactional
# logical message.  Its record's length, and so its end, come from
# pg_waldump; another message is tried while that end is aligned or the
# record crosses a page.  Prints the end.
wal_end_unaligned() {
    local node=$1 lsn0 i len start rec lsn tot end
    lsn0=$(node_psql "$node" "SELECT pg_current_wal_insert_lsn()")
    for ((i = 0; i < 80; i++)); do
        [[ "$(node_psql "$node" "SELECT pg_current_wal_insert_lsn() > '$lsn0'")" == t ]] && break
        sleep 0.5
    done
    for len in 1 2 3 4 5 6 7 8; do
        start=$(node_psql "$node" "SELECT pg_current_wal_insert_lsn()")
        node_psql "$node" "SELECT pg_logical_emit_message(false, 'rewind-test', repeat('x', $len))" >/dev/null
        # not flushed by any commit: the WAL writer writes it within ~200 ms
        for ((i = 0; i < 20; i++)); do
            rec=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[$node]}/pg_wal" -s "$start" -n 1 2>&1 |
                  grep 'LogicalMessage' || true)
            [[ -z "$rec" ]] || break
            sleep 0.2
        done
        [[ "$rec" =~ len\ \(rec/tot\):\ *[0-9]+/\ *([0-9]+),.*lsn:\ ([0-9A-F]+/[0-9A-F]+) ]] || continue
        tot=${BASH_REMATCH[1]}; lsn=${BASH_REMATCH[2]}
        end=$((16#${lsn#*/} + tot))
        if ((end % 8 != 0 && (16#${lsn#*/} % 8192) + tot <= 8192)); then
            printf '%s/%X\n' "${lsn%/*}" "$end"; return 0
        fi
    done
    diag "wal_end_unaligned: no message ended unaligned (last: $rec)"; return 1
}

# lsn_align8 LSN — LSN rounded up to a multiple of 8, in PostgreSQL's format.
lsn_align8() {
    local hi=$((16#${1%/*})) lo=$((16#${1#*/}))
    lo=$(((lo + 7) & ~7))
    if ((lo > 0xFFFFFFFF)); then hi=$((hi + 1)); lo=$((lo & 0xFFFFFFFF)); fi
    printf '%X/%X\n' "$hi" "$lo"
}

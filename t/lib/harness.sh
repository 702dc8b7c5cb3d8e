# shellcheck shell=bash
#
# harness.sh — shared library for rewind's integration tests (t/integration/*.t)
# and the demo (t/demo.sh).  Sourced, never executed.
#
# What it provides:
#   TAP:        ok, pass, fail, is, like, unlike, skip, diag, note, done_testing
#   servers:    node_init, node_conf, node_start, node_stop, node_psql,
#               node_psql_db, node_backup_standby, node_promote, node_checkpoint,
#               node_copy, wait_for_catchup, node_tli, history_switchpoint,
#               control_tli, control_state
#   rewind:     run_rewind, rewind_and_verify, verify_standby, expect_gone,
#               expect_gone_path, snapshot_dir
#
# Everything PostgreSQL-related runs as an unprivileged OS user: PostgreSQL (and
# rewind) refuse to run as root, and CI runs the tests as root.  As root we use
# `runuser -u postgres --`; as anybody else we run commands directly.
#
# Environment:
#   REWIND_BIN     tool under test (required; absolute or relative path)
#   PG_MAJOR       PostgreSQL major the servers run (one of SUPPORTED_MAJORS,
#                  default 15)
#   PG_NPM_ROOT    where t/lib/install-pg-npm.sh put the servers of majors other
#                  than 15 (default /opt/rewind-pg; binaries in $PG_NPM_ROOT/M/bin)
#   PGBIN          server binaries: initdb, pg_ctl, postgres (default
#                  /usr/lib/postgresql/15/bin for 15, $PG_NPM_ROOT/$PG_MAJOR/bin
#                  otherwise)
#   PGCLIENT       client tools of PostgreSQL 15: psql, pg_basebackup,
#                  pg_controldata, pg_amcheck, pg_isready, pg_rewind (default
#                  /usr/lib/postgresql/15/bin; psql 15 talks to every major)
#   PG_REWIND_REF  reference pg_rewind for comparison runs (default
#                  $PGCLIENT/pg_rewind; used on PostgreSQL 15 only)
#   REWIND_COMPARE=0  disable the comparison with the reference pg_rewind
#   KEEP_SCRATCH=1 keep the scratch directory even when every test passed
#   HARNESS_MODE=demo  no TAP bookkeeping on exit (set before sourcing)

set -euo pipefail
set -E   # the ERR trap below also fires inside functions and subshells

PG_MAJOR=${PG_MAJOR:-15}
PG_NPM_ROOT=${PG_NPM_ROOT:-/opt/rewind-pg}
PGCLIENT=${PGCLIENT:-/usr/lib/postgresql/15/bin}
if [[ "$PG_MAJOR" == 15 ]]; then PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
else PGBIN=${PGBIN:-$PG_NPM_ROOT/$PG_MAJOR/bin}; fi
PG_REWIND_REF=${PG_REWIND_REF:-$PGCLIENT/pg_rewind}
HARNESS_MODE=${HARNESS_MODE:-tap}

# SUPPORTED_MAJORS: the version table's majors, 15 first (t/lib/majors.sh).
SUPPORTED_MAJORS=$(bash "$(dirname "${BASH_SOURCE[0]}")/majors.sh" --test-order)
# The servers must be the major asked for: a test run on the wrong major
# would pass for the wrong reason.
if [[ " $SUPPORTED_MAJORS " != *" $PG_MAJOR "* ]]; then
    echo "Bail out! PG_MAJOR must be one of $SUPPORTED_MAJORS, got '$PG_MAJOR'"; exit 255
fi
_pg_version=$("$PGBIN/postgres" --version 2>/dev/null || true)
if [[ ! "$_pg_version" =~ ^postgres\ \(PostgreSQL\)\ ${PG_MAJOR}[.a-z] ]]; then
    echo "Bail out! no PostgreSQL $PG_MAJOR server in $PGBIN (postgres --version: '$_pg_version')"
    exit 255
fi

# Stable, untranslated messages (we grep them) and no stray libpq settings
# from the caller's environment.
export LC_ALL=C LANG=C
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS PGPASSWORD \
      PGDATA PGAPPNAME PGSSLMODE PGTARGETSESSIONATTRS 2>/dev/null || true

# ----------------------------------------------------------------------------
# TAP
# ----------------------------------------------------------------------------
_TAP_N=0          # tests emitted so far
_TAP_FAILED=0     # of which failed
_TAP_PLANNED=""   # number given to plan, if any
_TAP_DONE=0       # done_testing was called

plan() { _TAP_PLANNED=$1; echo "1..$1"; }

# diag goes to stderr (prove shows it), note to stdout; both as TAP comments.
diag() { local l; while IFS= read -r l; do printf '# %s\n' "$l" >&2; done <<<"$*"; }
note() { local l; while IFS= read -r l; do printf '# %s\n' "$l"; done <<<"$*"; }

# Assertions always return 0, so a failed check never aborts a test script
# under set -e; `last_ok` tells whether the most recent assertion passed.
_LAST_OK=1
last_ok() { [[ "$_LAST_OK" == 1 ]]; }

pass() { _TAP_N=$((_TAP_N + 1)); _LAST_OK=1; echo "ok $_TAP_N - $*"; }
fail() {
    _TAP_N=$((_TAP_N + 1)); _TAP_FAILED=$((_TAP_FAILED + 1)); _LAST_OK=0
    echo "not ok $_TAP_N - $*"
    diag "  Failed test '$*' ($(_caller_location))"
}

# _caller_location — "file line N" of the innermost frame outside this library.
_caller_location() {
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        if [[ "${BASH_SOURCE[$i]}" != *harness.sh ]]; then
            echo "${BASH_SOURCE[$i]} line ${BASH_LINENO[$((i - 1))]}"; return
        fi
    done
    echo "?"
}

# ok NAME CMD [ARGS...] — passes when CMD exits 0.
ok() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# is GOT EXPECTED NAME
is() {
    if [[ "$1" == "$2" ]]; then pass "$3"; return 0; fi
    fail "$3"; diag "       got: '$1'"; diag "  expected: '$2'"
}

# isnt GOT UNEXPECTED NAME
isnt() {
    if [[ "$1" != "$2" ]]; then pass "$3"; return 0; fi
    fail "$3"; diag "  got '$1', which it should not be"
}

# like TEXT ERE NAME / unlike TEXT ERE NAME (grep -E semantics, any line)
like() {
    if grep -Eq -- "$2" <<<"$1"; then pass "$3"; return 0; fi
    fail "$3"; diag "  no line matches /$2/ in:"; diag "$(tail -n 30 <<<"$1")"
}
unlike() {
    if ! grep -Eq -- "$2" <<<"$1"; then pass "$3"; return 0; fi
    fail "$3"; diag "  unexpected match for /$2/:"; diag "$(grep -E -- "$2" <<<"$1" | head -n 10)"
}

# skip NAME REASON — a TAP skip, counts as passed.
skip() { _TAP_N=$((_TAP_N + 1)); echo "ok $_TAP_N - $1 # SKIP $2"; }

done_testing() {
    _TAP_DONE=1
    if [[ -z "$_TAP_PLANNED" ]]; then echo "1..$_TAP_N"
    elif [[ "$_TAP_PLANNED" != "$_TAP_N" ]]; then
        diag "planned $_TAP_PLANNED tests but ran $_TAP_N"
    fi
}

# ----------------------------------------------------------------------------
# Scratch directory, users, ports, cleanup
# ----------------------------------------------------------------------------
# as_pg CMD... — run CMD as the unprivileged user that owns the clusters.
# PATH is passed explicitly: runuser may reset it, and tools that look for
# `postgres` (crash recovery, restore_command) must find the binaries of the
# major under test ($PGBIN), not another major's.
if [[ $(id -u) -eq 0 ]]; then
    PG_OS_USER=postgres
    as_pg() { runuser -u postgres -- env "PATH=$PGBIN:$PATH" LC_ALL=C "$@"; }
else
    PG_OS_USER=$(id -un)
    as_pg() { env "PATH=$PGBIN:$PATH" LC_ALL=C "$@"; }
fi

: "${REWIND_BIN:?set REWIND_BIN to the rewind binary to test}"
REWIND_BIN=$(realpath "$REWIND_BIN")   # before the cd below: it may be relative

SCRATCH=$(mktemp -d /var/tmp/rewind-test.XXXXXX)
chmod 0755 "$SCRATCH"
[[ $(id -u) -ne 0 ]] || chown "$PG_OS_USER": "$SCRATCH"
SOCKDIR=$SCRATCH/sock
as_pg mkdir -p "$SOCKDIR"
# Commands run by the postgres user need a working directory it can enter.
cd "$SCRATCH"

declare -A NODE_DATA=() NODE_PORT=() NODE_LOG=()
_STARTED_NODES=()       # every node we ever started (stopped again on exit)
_BG_PIDS=()             # background helper processes (killed on exit)
_PORT_LOCKS=()          # port reservations to release on exit
_PORT_LOCKDIR=/var/tmp/rewind-test-ports

_on_err() {
    diag "command failed (status $1) at ${BASH_SOURCE[1]:-?} line $2: $3"
}
trap '_on_err $? $LINENO "$BASH_COMMAND"' ERR

_cleanup() {
    local rc=$? n p
    trap - ERR
    set +e
    for p in "${_BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    # Stop every server we started, on its own data directory; never by name.
    for n in "${_STARTED_NODES[@]}"; do
        if [[ -f "${NODE_DATA[$n]}/postmaster.pid" ]]; then
            as_pg "$PGBIN/pg_ctl" stop -D "${NODE_DATA[$n]}" -m immediate -w -t 30 >/dev/null 2>&1
        fi
    done
    for p in "${_PORT_LOCKS[@]}"; do rm -rf "${_PORT_LOCKDIR:?}/$p"; done
    if [[ "$HARNESS_MODE" == tap && "$_TAP_DONE" -eq 0 ]]; then
        # The script died before done_testing: make that a visible failure.
        _TAP_N=$((_TAP_N + 1)); _TAP_FAILED=$((_TAP_FAILED + 1))
        echo "not ok $_TAP_N - test script ended prematurely (exit status $rc)"
        echo "1..$_TAP_N"
    fi
    if [[ "${KEEP_SCRATCH:-0}" == 1 || "$_TAP_FAILED" -gt 0 || "$rc" -ne 0 ]]; then
        diag "scratch directory kept: $SCRATCH"
    else
        rm -rf "$SCRATCH"
    fi
    if [[ "$_TAP_FAILED" -gt 0 && "$rc" -eq 0 ]]; then rc=1; fi
    exit "$rc"
}
trap _cleanup EXIT

# _port_free PORT — nothing listens on PORT (TCP, any address).
_port_free() {
    if command -v ss >/dev/null 2>&1; then
        [[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]
    else
        # pg_isready: 2 = no response.  Anything else means somebody answers.
        local st=0; "$PGCLIENT/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2 || st=$?
        [[ $st -eq 2 ]]
    fi
}

# _alloc_port — set _PORT to a free TCP port and reserve it.  Reservations are
# directories under $_PORT_LOCKDIR (mkdir is atomic), so test runs started at the
# same time by different people never pick the same port; stale reservations of
# dead processes are reclaimed.  The start is pseudo-random to spread the load.
_alloc_port() {
    mkdir -p "$_PORT_LOCKDIR"; chmod 1777 "$_PORT_LOCKDIR" 2>/dev/null || true
    local i p owner start=$(( (RANDOM * 32768 + RANDOM + $$) % 9000 ))
    for ((i = 0; i < 9000; i++)); do
        p=$(( 21000 + (start + i * 7) % 9000 ))
        if ! mkdir "$_PORT_LOCKDIR/$p" 2>/dev/null; then
            owner=$(cat "$_PORT_LOCKDIR/$p/pid" 2>/dev/null || echo "")
            if [[ -n "$owner" ]] && ! kill -0 "$owner" 2>/dev/null; then
                rm -rf "${_PORT_LOCKDIR:?}/$p"
                mkdir "$_PORT_LOCKDIR/$p" 2>/dev/null || continue
            else
                continue
            fi
        fi
        echo $$ >"$_PORT_LOCKDIR/$p/pid"
        if _port_free "$p"; then
            _PORT_LOCKS+=("$p"); _PORT=$p; return 0
        fi
        rm -rf "${_PORT_LOCKDIR:?}/$p"
    done
    echo "no free port found" >&2; return 1
}

# The tool under test.  The postgres user must be able to execute it, and the
# checkout may sit below a root-only directory, so it is copied into the scratch
# directory — unless a `postgres` executable lives beside it: pg_rewind from a
# PostgreSQL installation finds `postgres` (crash recovery, -c) next to itself
# and must run in place.
if [[ -x "$(dirname "$REWIND_BIN")/postgres" ]] && as_pg test -x "$REWIND_BIN"; then
    TOOL=$REWIND_BIN
else
    as_pg mkdir -p "$SCRATCH/bin"
    install -m 0755 "$REWIND_BIN" "$SCRATCH/bin/rewind"
    TOOL=$SCRATCH/bin/rewind
fi
TOOL_VERSION=$(as_pg "$TOOL" --version 2>&1 | head -n 1 || true)

# _is_pg_rewind BINARY — is BINARY PostgreSQL's pg_rewind (by its --version)?
_is_pg_rewind() { as_pg "$1" --version 2>&1 | grep -q '^pg_rewind (PostgreSQL)'; }
TOOL_IS_PG_REWIND=0
if _is_pg_rewind "$TOOL"; then TOOL_IS_PG_REWIND=1; fi
# REWIND_TOOL_LIKE_PG_REWIND=1: expect pg_rewind's behaviour (copies the
# source's configuration files, standby.signal only with -R) from a tool that
# does not call itself pg_rewind, e.g. a wrapper around pg_rewind.
if [[ "${REWIND_TOOL_LIKE_PG_REWIND:-0}" == 1 ]]; then TOOL_BEHAVES_LIKE_PG_REWIND=1
else TOOL_BEHAVES_LIKE_PG_REWIND=$TOOL_IS_PG_REWIND; fi

# Compare with the reference pg_rewind unless the tool under test is pg_rewind.
# The reference is pg_rewind 15, which rewinds PostgreSQL 15 clusters only:
# on every other major the comparison is skipped (a TAP skip per rewind).
REF_ENABLED=0
REF_SKIP_MAJOR=""
if [[ "${REWIND_COMPARE:-1}" != 0 && "$TOOL_IS_PG_REWIND" == 0 && -x "$PG_REWIND_REF" ]]; then
    if [[ "$PG_MAJOR" == 15 ]]; then REF_ENABLED=1
    else REF_SKIP_MAJOR="the reference pg_rewind 15 only rewinds PostgreSQL 15 clusters, this is $PG_MAJOR"; fi
fi
if [[ "$HARNESS_MODE" == tap ]]; then
    note "PostgreSQL $PG_MAJOR ($_pg_version) from $PGBIN; client tools from $PGCLIENT"
    note "tool under test: $REWIND_BIN ($TOOL_VERSION); reference comparison: $([[ $REF_ENABLED == 1 ]] && echo "on ($PG_REWIND_REF)" || echo "off${REF_SKIP_MAJOR:+ ($REF_SKIP_MAJOR)}")"
fi

# ----------------------------------------------------------------------------
# Nodes
# ----------------------------------------------------------------------------
_node_dirs() {
    local name=$1
    NODE_DATA[$name]=$SCRATCH/$name/data
    NODE_LOG[$name]=$SCRATCH/$name/server.log
    as_pg mkdir -p "$SCRATCH/$name"
    _alloc_port; NODE_PORT[$name]=$_PORT
}

# node_conf NAME LINE... — append settings to NAME's postgresql.conf.
node_conf() {
    local name=$1 line; shift
    for line in "$@"; do
        printf '%s\n' "$line" | as_pg tee -a "${NODE_DATA[$name]}/postgresql.conf" >/dev/null
    done
}

# node_init NAME [--checksums] [INITDB-OPTION...] — a new primary.  With --checksums data checksums
# are on, otherwise wal_log_hints=on; rewinding needs one of the two, and the
# scenarios alternate so both code paths get exercised.  Settings keep servers
# small and fast: fsync=off is safe because no test crashes the OS (an
# immediate stop is a PostgreSQL crash; the kernel still has every write).
# The port is NOT in postgresql.conf: it goes on the pg_ctl command line, so a
# tool that copies the source's configuration cannot hand out the wrong port.
node_init() {
    local name=$1 checksums=0
    shift
    if [[ "${1:-}" == --checksums ]]; then checksums=1; shift; fi
    _node_dirs "$name"
    local args=(-D "${NODE_DATA[$name]}" -U postgres --auth=trust --no-locale -E UTF8 --no-sync)
    if [[ $checksums == 1 ]]; then args+=(--data-checksums)
    elif [[ "$PG_MAJOR" -ge 18 ]]; then args+=(--no-data-checksums)   # 18's default is on
    fi
    args+=("$@")   # further initdb options, e.g. --waldir, --wal-segsize
    as_pg "$PGBIN/initdb" "${args[@]}" >"$SCRATCH/$name/initdb.log" 2>&1 || {
        diag "initdb failed:"; diag "$(cat "$SCRATCH/$name/initdb.log")"; return 1; }
    node_conf "$name" \
        "# harness node: $name" \
        "listen_addresses = '127.0.0.1'" \
        "unix_socket_directories = '$SOCKDIR'" \
        "wal_level = replica" \
        "max_wal_senders = 10" \
        "max_replication_slots = 10" \
        "wal_keep_size = '128MB'" \
        "hot_standby = on" \
        "max_connections = 25" \
        "max_prepared_transactions = 5" \
        "shared_buffers = '16MB'" \
        "max_wal_size = '96MB'" \
        "min_wal_size = '32MB'" \
        "checkpoint_timeout = '1h'" \
        "fsync = off" \
        "autovacuum = off" \
        "logging_collector = off" \
        "log_line_prefix = '%m [%p] '" \
        "log_checkpoints = on" \
        "wal_receiver_status_interval = '1s'" \
        "wal_retrieve_retry_interval = '1s'"
    if [[ $checksums == 0 ]]; then node_conf "$name" "wal_log_hints = on"; fi
}

# node_start NAME — start and wait (bounded) until it accepts connections.
node_start() {
    local name=$1
    _STARTED_NODES+=("$name")
    if ! as_pg "$PGBIN/pg_ctl" start -D "${NODE_DATA[$name]}" -l "${NODE_LOG[$name]}" \
            -o "-p ${NODE_PORT[$name]}" -w -t 60 >"$SCRATCH/$name/pg_ctl.out" 2>&1; then
        diag "pg_ctl start of $name failed:" "$(cat "$SCRATCH/$name/pg_ctl.out")"
        diag "last lines of $name's server log:" "$(tail -n 20 "${NODE_LOG[$name]}" 2>/dev/null)"
        return 1
    fi
}

# node_stop NAME [fast|immediate|smart]
node_stop() {
    local name=$1 mode=${2:-fast}
    as_pg "$PGBIN/pg_ctl" stop -D "${NODE_DATA[$name]}" -m "$mode" -w -t 60 >/dev/null
}

node_running() { [[ -f "${NODE_DATA[$1]}/postmaster.pid" ]]; }

# node_psql_db NAME DB SQL — run SQL (read from stdin, so statements like
# CREATE DATABASE that refuse a multi-statement string work); unaligned,
# tuples only, stop at the first error.
node_psql_db() {
    local name=$1 db=$2 sql=$3
    as_pg "$PGCLIENT/psql" -X -A -t -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" \
        -p "${NODE_PORT[$name]}" -U postgres -d "$db" <<<"$sql"
}
node_psql() { node_psql_db "$1" postgres "$2"; }

# node_backup_standby SRC NAME [--tablespace-mapping=OLD=NEW...] — a streaming
# standby of SRC (running); its own log and port.  On PostgreSQL 15 made by
# pg_basebackup -R -X stream (any pg_basebackup option may be passed); on the
# other majors pg_basebackup 15 cannot be used (it refuses 16+), so the
# harness takes the same kind of backup itself: _sql_base_backup.
node_backup_standby() {
    local src=$1 name=$2; shift 2
    _node_dirs "$name"
    if [[ "$PG_MAJOR" == 15 ]]; then
        as_pg "$PGCLIENT/pg_basebackup" -D "${NODE_DATA[$name]}" -h "$SOCKDIR" -p "${NODE_PORT[$src]}" \
            -U postgres -R -X stream -c fast --no-sync "$@" >"$SCRATCH/$name/basebackup.log" 2>&1 || {
            diag "pg_basebackup failed:" "$(cat "$SCRATCH/$name/basebackup.log")"; return 1; }
    else
        _sql_base_backup "$src" "$name" "$@" || return 1
    fi
    node_conf "$name" "# harness node: $name (standby of $src)"
}

# _sql_base_backup SRC NAME [--tablespace-mapping=OLD=NEW...] — what
# pg_basebackup -R -X fetch -c fast --tablespace-mapping does, with the backup
# functions, the primary kept running.  In ONE psql session (a non-exclusive
# backup and a temporary slot end with their session):
#   1. a temporary physical slot reserving WAL at once, so nothing from the
#      backup's start on is recycled while the copy runs;
#   2. pg_backup_start (14: pg_start_backup), fast checkpoint;
#   3. copy the data directory without postmaster.pid/.opts and the contents of
#      pg_wal, pg_replslot and pg_stat_tmp; each tablespace to its mapped
#      location, the copy's pg_tblspc link re-pointed there;
#   4. pg_backup_stop (14: pg_stop_backup(false)), which switches WAL segments;
#   5. copy the WAL segments from the start to the stop segment (and history
#      files) into the copy's pg_wal, so the standby becomes consistent without
#      the primary keeping anything (pg_basebackup's temporary slot is gone
#      after the backup too: no slot stays behind on the primary);
#   6. backup_label and tablespace_map from pg_backup_stop's result, the map's
#      locations replaced by the standby's own copies;
# then standby.signal and a primary_conninfo for SRC, as -R writes them.
_sql_base_backup() {
    local src=$1 name=$2 arg link oid loc mapped
    shift 2
    local sdata=${NODE_DATA[$src]} ddata=${NODE_DATA[$name]} dir=$SCRATCH/$name
    local -a maps=()
    for arg in "$@"; do
        case $arg in
            --tablespace-mapping=*=*) maps+=("${arg#--tablespace-mapping=}") ;;
            *) diag "node_backup_standby: '$arg' needs pg_basebackup (PostgreSQL 15 only)"; return 1 ;;
        esac
    done
    # _sbb_map LOCATION — the standby's location for a tablespace of SRC.
    _sbb_map() {
        local m
        for m in "${maps[@]}"; do
            if [[ "$1" == "${m%%=*}" ]]; then echo "${m#*=}"; return 0; fi
        done
        return 1
    }
    # The copy script, run through psql's \! by the postgres user.
    {
        printf 'sdata=%q ddata=%q dir=%q\n' "$sdata" "$ddata" "$dir"
        echo 'copy_tablespaces() {'
        for link in "$sdata"/pg_tblspc/*; do
            [[ -L "$link" ]] || continue
            oid=${link##*/}; loc=$(readlink "$link")
            mapped=$(_sbb_map "$loc") || {
                diag "node_backup_standby: tablespace $oid at $loc needs --tablespace-mapping"; return 1; }
            printf '    mkdir -p %q && copy %q/. %q/\n' "$mapped" "$loc" "$mapped"
            printf '    ln -sfn %q %q\n' "$mapped" "$ddata/pg_tblspc/$oid"
        done
        echo '    :'
        echo '}'
        cat <<'EOS'
set -euo pipefail
# copy SRC... DEST — cp -a; a file that vanishes while the server runs is no
# error (pg_basebackup skips those too: WAL replay recreates what matters).
copy() {
    local err
    if ! err=$(cp -a "$@" 2>&1); then
        if grep -qv 'No such file or directory' <<<"$err"; then echo "$err" >&2; return 1; fi
        echo "vanished during the copy, skipped: $err" >&2
    fi
}
case $1 in
data)
    mkdir -m 0700 "$ddata"
    for e in "$sdata"/* "$sdata"/.[!.]*; do
        [[ -e "$e" || -L "$e" ]] || continue
        case ${e##*/} in
            postmaster.pid|postmaster.opts) ;;
            pg_wal|pg_replslot|pg_stat_tmp) mkdir -m 0700 "$ddata/${e##*/}" ;;
            *) copy "$e" "$ddata/" ;;
        esac
    done
    mkdir -m 0700 "$ddata/pg_wal/archive_status"
    copy_tablespaces
    touch "$dir/backup-data.ok" ;;
wal)
    for f in "$sdata"/pg_wal/*; do
        b=${f##*/}
        if [[ $b =~ ^[0-9A-F]{8}\.history$ ]] ||
           [[ $b =~ ^[0-9A-F]{24}$ && ! $b < $HARNESS_STARTSEG && ! $b > $HARNESS_STOPSEG ]]; then
            cp -p "$f" "$ddata/pg_wal/"
        fi
    done
    touch "$dir/backup-wal.ok" ;;
esac
EOS
    } >"$dir/backup-copy.sh" || return 1
    local start_fn stop_fn
    if [[ "$PG_MAJOR" == 14 ]]; then
        start_fn="pg_start_backup('harness $name', true, false)"; stop_fn="pg_stop_backup(false)"
    else
        start_fn="pg_backup_start('harness $name', true)"; stop_fn="pg_backup_stop()"
    fi
    as_pg "$PGCLIENT/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -p "${NODE_PORT[$src]}" \
        -U postgres -d postgres >"$dir/basebackup.log" 2>&1 <<SQL || {
\pset format unaligned
\pset tuples_only on
SELECT pg_create_physical_replication_slot('harness_backup_$name', true, true);
SELECT pg_walfile_name(lsn) AS startseg FROM $start_fn AS lsn \gset
\setenv HARNESS_STARTSEG :startseg
\! bash $dir/backup-copy.sh data
SELECT lsn, labelfile, coalesce(spcmapfile, '') AS spcmapfile FROM $stop_fn \gset bk_
SELECT pg_walfile_name(:'bk_lsn') AS stopseg \gset
\setenv HARNESS_STOPSEG :stopseg
\! bash $dir/backup-copy.sh wal
\o $dir/backup_label.raw
SELECT :'bk_labelfile';
\o $dir/tablespace_map.raw
SELECT :'bk_spcmapfile';
\o
\echo backup from :startseg to :stopseg
SQL
        diag "base backup of $src with the backup functions failed:" "$(cat "$dir/basebackup.log")"
        return 1; }
    if [[ ! -f "$dir/backup-data.ok" || ! -f "$dir/backup-wal.ok" ]]; then
        diag "base backup of $src: copying failed:" "$(cat "$dir/basebackup.log")"; return 1
    fi
    # psql ended each value with a newline; both files end with one already.
    printf '%s\n' "$(cat "$dir/backup_label.raw")" | as_pg tee "$ddata/backup_label" >/dev/null
    local map_out="" line
    while IFS= read -r line; do
        [[ -n "$line" ]] || continue
        oid=${line%% *}; loc=${line#* }
        mapped=$(_sbb_map "$loc") || { diag "no mapping for tablespace $oid at $loc"; return 1; }
        map_out+="$oid $mapped"$'\n'
    done <"$dir/tablespace_map.raw"
    if [[ -n "$map_out" ]]; then printf '%s' "$map_out" | as_pg tee "$ddata/tablespace_map" >/dev/null; fi
    as_pg touch "$ddata/standby.signal"
    printf "primary_conninfo = 'user=postgres host=%s port=%s application_name=%s'\n" \
        "$SOCKDIR" "${NODE_PORT[$src]}" "$name" | as_pg tee -a "$ddata/postgresql.auto.conf" >/dev/null
}

node_promote() {
    as_pg "$PGBIN/pg_ctl" promote -D "${NODE_DATA[$1]}" -w -t 60 >/dev/null
}

node_checkpoint() { node_psql "$1" "CHECKPOINT"; }

# node_failover PRIMARY NAME — the failover of a split brain: NAME, a standby
# of PRIMARY (running), caught up, promoted and checkpointed, so that its
# files hold everything up to its new timeline's start.
node_failover() {
    node_backup_standby "$1" "$2"
    node_start "$2"
    wait_for_catchup "$2" "$1"
    node_promote "$2"
    node_checkpoint "$2"
}

# node_set_primary NAME PRIMARY — make NAME (stopped) stream from PRIMARY.
# postgresql.auto.conf, because pg_basebackup -R put the old value there and
# it overrides postgresql.conf.
node_set_primary() {
    printf "primary_conninfo = 'host=127.0.0.1 port=%s user=postgres application_name=%s'\n" \
        "${NODE_PORT[$2]}" "$1" | as_pg tee -a "${NODE_DATA[$1]}/postgresql.auto.conf" >/dev/null
}

# node_copy SRC NEW — copy a STOPPED node (e.g. the old primary, so a second
# tool can rewind the very same input).  Tablespaces are copied too and the
# copy's pg_tblspc links re-pointed, or the two nodes would share them.
node_copy() {
    local src=$1 new=$2 link oid
    if node_running "$src"; then diag "node_copy: $src is running"; return 1; fi
    _node_dirs "$new"
    cp -a "${NODE_DATA[$src]}" "${NODE_DATA[$new]}"
    for link in "${NODE_DATA[$new]}"/pg_tblspc/*; do
        [[ -L "$link" ]] || continue
        oid=$(basename "$link")
        cp -a "$(readlink "$link")" "$SCRATCH/$new/tblspc_$oid"
        ln -sfn "$SCRATCH/$new/tblspc_$oid" "$link"
        chown -h "$(stat -c %U: "${NODE_DATA[$new]}")" "$link"
    done
    # a pg_wal linked elsewhere (initdb --waldir) gets its own copy too
    link=${NODE_DATA[$new]}/pg_wal
    if [[ -L "$link" ]]; then
        cp -a "$(readlink "$link")" "$SCRATCH/$new/pg_wal"
        ln -sfn "$SCRATCH/$new/pg_wal" "$link"
        chown -h "$(stat -c %U: "${NODE_DATA[$new]}")" "$link"
    fi
    sync
}

# node_tli NAME — timeline the running node writes WAL on.  Read from the
# current WAL file name, not pg_control: a node promoted moments ago still
# has the old timeline in pg_control until its first checkpoint.  A standby:
# the timeline it receives (pg_stat_wal_receiver).
node_tli() {
    local hex
    if [[ "$(node_psql "$1" "SELECT pg_is_in_recovery()")" == t ]]; then
        node_psql "$1" "SELECT received_tli FROM pg_stat_wal_receiver"; return
    fi
    hex=$(node_psql "$1" "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")
    echo $((16#$hex))
}

# Facts from a (stopped) node's global/pg_control.  On PostgreSQL 15 from
# pg_controldata 15; the other majors have no pg_controldata of their own here
# and pg_controldata 15 misreads 18's file, so the harness reads the few
# fields it needs itself.  Their offsets are the same in 14..18:
#   8  pg_control_version (uint32)       16 state (DBState enum)
#   48 checkPointCopy.ThisTimeLineID (uint32)
# The control file's version is checked, so another layout cannot be misread.
_CONTROL_STATES=("starting up" "shut down" "shut down in recovery" "shutting down"
                 "in crash recovery" "in archive recovery" "in production")
_control_u32() {
    od -An -t u4 -j "$2" -N 4 "${NODE_DATA[$1]}/global/pg_control" | tr -d ' '
}
_control_check_version() {
    local v want
    v=$(_control_u32 "$1" 8)
    case $PG_MAJOR in 14 | 15 | 16) want=1300 ;; 17) want=1700 ;; *) want=1800 ;; esac
    [[ "$v" == "$want" ]] && return 0
    diag "pg_control of $1: version $v, expected $want for PostgreSQL $PG_MAJOR"; return 1
}

# control_tli NAME — "Latest checkpoint's TimeLineID" of a (stopped) node.
control_tli() {
    if [[ "$PG_MAJOR" == 15 ]]; then
        as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[$1]}" | awk -F': *' '/^Latest checkpoint.s TimeLineID/ {print $2}'
    else
        _control_check_version "$1" && _control_u32 "$1" 48
    fi
}

# control_state NAME — "Database cluster state" of a (stopped) node, in
# pg_controldata's words ("shut down", "in production", ...).
control_state() {
    if [[ "$PG_MAJOR" == 15 ]]; then
        as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[$1]}" | awk -F': *' '/^Database cluster state/ {print $2}'
    else
        local st
        _control_check_version "$1" || return 1
        st=$(_control_u32 "$1" 16)
        echo "${_CONTROL_STATES[$st]:-unrecognized status code $st}"
    fi
}

# history_switchpoint NAME HISTTLI TLI — LSN where timeline TLI ends according
# to NAME's pg_wal/<HISTTLI>.history (SQL when running, the file otherwise).
history_switchpoint() {
    local name=$1 histtli=$2 tli=$3 file content
    file=$(printf 'pg_wal/%08X.history' "$histtli")
    if node_running "$name"; then
        content=$(node_psql "$name" "SELECT pg_read_file('$file')")
    else
        content=$(cat "${NODE_DATA[$name]}/$file")
    fi
    awk -v t="$tli" '$1 == t {print $2}' <<<"$content"
}

# wait_for_catchup STANDBY PRIMARY — until STANDBY replayed PRIMARY's current
# WAL position (bounded, ~60 s); PRIMARY may be a standby itself (its replay
# position then).
wait_for_catchup() {
    local standby=$1 primary=$2 lsn i r=""
    lsn=$(node_psql "$primary" "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                                       ELSE pg_current_wal_lsn() END") || return 1
    for ((i = 0; i < 300; i++)); do
        r=$(node_psql "$standby" "SELECT coalesce(pg_last_wal_replay_lsn() >= '$lsn'::pg_lsn, false)" 2>/dev/null || true)
        [[ "$r" == t ]] && return 0
        sleep 0.2
    done
    diag "$standby did not replay up to $lsn of $primary within 60 s (at $(node_psql "$standby" "SELECT pg_last_wal_replay_lsn()" 2>/dev/null || echo '?'))"
    return 1
}

# wait_for_query NAME SQL EXPECTED [SECONDS] — poll until SQL returns EXPECTED.
wait_for_query() {
    local name=$1 sql=$2 want=$3 secs=${4:-30} i r=""
    for ((i = 0; i < secs * 5; i++)); do
        r=$(node_psql "$name" "$sql" 2>/dev/null || true)
        [[ "$r" == "$want" ]] && return 0
        sleep 0.2
    done
    diag "waited ${secs}s for '$sql' on $name to return '$want'; last result: '$r'"
    return 1
}

# snapshot_dir DIR — every entry with type, size, mode, mtime, link target and,
# for files, a checksum; sorted.  Two snapshots are equal iff nothing changed.
snapshot_dir() {
    (cd "$1" && find . -printf '%p|%y|%s|%m|%T@|%l\n' | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# content_fingerprint DIR — what a rollback must restore: every entry's type,
# path and mode, symlink targets, file sizes and SHA-256 (not mtimes, which a
# rollback rewrites, nor directory sizes).
content_fingerprint() {
    (cd "$1" && find . \( -type f -printf 'f %p %m %s\n' \) -o \( -type d -printf 'd %p %m\n' \) \
        -o \( -type l -printf 'l %p -> %l\n' \) | LC_ALL=C sort &&
        find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# freeze_fetching_backend SOURCE PID TARGET — wait (bounded: 60 s) until
# rewind, running in the background as PID on node TARGET, has a backend on
# SOURCE copying file contents for it, and stop that backend with SIGSTOP;
# prints its pid, or nothing if rewind ended first.  rewind's connections
# carry application_name "rewind" (its fallback); its fetch query reads with
# pg_read_binary_file, its hash query wraps that in sha256 (no copy), so
# only the former is taken.  Before the copy the same fetch query reads the
# source's WAL (to choose where recovery starts): the backend is taken only
# once TARGET's journal exists, which the copy's first change makes.
freeze_fetching_backend() {
    local source=$1 pid=$2 journal=${NODE_DATA[$3]}.rewind-journal/journal bpid="" i
    local sql="SELECT pid FROM pg_stat_activity
 WHERE application_name = 'rewind' AND pid <> pg_backend_pid()
   AND query LIKE '%pg_read_binary_file(r.p%' AND query NOT LIKE '%sha256%'
 ORDER BY backend_start LIMIT 1"
    for ((i = 0; i < 1200; i++)); do
        bpid=""
        [[ -f "$journal" ]] && bpid=$(node_psql "$source" "$sql" 2>/dev/null || true)
        if [[ -n "$bpid" ]]; then kill -STOP "$bpid" 2>/dev/null || bpid=""; fi
        [[ -n "$bpid" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    printf '%s' "$bpid"
}

# wait_background PID SECONDS WHY — wait at most SECONDS for the background
# PID (fail, naming WHY, and kill it if it runs on); its exit status in
# WAIT_STATUS (a variable: wait only works in the shell that started it)
wait_background() {
    local pid=$1 secs=$2 why=$3 i
    for ((i = 0; i < secs * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        fail "ended within $secs s: $why"; kill "$pid" 2>/dev/null || true
    fi
    WAIT_STATUS=0
    # shellcheck disable=SC2034  # read by the test scripts
    wait "$pid" || WAIT_STATUS=$?
}

# rollback_and_check LABEL TARGET SOURCE BEFORE — run the tool with --rollback
# on TARGET and assert it put back the content_fingerprint BEFORE and removed
# the journal beside the data directory.
rollback_and_check() {
    local label=$1 target=$2 source=$3 before=$4 st=0 after
    run_rewind "$target" "$source" --rollback || st=$?
    is "$st" 0 "$label: --rollback exits 0"
    last_ok || diag "$(cat "$REWIND_OUT")"
    like "$(cat "$REWIND_OUT")" 'rollback complete' "$label: --rollback says so"
    after=$(content_fingerprint "${NODE_DATA[$target]}")
    is "$(sha256sum <<<"$after")" "$(sha256sum <<<"$before")" \
        "$label: --rollback restored every file, mode and link"
    last_ok || diag "$(diff <(echo "$before") <(echo "$after") | head -n 20 || true)"
    ok "$label: --rollback removed the journal" test ! -e "${NODE_DATA[$target]}.rewind-journal"
}

# ----------------------------------------------------------------------------
# Rewinding and verifying
# ----------------------------------------------------------------------------
# Rows/paths that exist only on the old primary after the divergence.  Each is
# asserted present when registered (on the running old primary, so the later
# "gone" check cannot pass vacuously) and asserted gone on every rewound node.
_GONE_SQL=()      # "db<TAB>sql" — sql returns a count, must be 0 afterwards
_GONE_PATH=()     # paths relative to the data directory that must be gone

# expect_gone OLD DB SQL DESCRIPTION
expect_gone() {
    local old=$1 db=$2 sql=$3 desc=$4 n
    n=$(node_psql_db "$old" "$db" "$sql" || echo "error")
    if [[ "$n" =~ ^[1-9][0-9]*$ ]]; then pass "before rewind, $old has $desc ($n)"
    else fail "before rewind, $old has $desc"; diag "  '$sql' returned '$n'"; fi
    _GONE_SQL+=("$db"$'\t'"$sql"$'\t'"$desc")
}

# expect_gone_path OLD RELPATH DESCRIPTION
expect_gone_path() {
    local old=$1 rel=$2 desc=$3
    ok "before rewind, $old has $desc ($rel)" test -e "${NODE_DATA[$old]}/$rel"
    _GONE_PATH+=("$rel"$'\t'"$desc")
}

# The source's connection string, as a DBA would pass it.
source_connstr() { echo "host=127.0.0.1 port=${NODE_PORT[$1]} user=postgres dbname=postgres"; }

# SOURCE_MODE=server (default) rewinds from --source-server; SOURCE_MODE=pgdata
# from --source-pgdata (the source must be stopped cleanly).
SOURCE_MODE=server
REWIND_OUT=""     # output file of the last run_rewind / run_rewind_with
_RUN_SEQ=0

# run_rewind_with BINARY TARGET SOURCE [extra args] — run as the postgres user,
# stdout+stderr into a file ($REWIND_OUT); returns the tool's exit status.
run_rewind_with() {
    local bin=$1 target=$2 source=$3 rc=0; shift 3
    _RUN_SEQ=$((_RUN_SEQ + 1))
    REWIND_OUT=$SCRATCH/rewind-$_RUN_SEQ-$target.out
    local args=(--target-pgdata="${NODE_DATA[$target]}")
    if [[ "$SOURCE_MODE" == pgdata ]]; then
        args+=(--source-pgdata="${NODE_DATA[$source]}")
    else
        args+=(--source-server="$(source_connstr "$source")")
    fi
    echo "\$ $bin ${args[*]} $*" >"$REWIND_OUT"
    as_pg "$bin" "${args[@]}" "$@" >>"$REWIND_OUT" 2>&1 || rc=$?
    echo "[exit status $rc]" >>"$REWIND_OUT"
    return "$rc"
}

# run_rewind TARGET SOURCE [extra args] — the tool under test.
run_rewind() { run_rewind_with "$TOOL" "$@"; }

# Divergence expected by the scenario: the last common timeline is the target's
# timeline, and the switch point is where the source's history ends it.
EXPECT_NO_REWIND=0   # 1: the tool must answer "no rewind required"
SKIP_REF_REASON=""   # non-empty: do not compare with pg_rewind, say why (SKIP)
_EXP_TLI=""; _EXP_LSN=""
_compute_expected_divergence() {
    local target=$1 source=$2 stli
    _EXP_TLI=$(control_tli "$target")
    if node_running "$source"; then stli=$(node_tli "$source"); else stli=$(control_tli "$source"); fi
    _EXP_LSN=""
    if [[ "$stli" -lt "$_EXP_TLI" ]]; then
        # the target is the promoted side: its own history says where it left
        _EXP_LSN=$(history_switchpoint "$target" "$_EXP_TLI" "$stli"); _EXP_TLI=$stli
    elif [[ "$stli" != "$_EXP_TLI" ]]; then
        _EXP_LSN=$(history_switchpoint "$source" "$stli" "$_EXP_TLI")
    fi
    note "expected divergence: timeline $_EXP_TLI at ${_EXP_LSN:-?} (source on timeline $stli)"
}

# _effective_setting NAME GUC — the value the server would use, from its files.
_effective_setting() { as_pg "$PGBIN/postgres" -D "${NODE_DATA[$1]}" -C "$2" 2>/dev/null; }

# _check_rewind_run LABEL IS_PG_REWIND RC TARGET SOURCE CONFDIR ARGS... — the
# assertions on one finished run: exit status, messages, configuration files.
_check_rewind_run() {
    local label=$1 is_pgr=$2 rc=$3 target=$4 source=$5 confdir=$6; shift 6
    local out f with_R=0 a
    out=$(cat "$REWIND_OUT")
    for a in "$@"; do [[ "$a" == -R || "$a" == --write-recovery-conf ]] && with_R=1; done
    is "$rc" 0 "$label: exits with status 0"
    last_ok || diag "$out"
    if [[ "$EXPECT_NO_REWIND" == 1 ]]; then
        like "$out" 'no rewind required' "$label: says no rewind required"
        unlike "$out" 'rewinding from last common checkpoint' "$label: does not rewind"
    else
        like "$out" "servers diverged at WAL location $_EXP_LSN on timeline ${_EXP_TLI}([^0-9]|\$)" \
            "$label: reports divergence at $_EXP_LSN on timeline $_EXP_TLI"
        like "$out" 'rewinding from last common checkpoint at [0-9A-F]+/[0-9A-F]+ on timeline [0-9]+' \
            "$label: reports the last common checkpoint"
        like "$out" 'Done!' "$label: says Done!"
        unlike "$out" 'no rewind required' "$label: does not claim no rewind is required"
    fi
    # Configuration files: pg_rewind copies the source's; rewind keeps the
    # target's (postgresql.auto.conf may get recovery settings, not compared).
    # Nothing is copied when no rewind is needed.
    local expect_from=target
    if [[ "$is_pgr" == 1 && "$EXPECT_NO_REWIND" == 0 ]]; then expect_from=source; fi
    for f in postgresql.conf pg_hba.conf pg_ident.conf; do
        ok "$label: $f is the $expect_from's" cmp -s "$confdir/$expect_from.$f" "${NODE_DATA[$target]}/$f"
    done
    # Recovery configuration: with -R both tools write standby.signal and a
    # primary_conninfo for the source; rewind writes standby.signal always.
    if [[ $with_R == 1 || "$is_pgr" == 0 ]]; then
        ok "$label: wrote standby.signal" test -f "${NODE_DATA[$target]}/standby.signal"
    fi
    if [[ $with_R == 1 ]]; then
        like "$(_effective_setting "$target" primary_conninfo)" "port=${NODE_PORT[$source]}( |\$)" \
            "$label: primary_conninfo points at the source"
    fi
}

# _rewind_one LABEL BINARY TARGET SOURCE ARGS... — snapshot configuration,
# run, check.
_rewind_one() {
    local label=$1 bin=$2 target=$3 source=$4 rc=0 f is_pgr=0; shift 4
    local confdir=$SCRATCH/conf-$target
    mkdir -p "$confdir"
    for f in postgresql.conf pg_hba.conf pg_ident.conf; do
        cp "${NODE_DATA[$target]}/$f" "$confdir/target.$f"
        cp "${NODE_DATA[$source]}/$f" "$confdir/source.$f"
    done
    if [[ "$bin" == "$TOOL" ]]; then is_pgr=$TOOL_BEHAVES_LIKE_PG_REWIND
    elif _is_pg_rewind "$bin"; then is_pgr=1; fi
    run_rewind_with "$bin" "$target" "$source" "$@" || rc=$?
    _check_rewind_run "$label" "$is_pgr" "$rc" "$target" "$source" "$confdir" "$@"
    return "$rc"
}

# rewind_and_verify TARGET SOURCE [tool args...] — the rewind step of every
# scenario.  TARGET must be stopped.  When the comparison is on, TARGET is first
# copied and pg_rewind later rewinds the copy against the same source.
#
# Order: the tool under test runs FIRST, on exactly the input the scenario
# built, so its run is the same whether or not a comparison follows; pg_rewind
# runs right after against the same, still running source, which receives no
# writes in between (both runs only read it).  Each rewound node is then
# started as a standby and compared with the source, so both end equal to the
# source and therefore to each other.
rewind_and_verify() {
    local target=$1 source=$2 ref="" rc=0; shift 2
    if [[ "$REF_ENABLED" == 1 && -z "$SKIP_REF_REASON" ]]; then
        ref=${target}_pgrewind
        node_copy "$target" "$ref"
    fi
    _compute_expected_divergence "$target" "$source"
    local before_lsn=""
    local pos_sql="SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END"
    node_running "$source" && before_lsn=$(node_psql "$source" "$pos_sql")

    _rewind_one "tool" "$TOOL" "$target" "$source" "$@" || rc=$?
    if [[ -n "$before_lsn" ]]; then
        note "source WAL insert (standby: replay) position: before the tool $before_lsn, after $(node_psql "$source" "$pos_sql")"
    fi
    if [[ -n "$ref" ]]; then
        _rewind_one "pg_rewind (reference)" "$PG_REWIND_REF" "$ref" "$source" "$@" || true
    elif [[ -n "$SKIP_REF_REASON" && "$REF_ENABLED" == 1 ]]; then
        skip "comparison with pg_rewind" "$SKIP_REF_REASON"
    elif [[ -n "$REF_SKIP_MAJOR" ]]; then
        skip "comparison with pg_rewind" "$REF_SKIP_MAJOR"
    fi
    if ! node_running "$source"; then node_start "$source"; fi   # --source-pgdata

    # A failed run may have left the target half-written: starting it proves
    # nothing and would only wait for timeouts.
    if [[ $rc -eq 0 ]]; then
        verify_standby "tool" "$target" "$source"
    else
        fail "tool: rewound $target verified as a standby of $source (not attempted: the tool failed)"
    fi
    if [[ -n "$ref" ]]; then verify_standby "pg_rewind (reference)" "$ref" "$source"; fi
}

# ensure_standby_config NAME SOURCE LABEL — write standby.signal and a
# primary_conninfo for SOURCE where the tool did not (e.g. no -R: pg_rewind then
# leaves the source's stale primary_conninfo in the copied postgresql.auto.conf).
ensure_standby_config() {
    local name=$1 source=$2 label=$3 pci
    if [[ ! -f "${NODE_DATA[$name]}/standby.signal" ]]; then
        note "$label: no standby.signal after the rewind; the harness writes it"
        as_pg touch "${NODE_DATA[$name]}/standby.signal"
    fi
    pci=$(_effective_setting "$name" primary_conninfo || true)
    if ! grep -Eq "port=${NODE_PORT[$source]}( |\$)" <<<"$pci"; then
        note "$label: primary_conninfo '$pci' does not point at the source; the harness sets it"
        node_set_primary "$name" "$source"
    fi
}

# Problems in a rewound node's server log since it was started:
#   - any line at ERROR, FATAL or PANIC level, except the allowed ones below;
#   - "new timeline N forked off current database system timeline M before
#     current recovery point": logged at LOG level, but it is exactly what a
#     node that was not (correctly) rewound says when it cannot follow.
# Allowed, and why:
#   - "FATAL:  terminating walreceiver process due to administrator command":
#     the WAL receiver is told to exit when the standby is promoted or shut
#     down and reports that at FATAL by design.
#   - "FATAL:  terminating connection due to administrator command": a fast
#     shutdown says this to every session still connected, e.g. a client
#     of the test whose backend had not finished exiting yet.
# Not counted: "unexpected pageaddr" (LOG level; normal on a standby that
# reads recycled WAL segments).
_LOG_PROBLEM_RE='\[[0-9]+\] (ERROR|FATAL|PANIC):|forked off current database system timeline'
_LOG_ALLOWED_RE='FATAL:  terminating (walreceiver process|connection) due to administrator command'

# _list_tables_sql — user relations with storage that a hot standby can read.
_LIST_TABLES_SQL="SELECT format('%I.%I', n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'm') AND c.relpersistence = 'p'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_)' ORDER BY 1"

# Catalog summary: every user relation with kind and persistence (so indexes,
# sequences and unlogged tables are compared too).
_LIST_RELS_SQL="SELECT format('%I.%I %s %s', n.nspname, c.relname, c.relkind, c.relpersistence)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_)' ORDER BY 1"

# _db_fingerprint NAME DB — per table: name, row count, and the sums of the
# two 64-bit halves of every row's md5: independent of row order, sensitive to
# duplicates, and in constant memory (a string of all rows would exceed 1 GB
# on a pgbench table of scale 300).  One psql call per database.
_db_fingerprint() {
    local name=$1 db=$2 tables t sql=""
    tables=$(node_psql_db "$name" "$db" "$_LIST_TABLES_SQL") || return 1
    while IFS= read -r t; do
        [[ -n "$t" ]] || continue
        sql+="SELECT '$t', count(*), coalesce(sum(('x' || left(h, 16))::bit(64)::bigint::numeric), 0)"
        sql+=" || ':' || coalesce(sum(('x' || right(h, 16))::bit(64)::bigint::numeric), 0)"
        sql+=" FROM (SELECT md5(rw_x_::text) AS h FROM ONLY $t AS rw_x_) AS rw_h_;"
        sql+=$'\n'
    done <<<"$tables"
    [[ -n "$sql" ]] || return 0
    node_psql_db "$name" "$db" "$sql"
}

# compare_nodes A B LABEL — same databases, tablespaces, relations and rows.
compare_nodes() {
    local a=$1 b=$2 label=$3 dbs_a dbs_b db fa fb bad=0 ntables=0
    local dbsql="SELECT datname FROM pg_database WHERE datname <> 'template0' ORDER BY 1"
    dbs_a=$(node_psql "$a" "$dbsql"); dbs_b=$(node_psql "$b" "$dbsql")
    is "$dbs_a" "$dbs_b" "$label: same databases as $b"
    last_ok || bad=1
    is "$(node_psql "$a" "SELECT spcname FROM pg_tablespace ORDER BY 1")" \
       "$(node_psql "$b" "SELECT spcname FROM pg_tablespace ORDER BY 1")" "$label: same tablespaces as $b"
    last_ok || bad=1
    while IFS= read -r db; do
        grep -qxF -- "$db" <<<"$dbs_b" || continue
        if [[ "$(node_psql_db "$a" "$db" "$_LIST_RELS_SQL")" != "$(node_psql_db "$b" "$db" "$_LIST_RELS_SQL")" ]]; then
            bad=1; diag "$label: relations differ in database $db:" \
                "$(diff <(node_psql_db "$a" "$db" "$_LIST_RELS_SQL") <(node_psql_db "$b" "$db" "$_LIST_RELS_SQL") | head -n 20 || true)"
        fi
        fa=$(_db_fingerprint "$a" "$db") || { bad=1; diag "fingerprint of $db on $a failed"; }
        fb=$(_db_fingerprint "$b" "$db") || { bad=1; diag "fingerprint of $db on $b failed"; }
        if [[ "$fa" != "$fb" ]]; then
            bad=1; diag "$label: table contents differ in database $db (< $a, > $b):" \
                "$(diff <(echo "$fa") <(echo "$fb") | head -n 20 || true)"
        fi
        ntables=$((ntables + $(grep -c . <<<"$fa" || true)))
    done <<<"$dbs_a"
    if [[ $bad == 0 ]]; then pass "$label: every relation and table ($ntables tables) equal to $b's"
    else fail "$label: relations and table contents equal to $b's"; fi
}

# verify_standby LABEL NODE SOURCE — what issue 2 requires of a rewound node:
# it starts as a standby of SOURCE, replays to SOURCE's position, streams from
# SOURCE on SOURCE's timeline, has exactly SOURCE's data, lost what only the
# old primary had, logs no errors, and works as a primary after promotion.
verify_standby() {
    local label=$1 node=$2 source=$3 log_lines=0 stli entry db sql desc n rel problems
    ensure_standby_config "$node" "$source" "$label"
    [[ -f "${NODE_LOG[$node]}" ]] && log_lines=$(wc -l <"${NODE_LOG[$node]}")
    ok "$label: rewound $node starts as a standby of $source" node_start "$node"
    if ! last_ok; then
        fail "$label: remaining checks (node did not start)"; return 1
    fi
    is "$(node_psql "$node" "SELECT pg_is_in_recovery()")" t "$label: $node is in recovery"
    ok "$label: $node replays up to $source's current WAL position" wait_for_catchup "$node" "$source"
    # Replaying far enough alone is passed by an untouched old primary whose
    # WAL runs further than the source's; streaming on the source's timeline
    # is not.
    stli=$(node_tli "$source")
    ok "$label: $node streams from $source on timeline $stli" wait_for_query "$node" \
        "SELECT status || ' ' || received_tli FROM pg_stat_wal_receiver" "streaming $stli" 30
    compare_nodes "$node" "$source" "$label: $node"
    for entry in "${_GONE_SQL[@]}"; do
        IFS=$'\t' read -r db sql desc <<<"$entry"
        n=$(node_psql_db "$node" "$db" "$sql" 2>&1 || true)
        is "$n" 0 "$label: gone from $node: $desc"
    done
    for entry in "${_GONE_PATH[@]}"; do
        IFS=$'\t' read -r rel desc <<<"$entry"
        ok "$label: gone from $node: $desc ($rel)" test ! -e "${NODE_DATA[$node]}/$rel"
    done
    # Promote, write, read back; unlogged tables (unreadable on a standby) must
    # be readable now; every index must match its heap.
    ok "$label: $node promotes" node_promote "$node"
    if last_ok; then
        is "$(node_psql "$node" "CREATE TABLE harness_after_promote AS SELECT g FROM generate_series(1, 100) g;
                                 SELECT sum(g) FROM harness_after_promote")" 5050 \
           "$label: $node accepts writes after promotion and reads them back"
        ok "$label: unlogged tables readable on promoted $node" _read_unlogged "$node"
        ok "$label: pg_amcheck --heapallindexed finds no corruption on $node" \
            _amcheck "$node"
    fi
    node_stop "$node" fast || diag "stopping $node failed"
    problems=$(tail -n +"$((log_lines + 1))" "${NODE_LOG[$node]}" | grep -E "$_LOG_PROBLEM_RE" \
               | grep -Ev "$_LOG_ALLOWED_RE" || true)
    is "$(grep -c . <<<"$problems" || true)" 0 "$label: no ERROR/FATAL/PANIC in $node's log since the rewind"
    last_ok || diag "$(head -n 10 <<<"$problems")"
}

_read_unlogged() {
    local node=$1 db t st=0
    for db in $(node_psql "$node" "SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1"); do
        for t in $(node_psql_db "$node" "$db" "SELECT format('%I.%I', relnamespace::regnamespace, relname)
                       FROM pg_class WHERE relpersistence = 'u' AND relkind = 'r'"); do
            node_psql_db "$node" "$db" "SELECT count(*) FROM $t" >/dev/null || st=1
        done
    done
    return $st
}

_amcheck() {
    local out
    if ! out=$(as_pg "$PGCLIENT/pg_amcheck" -h "$SOCKDIR" -p "${NODE_PORT[$1]}" -U postgres \
            --all --install-missing --heapallindexed 2>&1); then
        diag "$out"; return 1
    fi
}

#!/usr/bin/env bash
# rewind as a drop-in pg_rewind for HA managers.  `make install
# PG_REWIND_LINK=1` into a scratch PREFIX gives
# PREFIX/lib/rewind/pg-rewind-bin/pg_rewind, a directory holding nothing
# else; PATH holds no PostgreSQL program, so the `postgres` needed for
# --restore-target-wal is found through the usual package locations.  The
# exact command lines of Patroni, CloudNativePG, pg_auto_failover and repmgr
# each rewind a copy of the same stopped old primary, and each node is
# verified as a standby of the source.  Patroni's connects as a role that is
# not a superuser, granted only what the manual lists, whose password is in
# the file PGPASSFILE names.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)   # before the harness changes directory
# shellcheck source=t/lib/harness.sh
source "$REPO/t/lib/harness.sh"

archive=$SCRATCH/archive
as_pg mkdir -p "$archive"
node_init old --checksums
node_conf old "restore_command = 'cp $archive/%f %p'"
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;
CREATE ROLE rewind_user LOGIN PASSWORD 'rewind secret' CONNECTION LIMIT 3;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO rewind_user;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO rewind_user;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO rewind_user;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO rewind_user;"
# rewind_user must give its password; everybody else stays trusted.
hba=${NODE_DATA[new]}/pg_hba.conf
{ echo "host all rewind_user 127.0.0.1/32 scram-sha-256"; cat "$hba"; } | as_pg tee "$hba.new" >/dev/null
as_pg mv "$hba.new" "$hba"
node_psql new "SELECT pg_reload_conf()" >/dev/null
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
for n in patroni cnpg pgaf; do node_copy old "$n"; done

prefix=$SCRATCH/prefix
make -s -C "$REPO" install PREFIX="$prefix" PG_REWIND_LINK=1 BIN="$REWIND_BIN" -o "$REWIND_BIN" \
    >"$SCRATCH/install.log" 2>&1 || diag "$(cat "$SCRATCH/install.log")"
bindir=$prefix/lib/rewind/pg-rewind-bin
PGRW=$bindir/pg_rewind
ok "make install PG_REWIND_LINK=1 installs $PGRW" test -x "$PGRW"
is "$(ls "$bindir")" pg_rewind "... alone in its directory"
is "$(as_pg "$PGRW" --version)" "pg_rewind (rewind) $(as_pg "$TOOL" --version | awk '{print $3}')" \
    "... and it speaks as pg_rewind"

# PATH without PostgreSQL's programs, unless they are only found through PATH.
run_path=/usr/bin:/bin
case "$PGBIN" in /usr/lib/postgresql/*/bin | /usr/pgsql-*/bin) ;; *) run_path=$PGBIN:$run_path ;; esac
passfile=$SCRATCH/pgpass
printf '127.0.0.1:%s:*:rewind_user:rewind secret\n' "${NODE_PORT[new]}" | as_pg tee "$passfile" >/dev/null
as_pg chmod 0600 "$passfile"

# drop_in LABEL NODE ENV... -- ARGS... — run $PGRW with exactly ARGS (and the
# environment ENV) the way the HA tool does; output in $out, status in $st.
drop_in() {
    local label=$1 node=$2 envs=() ; shift 2
    while [[ $1 != -- ]]; do envs+=("$1"); shift; done; shift
    st=0
    out=$(as_pg env PATH="$run_path" "${envs[@]}" "$@" 2>&1) || st=$?
    printf '%s\n' "$out" >"$SCRATCH/$label.out"
    is "$st" 0 "$label: the command line exits 0"
    last_ok || diag "$out"
    like "$out" '^pg_rewind: servers diverged at WAL location' "$label: speaks as pg_rewind"
    like "$out" '^pg_rewind: Done!$' "$label: says Done!"
}

conn_user="host=127.0.0.1 port=${NODE_PORT[new]} user=rewind_user dbname=postgres"
conn_pg=$(source_connstr new)

# The password is really required: without the file the connection fails.
st=0; out=$(as_pg env PATH="$run_path" PGPASSFILE=/nonexistent "$PGRW" -n -D "${NODE_DATA[patroni]}" \
    --source-server "$conn_user" 2>&1) || st=$?
is "$st" 1 "without its password file rewind_user cannot connect (exit 1)"
like "$out" 'password' "... the error is about the password"

# Patroni: LANG=C, pgpass file, PGOPTIONS, --restore-target-wal, --config-file.
D=${NODE_DATA[patroni]}
drop_in patroni patroni LANG=C PGPASSFILE="$passfile" PGOPTIONS="-c statement_timeout=0" -- \
    "$PGRW" --restore-target-wal --config-file="$D/postgresql.conf" -D "$D" \
    --source-server "$conn_user target_session_attrs=read-write"
# rewind_user may open 3 connections, fewer than --jobs' default: a warning.
like "$out" 'pg_rewind: warning: could not open connection [0-9]+ of 8 to the source, continuing with [0-9]+: .*too many connections for role' \
    "patroni: fewer connections than --jobs is a warning"
verify_standby patroni patroni new

# CloudNativePG: -P, --target-pgdata, --restore-target-wal.
drop_in cnpg cnpg -- "$PGRW" -P --source-server "$conn_pg" --target-pgdata "${NODE_DATA[cnpg]}" \
    --restore-target-wal
like "$out" 'kB \([0-9]+%\) copied' "cnpg: reports progress"
verify_standby cnpg cnpg new

# pg_auto_failover: --progress (and --debug at its debug log level).
drop_in pgaf pgaf -- "$PGRW" --target-pgdata "${NODE_DATA[pgaf]}" --source-server "$conn_pg" \
    --progress --debug
like "$out" '^pg_rewind: debug: ' "pgaf: writes debug messages"
verify_standby pg_auto_failover pgaf new

# repmgr: a shell command line with quoted values.
drop_in repmgr old -- sh -c "$PGRW -D '${NODE_DATA[old]}' --source-server='$conn_pg'"
verify_standby repmgr old new
done_testing

#!/usr/bin/env bash
# Issue 12, failure 4: server binaries outside the standard places.  The
# old primary runs from a custom prefix (a copy of this major's programs in
# the scratch directory, as a source build or the npm packages' layout
# would install them), crashes, and is rewound by a tool whose PATH does not
# contain that prefix, without --postgres-bindir.  Crash recovery must use
# the "postgres" the target's postmaster.opts names (the one that last ran
# it).  A postmaster.opts naming a "postgres" of another major must not be
# used: on a copy of the crashed target it is skipped for another fit, or,
# when nothing else fits, the refusal says what postmaster.opts names.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="pg_rewind 15 is not the tool under test here"

# The custom prefix: the programs with whatever they load relative to
# themselves (the npm layout has lib/ and share/ beside bin/).
PREFIX=$SCRATCH/custom-prefix
real_bin=$(readlink -f "$PGBIN")
mkdir -p "$PREFIX"
if [[ -d "$real_bin/../lib" && -d "$real_bin/../share" ]]; then
    cp -a "$real_bin/.." "$PREFIX/pg"
    PREFIX_BIN=$PREFIX/pg/bin
else
    # Debian's postgres finds its libraries at ../lib beside its bin/
    mkdir -p "$PREFIX/bin"
    cp -a "$real_bin/postgres" "$real_bin/pg_ctl" "$PREFIX/bin/"
    ln -s "$real_bin/../lib" "$PREFIX/lib"
    PREFIX_BIN=$PREFIX/bin
fi
chown -R postgres: "$PREFIX"
# another major's postgres, for the postmaster.opts that must not be used
if [[ "$PG_MAJOR" == 15 ]]; then OTHER=$PG_NPM_ROOT/16/bin/postgres
else OTHER=/usr/lib/postgresql/15/bin/postgres; fi
# a PATH with no PostgreSQL programs at all
BARE_PATH=/usr/sbin:/usr/bin:/sbin:/bin
ok "PATH $BARE_PATH has no postgres" test -z "$(PATH=$BARE_PATH command -v postgres || true)"

node_init old
PGBIN=$PREFIX_BIN node_start old
like "$(head -n 1 "${NODE_DATA[old]}/postmaster.opts")" "^$PREFIX_BIN/postgres " \
    "the old primary runs from the custom prefix (its postmaster.opts says so)"
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 5 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
PGBIN=$PREFIX_BIN node_stop old immediate
is "$(control_state old)" "in production" "the old primary crashed"

# run_bare NODE SOURCE ARGS... — the tool with BARE_PATH; output in REWIND_OUT
run_bare() {
    local node=$1 source=$2 rc=0; shift 2
    _RUN_SEQ=$((_RUN_SEQ + 1))
    REWIND_OUT=$SCRATCH/rewind-$_RUN_SEQ-$node.out
    runuser -u postgres -- env PATH="$BARE_PATH" LC_ALL=C "$TOOL" \
        --target-pgdata="${NODE_DATA[$node]}" --source-server="$(source_connstr "$source")" "$@" \
        >"$REWIND_OUT" 2>&1 || rc=$?
    return "$rc"
}

# A copy whose postmaster.opts names a postgres of another major.
node_copy old wrong
sed -i "1s|^[^ ]*|$OTHER|" "${NODE_DATA[wrong]}/postmaster.opts"
like "$(head -n 1 "${NODE_DATA[wrong]}/postmaster.opts")" "^$OTHER " "the copy's postmaster.opts names $OTHER"
before=$(snapshot_dir "${NODE_DATA[wrong]}")
st=0; run_bare wrong new -R || st=$?
out=$(cat "$REWIND_OUT")
unlike "$out" "executing \"$OTHER\"" "postmaster.opts naming another major's postgres: that program is not run"
if [[ "$PG_MAJOR" == 15 ]]; then
    # Debian's own place still fits
    is "$st" 0 "... and the rewind finds PostgreSQL 15's postgres in its usual place"
    like "$out" 'executing "/usr/lib/postgresql/15/bin/postgres" for target server to complete crash recovery' \
        "... and runs crash recovery with it"
else
    isnt "$st" 0 "... and with no other postgres of PostgreSQL $PG_MAJOR, the rewind refuses"
    like "$out" "could not find the \"postgres\" program of PostgreSQL $PG_MAJOR" "... saying what it looked for"
    like "$out" "postmaster.opts names \"$OTHER\", which is not a runnable \"postgres\" of PostgreSQL $PG_MAJOR" \
        "... and why the one postmaster.opts names does not fit"
    like "$out" 'postgres-bindir' "... and what to do"
    is "$(snapshot_dir "${NODE_DATA[wrong]}" | sha256sum)" "$(sha256sum <<<"$before")" \
        "... and changed nothing in the target"
fi
last_ok || diag "$out"

# The crashed old primary: crash recovery with the program that last ran it.
st=0; run_bare old new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "crashed target from a custom prefix, PATH without it, no --postgres-bindir: rewound"
last_ok || diag "$out"
like "$out" "executing \"$PREFIX_BIN/postgres\" for target server to complete crash recovery" \
    "... crash recovery ran the postgres that postmaster.opts names"
like "$out" 'Done!' "... and says Done!"
verify_standby "postmaster.opts" old new
done_testing

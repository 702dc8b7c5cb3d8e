#!/usr/bin/env bash
# One binary, five majors: what it must refuse, with the target unchanged.
#   - a source of another major (a rewind cannot cross an upgrade);
#   - a target of a major the version table does not have;
#   - a control file whose layout does not match the major PG_VERSION names.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

# run_tool OUTFILE ARGS... — the tool as the postgres user; returns its status
run_tool() {
    local out=$1 rc=0; shift
    as_pg "$TOOL" "$@" >"$out" 2>&1 || rc=$?
    return "$rc"
}

node_init target
node_start target
node_psql target "CREATE TABLE t AS SELECT generate_series(1, 1000) AS id;"
node_stop target fast
tdata=${NODE_DATA[target]}

# --- a source of another major ---------------------------------------------
other=""
for m in $SUPPORTED_MAJORS; do
    [[ "$m" == "$PG_MAJOR" ]] && continue
    if [[ "$m" == 15 ]]; then bin=/usr/lib/postgresql/15/bin; else bin=$PG_NPM_ROOT/$m/bin; fi
    if [[ -x "$bin/initdb" ]]; then other=$m; otherbin=$bin; break; fi
done
if [[ -n "$other" ]]; then
    PGBIN=$otherbin node_init foreign --checksums   # no major-specific flags
    before=$(snapshot_dir "$tdata")
    st=0; run_tool "$SCRATCH/mixed.out" --target-pgdata="$tdata" \
        --source-pgdata="${NODE_DATA[foreign]}" || st=$?
    is "$st" 1 "a PostgreSQL $other source for a PostgreSQL $PG_MAJOR target is refused"
    like "$(cat "$SCRATCH/mixed.out")" "source is PostgreSQL $other but target is PostgreSQL $PG_MAJOR" \
        "... and the message names both majors"
    is "$(snapshot_dir "$tdata" | sha256sum)" "$(sha256sum <<<"$before")" "... and the target is unchanged"
else
    skip "a source of another major is refused" "no other major installed"
fi

# --- copies of the target with a doctored PG_VERSION -----------------------
# copy_with_version NAME VERSION — a copy of the target claiming VERSION
copy_with_version() {
    local dir=$SCRATCH/$1
    as_pg cp -a "$tdata" "$dir"
    as_pg sh -c "echo '$2' > '$dir/PG_VERSION'"
    echo "$dir"
}

old13=$(copy_with_version pg13 13)
before=$(snapshot_dir "$old13")
st=0; run_tool "$SCRATCH/v13.out" --target-pgdata="$old13" --source-pgdata="$tdata" || st=$?
is "$st" 1 "a target that says PostgreSQL 13 is refused"
like "$(cat "$SCRATCH/v13.out")" "PostgreSQL 13, which is not supported" "... as unsupported"
supported=$(tr ' ' '\n' <<<"$SUPPORTED_MAJORS" | sort -n | paste -sd ' ')
like "$(cat "$SCRATCH/v13.out")" "${supported// /, }" "... naming the supported majors"
is "$(snapshot_dir "$old13" | sha256sum)" "$(sha256sum <<<"$before")" "... and the target is unchanged"

# A control file of this major read with another major's layout: 14-16 share
# one layout, 17 and 18 each have their own, so claim 17 (or 18 on 17).
claim=17; [[ "$PG_MAJOR" == 17 ]] && claim=18
wrong=$(copy_with_version layout "$claim")
before=$(snapshot_dir "$wrong")
st=0; run_tool "$SCRATCH/layout.out" --target-pgdata="$wrong" --source-pgdata="$tdata" || st=$?
is "$st" 1 "a PostgreSQL $PG_MAJOR control file in a directory claiming $claim is refused"
like "$(cat "$SCRATCH/layout.out")" "does not match major $claim" "... saying the control file does not match"
is "$(snapshot_dir "$wrong" | sha256sum)" "$(sha256sum <<<"$before")" "... and the target is unchanged"

done_testing

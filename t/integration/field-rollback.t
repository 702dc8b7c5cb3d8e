#!/usr/bin/env bash
# Issue 12, failure 5: HA scripts call --rollback unconditionally after a
# failed rewind.  When it is certain that the target was not changed (no
# journal, or one from a run that stopped before its first change, and a
# pg_control without the mark of an interrupted rewind) --rollback exits 0
# saying "nothing to roll back: the target was not changed", and changes
# nothing.  When it cannot tell (pg_control marked but the journal gone; a
# completed rewind, which has no journal) it fails and says why.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="the target is handled by --rollback on purpose"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 120000) g;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
JOURNAL=${NODE_DATA[old]}.rewind-journal
PRISTINE=$SCRATCH/pristine-old
cp -a "${NODE_DATA[old]}" "$PRISTINE"

# rollback_unchanged LABEL — --rollback must exit 0, say so, change nothing.
rollback_unchanged() {
    local label=$1 st=0 before
    before=$(snapshot_dir "${NODE_DATA[old]}")
    run_rewind old new --rollback || st=$?
    is "$st" 0 "$label: --rollback exits 0"
    like "$(cat "$REWIND_OUT")" 'nothing to roll back: the target was not changed' "$label: ... and says so"
    last_ok || diag "$(cat "$REWIND_OUT")"
    is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
        "$label: ... and changed nothing in the target"
    ok "$label: ... and no journal is left" test ! -e "$JOURNAL"
}

# rollback_refused LABEL PATTERN — --rollback cannot tell: non-zero, says why, changes nothing.
rollback_refused() {
    local label=$1 pattern=$2 st=0 before
    before=$(snapshot_dir "${NODE_DATA[old]}")
    run_rewind old new --rollback || st=$?
    isnt "$st" 0 "$label: --rollback fails"
    like "$(cat "$REWIND_OUT")" "$pattern" "$label: ... and says why"
    last_ok || diag "$(cat "$REWIND_OUT")"
    is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
        "$label: ... and changed nothing in the target"
}

# 1. A target never rewound.
rollback_unchanged "never rewound"
if command -v jq >/dev/null; then
    is "$(as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --rollback --format=json 2>/dev/null |
        jq -r .status)" "nothing to roll back" "never rewound: JSON status \"nothing to roll back\""
else
    skip "JSON status" "jq is not installed"
fi

# 2. A run that stopped before its first change: the source is unreachable.
st=0
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" \
    --source-server="host=127.0.0.1 port=1 user=postgres dbname=postgres" -R \
    >"$SCRATCH/unreachable.out" 2>&1 || st=$?
isnt "$st" 0 "a run against an unreachable source fails before any change"
rollback_unchanged "after a run that failed before its first change"

# 3. A run killed between creating its journal directory and the journal.
as_pg mkdir "$JOURNAL"
rollback_unchanged "after a run killed before writing its journal"

# 4. A run killed after marking pg_control, whose journal was then lost:
#    the changes cannot be undone and --rollback cannot say otherwise.
st=0
as_pg env REWIND_TEST_KILL_AFTER_WRITES=2 "$TOOL" --target-pgdata="${NODE_DATA[old]}" \
    --source-server="$(source_connstr new)" -R >"$SCRATCH/killed.out" 2>&1 || st=$?
is "$st" 137 "a run killed after marking pg_control (its first changes: a new pg_control, renamed into place)"
ok "... left its journal" test -f "$JOURNAL/journal"
like "$(control_state old)" "unrecognized" "... and a marked pg_control (pg_controldata does not know its state)"
rm -rf "$JOURNAL"
rollback_refused "marked pg_control without a journal" \
    'the pg_control of .* is marked by an interrupted rewind, but its journal .* is not there'

# 5. A completed rewind has no journal: it cannot be rolled back.
rm -rf "${NODE_DATA[old]}"
cp -a "$PRISTINE" "${NODE_DATA[old]}"
st=0; run_rewind old new -R || st=$?
is "$st" 0 "a complete rewind"
rollback_refused "after a completed rewind" 'cannot roll back: the target was rewound by a run that completed'
verify_standby "completed, --rollback refused" old new
done_testing

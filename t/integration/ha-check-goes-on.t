#!/usr/bin/env bash
# --check goes on after an error finding that the later steps do not depend
# on: an old primary that ran with wal_log_hints = off and without data
# checksums cannot be rewound by its WAL (--method=wal; auto would take the
# block compare) (target_rewindable: error),
# yet the preflight still reports the source, both histories, where they
# part, the target's WAL and the source's WAL; a run refuses at that first
# error.  Neither changes the target.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
# off from before the divergence: its pg_control says so, and no change of
# the setting after the divergence point stops the plan as well
node_conf old "wal_log_hints = off"
node_start old
is "$(node_psql old "SHOW wal_log_hints")" off "the old primary runs with wal_log_hints = off"
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 3000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 500;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 2500;"
node_stop old fast
if [[ "$PG_MAJOR" == 15 ]]; then
    like "$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[old]}")" "wal_log_hints setting: +off" \
        "... and its pg_control says so"
else
    skip "pg_control read with pg_controldata" "the one here reads PostgreSQL 15's files only"
fi
new_tli=$(node_tli new)
old_tli=$(control_tli old)
switch_lsn=$(history_switchpoint new "$new_tli" "$old_tli")
ok "the new primary's history gives the divergence point ($switch_lsn)" test -n "$switch_lsn"

before=$(snapshot_dir "${NODE_DATA[old]}")
st=0
json=$(as_pg "$TOOL" -D "${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
           --check --method=wal --format json 2>"$SCRATCH/check.err") || st=$?
is "$st" 3 "--check exits 3"
is "$(jq -r '[.findings[] | select(.severity == "error") | .code] | join(",")' <<<"$json")" \
    target_rewindable "... its one error is target_rewindable"
like "$(jq -r '.findings[] | select(.code == "target_rewindable") | .message' <<<"$json")" \
    'wal_log_hints' "... which names wal_log_hints"
codes=$(jq -r '[.findings[] | select(.severity == "ok") | .code] | unique | join(",")' <<<"$json")
for code in source_privileges timeline_history divergence target_wal source_wal; do
    like ",$codes," ",$code," "... and it goes on: finding $code is ok"
done
like "$(jq -r '.findings[] | select(.code == "timeline_history") | .message' <<<"$json")" \
    "source timeline $new_tli and target timeline $old_tli" "... with the timelines of both sides"
like "$(jq -r '.findings[] | select(.code == "divergence") | .message' <<<"$json")" \
    "diverged at $switch_lsn on timeline $old_tli" "... and where they part"
is "$(jq -r .status <<<"$json")" "check failed" "... JSON status is \"check failed\""
like "$(cat "$SCRATCH/check.err")" 'check: error +target_rewindable: ' "... stderr has the error line"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"

st=0
run_rewind old new --method=wal || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "a run refuses (exit status 1)"
like "$out" 'error: target server needs to use either data checksums or "wal_log_hints = on"' \
    "... at the same error"
unlike "$out" 'servers diverged' "... before it looks at the source's history"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"
done_testing

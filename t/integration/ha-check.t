#!/usr/bin/env bash
# --check: a preflight that changes nothing.  On a running old primary it
# reads pg_control and pg_wal as they are; stopped, it fails (exit status 3)
# when a WAL segment the rewind needs is gone from pg_wal (and from the
# source's, which has it when it ends before the divergence point) and passes
# again once the segment is back; --format json carries the findings.  A real
# rewind afterwards proves the check left the target intact.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;"
switch_lsn=$(history_switchpoint new 2 1)
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000; SELECT pg_switch_wal();" >/dev/null
node_psql old "INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(5001, 6000) g;"
switch_seg=$(node_psql old "SELECT pg_walfile_name('$switch_lsn')")
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"

# check_run TARGET ARGS... — run --check; status in $st, output in $out.
check_run() {
    local target=$1; shift
    st=0; run_rewind "$target" new --check "$@" || st=$?
    out=$(cat "$REWIND_OUT")
}
# check_json TARGET ARGS... — run --check --format json; status in $st, stdout in $json.
check_json() {
    local target=$1; shift
    st=0
    json=$(as_pg "$TOOL" -D "${NODE_DATA[$target]}" --source-server="$(source_connstr new)" \
               --check --format json "$@" 2>/dev/null) || st=$?
}

# 1. On the running old primary.
check_run old
is "$st" 0 "--check on the running target exits 0"
like "$out" 'check: ok +target_state: target server is running \(PID [0-9]+\)' "... says the target is running"
like "$out" 'check: ok +target_rewindable: target has data checksums' "... finds data checksums"
like "$out" 'check: ok +source_privileges: ' "... finds the source role's privileges"
like "$out" 'check: ok +timeline_history: ' "... finds both timeline histories"
like "$out" "check: ok +divergence: a rewind is required: the servers diverged at $switch_lsn on timeline 1" \
    "... a rewind is required, diverged at $switch_lsn"
like "$out" 'check: ok +target_wal: the target.s WAL from the last common checkpoint' "... the target's WAL is readable"
like "$out" 'check: ok +source_wal: .*retained by: wal_keep_size = 128MB' "... says what retains the source's WAL"
like "$out" ': check passed$' "... check passed"
unlike "$out" 'Done!' "... no Done! line"
ok "the old primary is still running" node_running old

# 2. Stopped; then a segment the rewind needs is removed from pg_wal.
node_stop old fast
before=$(snapshot_dir "${NODE_DATA[old]}")
check_run old
is "$st" 0 "--check on the stopped target exits 0"
like "$out" 'check: ok +target_state: target was shut down cleanly' "... says it was shut down cleanly"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "... and changes nothing in the target"

as_pg mv "${NODE_DATA[old]}/pg_wal/$switch_seg" "$SCRATCH/$switch_seg"
# a divergence point at a segment's start leaves the segment before it (the
# one named) to the history both share: the source must lack it too
as_pg mkdir "$SCRATCH/source-wal"
if [[ -f "${NODE_DATA[new]}/pg_wal/$switch_seg" ]]; then
    as_pg mv "${NODE_DATA[new]}/pg_wal/$switch_seg" "$SCRATCH/source-wal/"
fi
# (--method=wal: auto would take the block compare there, and pass)
check_run old --method=wal
is "$st" 3 "--check without WAL segment $switch_seg exits 3"
like "$out" "check: error +target_wal: .*$switch_seg" "... an error finding names the segment"
like "$out" 'check:  +hint: ' "... with a hint"
like "$out" ': check failed$' "... check failed"
check_json old --method=wal
is "$st" 3 "--check --format json exits 3 too"
is "$(jq -r .status <<<"$json")" "check failed" "... JSON status is \"check failed\""
is "$(jq -r '[.findings[] | select(.severity == "error") | .code] | join(",")' <<<"$json")" target_wal \
    "... JSON findings have one error, target_wal"
like "$(jq -r '.findings[] | select(.code == "target_wal") | .message' <<<"$json")" "$switch_seg" \
    "... whose message names the segment"
is "$(jq -r '[.findings[] | keys | join(",")] | unique | join(" ")' <<<"$json")" "code,hint,message,severity" \
    "... every finding has code, severity, message and hint"

as_pg mv "$SCRATCH/$switch_seg" "${NODE_DATA[old]}/pg_wal/$switch_seg"
if [[ -f "$SCRATCH/source-wal/$switch_seg" ]]; then
    as_pg mv "$SCRATCH/source-wal/$switch_seg" "${NODE_DATA[new]}/pg_wal/"
fi
before=$(snapshot_dir "${NODE_DATA[old]}")
check_json old
is "$st" 0 "--check passes again once $switch_seg is back"
is "$(jq -r .status <<<"$json")" "check passed" "... JSON status is \"check passed\""
is "$(jq -r '[.findings[].severity] | unique | join(",")' <<<"$json")" ok "... every finding is ok"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "... and changes nothing in the target"

# 3. A running node on the source's timeline needs no rewind.
check_run new
is "$st" 0 "--check of the source against itself exits 0"
like "$out" 'check: ok +divergence: no rewind required' "... says no rewind required"

rewind_and_verify old new -R
done_testing

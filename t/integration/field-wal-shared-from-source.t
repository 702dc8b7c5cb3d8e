#!/usr/bin/env bash
# Step 2 of the resynchronization ladder: the old primary lost the WAL
# segments between the last common checkpoint's redo point and the
# divergence point (removed or recycled, no archive).  That WAL is history
# both servers share: the promoted standby has the same segments under the
# old timeline's names.  rewind reads them from the source instead of
# failing, the rewound node replays them (the plan copies them), and it
# passes the usual verification.  When the source lacks them too,
# --method=wal refuses, naming the segment, and changes nothing.  With -c,
# a copy of the target restores them from its archive instead; the run
# warns that the source lacks WAL the rewound node needs (its
# restore_command must supply it), and that node too is verified.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SKIP_REF_REASON="pg_rewind cannot read the last common checkpoint: the target's WAL before the divergence point was removed on purpose"

archive=$SCRATCH/archive
as_pg mkdir -p "$archive"
node_init old --checksums
# No checkpoint may come between the one taken below and the divergence
# point: it would become the last common checkpoint.
node_conf old "max_wal_size = '1GB'" "archive_mode = on" \
    "archive_command = 'test ! -f $archive/%f && cp %p $archive/%f'"
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_conf new "archive_mode = off"
node_start new
wait_for_catchup new old

# The last common checkpoint, then shared WAL over several segments.
node_checkpoint old
redo=$(node_psql old "SELECT redo_lsn FROM pg_control_checkpoint()")
for i in 1 2 3; do
    node_psql old "UPDATE t SET v = 'shared $i' WHERE id % 3 = $((i % 3));
                   SELECT pg_switch_wal();" >/dev/null
done
node_psql old "INSERT INTO t SELECT g, 'shared' FROM generate_series(5001, 5100) g;"
wait_for_catchup new old
node_promote new
node_checkpoint new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;
INSERT INTO t SELECT g, 'new' FROM generate_series(6001, 6100) g;"

switch_lsn=$(history_switchpoint new 2 1)
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(7001, 7500) g;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

# The segments wholly between the redo point and the divergence point, as
# PostgreSQL names them on timeline 1.
first_seg=$(node_psql new "SELECT pg_walfile_name('$redo')")
div_seg=$(node_psql new "SELECT pg_walfile_name('$switch_lsn')")
first_seg=00000001${first_seg:8}
div_seg=00000001${div_seg:8}
shared=()
for f in "${NODE_DATA[old]}"/pg_wal/00000001*; do
    name=$(basename "$f")
    [[ ${#name} == 24 && "$name" > "$first_seg" || "$name" == "$first_seg" ]] || continue
    [[ "$name" < "$div_seg" ]] && shared+=("$name")
done
note "redo point $redo in $first_seg; divergence point $switch_lsn in $div_seg; shared: ${shared[*]}"
ok "at least three whole segments lie between the redo point and the divergence point" \
    test "${#shared[@]}" -ge 3
for name in "${shared[@]}"; do
    ok "the source has $name (old timeline) in its pg_wal" test -f "${NODE_DATA[new]}/pg_wal/$name"
    as_pg rm "${NODE_DATA[old]}/pg_wal/$name"
    rm -f "${NODE_DATA[old]}/pg_wal/archive_status/$name".*
done
ok "the target still has the segment holding the divergence point" test -f "${NODE_DATA[old]}/pg_wal/$div_seg"
ok "the target's archive has them" test -f "$archive/${shared[-1]}"
# a copy of the target for the run with -c (the original gets no
# restore_command: its replay must find the segments the plan copies)
node_copy old arch
node_conf arch "restore_command = 'cp $archive/%f %p'"

# Neither side has the shared WAL: --method=wal refuses and changes nothing.
hidden=$SCRATCH/hidden-wal
as_pg mkdir -p "$hidden"
for name in "${shared[@]}"; do as_pg mv "${NODE_DATA[new]}/pg_wal/$name" "$hidden/"; done
before=$(snapshot_dir "${NODE_DATA[old]}")
st=0; run_rewind old new --method=wal || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "--method=wal without the shared WAL on either side: exit status 1"
like "$out" "could not open file \"${NODE_DATA[old]}/pg_wal/00000001[0-9A-F]{16}\": not in the target's pg_wal, nor in the source's pg_wal" \
    "... naming the target's segment and both places it looked"
named=$(grep -Eo "pg_wal/00000001[0-9A-F]{16}\": not in" <<<"$out" | head -n 1 | cut -c8-31 || true)
ok "... a segment of the shared history that both lack ($named)" \
    test -n "$named" -a ! -e "${NODE_DATA[old]}/pg_wal/${named:-x}" -a -f "$hidden/${named:-x}"
like "$out" "hint: .*--method=compare" "... with a hint saying what to do"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "... and changes nothing in the target"

# With -c the archive has them: the scan and the rewound node restore them.
rewind_and_verify arch new -R -c
like "$(cat "$REWIND_OUT")" "warning: the source no longer has WAL segment ${shared[0]}[, ].*which the rewound node needs" \
    "-c: warns that the rewound node must restore ${shared[0]} with its restore_command"
like "$(cat "$REWIND_OUT")" "method: wal \\(.*${#shared[@]} restored with restore_command, 0 of the history shared" \
    "-c: the segments came from the archive"
for name in "${shared[@]}"; do as_pg mv "$hidden/$name" "${NODE_DATA[new]}/pg_wal/"; done

# The source has it: a dry run says the method and how many segments came
# from the source (JSON on stdout alone).
json=$SCRATCH/dry-run.json
as_pg "$TOOL" -D "${NODE_DATA[old]}" --source-server="$(source_connstr new)" -n --format=json \
    >"$json" 2>"$SCRATCH/dry-run.err" || { diag "$(cat "$SCRATCH/dry-run.err")"; fail "dry run"; }
is "$(jq -r '.plan.method.name' "$json")" wal "dry run JSON: plan.method.name is wal"
is "$(jq -r '.plan.method.requested' "$json")" auto "... requested auto (the default)"
is "$(jq -r '.plan.method.wal_segments_from_source' "$json")" "${#shared[@]}" \
    "... the ${#shared[@]} removed segments were read from the source"
like "$(jq -r '.plan.method.reason' "$json")" "read from the source" "... and the reason says so"
like "$(cat "$SCRATCH/dry-run.err")" "method: wal \\(the first method that can be proven" \
    "dry run text: says the method and why"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "the dry run changed nothing"

# A stopped source directory serves the same segments.
node_stop new fast
as_pg "$TOOL" -D "${NODE_DATA[old]}" --source-pgdata="${NODE_DATA[new]}" -n --format=json \
    >"$json" 2>"$SCRATCH/dry-run-pgdata.err" || { diag "$(cat "$SCRATCH/dry-run-pgdata.err")"; fail "dry run from a directory"; }
is "$(jq -r '.plan.method.wal_segments_from_source' "$json")" "${#shared[@]}" \
    "--source-pgdata: the ${#shared[@]} segments were read from the source directory"
node_start new

# --check finds the target's WAL readable, and says where it came from.
st=0; run_rewind old new --check || st=$?
is "$st" 0 "--check: exit status 0"
like "$(cat "$REWIND_OUT")" "check: ok +target_wal: .*0 segments through restore_command, ${#shared[@]} of the shared history from the source" \
    "--check: target_wal ok, ${#shared[@]} segments from the source"

rewind_and_verify old new -R --method=wal
like "$(cat "$REWIND_OUT")" "method: wal \\(asked for with --method.*${#shared[@]} of the history shared before the divergence point read from the source" \
    "the run says it read the shared segments from the source"
done_testing

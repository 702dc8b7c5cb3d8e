#!/usr/bin/env bash
# Step 3 of the resynchronization ladder: the old primary ran on after the
# divergence point and its WAL from there on is gone.  That models WAL
# recycled without an archive: the old primary's checkpoints remove (or
# recycle under future names) the segments before their redo point, and no
# archive or restore_command has them; here the segments are deleted from
# its pg_wal after it stopped, which leaves exactly the state recycling
# leaves, without waiting for it.  The segment holding the divergence point
# and the history before it stay readable (steps 1 and 2 of the ladder read
# the last common checkpoint there).  The source never had the old
# primary's WAL after the divergence point, so no method that needs it can
# work: --method=wal refuses and changes nothing, and auto falls to the
# page-LSN scan, which is valid with data checksums (cluster "ck", whose
# shutdown checkpoint segment is kept, as the newest segment is after
# recycling) or with wal_log_hints = on (cluster "wh", whose every segment
# after the divergence point is deleted, its last checkpoint record too).
# Each rewound node is verified as a standby of the source.  A cluster with
# neither (cluster "no") is refused by --method=pagelsn, and nothing changes.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SKIP_REF_REASON="pg_rewind cannot read the target's WAL after the divergence point: it was removed on purpose"

# diverge OLD NEW [--checksums] [SETTING] — a primary, its standby promoted,
# both written to; the old primary runs on over several segments and
# checkpoints.  Sets last_seg: the segment the old primary's shutdown
# checkpoint went to.
last_seg=""
diverge() {
    local old=$1 new=$2; shift 2
    if [[ "${1:-}" == --checksums ]]; then node_init "$old" --checksums; shift
    else node_init "$old"; fi
    if [[ $# -gt 0 ]]; then node_conf "$old" "$1"; fi
    node_start "$old"
    node_psql "$old" "CREATE TABLE t (id int PRIMARY KEY, v text);
    INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
    CREATE TABLE h (id int, v text);
    INSERT INTO h SELECT g, 'hint' FROM generate_series(1, 5000) g;
    CREATE TABLE cold AS SELECT g AS id, repeat('c', 50) AS v FROM generate_series(1, 2000) g;
    SELECT count(*) FROM cold;"
    node_backup_standby "$old" "$new"
    node_start "$new"
    wait_for_catchup "$new" "$old"
    node_promote "$new"
    node_checkpoint "$new"
    node_psql "$new" "UPDATE t SET v = 'new' WHERE id <= 1000;
    INSERT INTO t SELECT g, 'new' FROM generate_series(30001, 30100) g;"
    # rows the old primary inserts after the divergence, then only reads
    # (hint bits set on pages no WAL record of its own touches again)
    node_psql "$old" "INSERT INTO h SELECT g, 'OLD-ONLY' FROM generate_series(5001, 5200) g;"
    for i in 1 2 3; do
        node_psql "$old" "UPDATE t SET v = 'OLD-ONLY $i' WHERE id % 7 = $i;
        INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(40000 + $i * 1000, 40500 + $i * 1000) g;
        CREATE TABLE old_only_$i AS SELECT g FROM generate_series(1, 1000) g;
        SELECT pg_switch_wal();" >/dev/null
        node_checkpoint "$old"
    done
    node_psql "$old" "SELECT count(*) FROM h" >/dev/null
    expect_gone "$old" postgres "SELECT count(*) FROM t WHERE v LIKE 'OLD-ONLY%'" "rows written on the old primary"
    # the shutdown checkpoint goes where WAL is inserted now (a new segment
    # began at the last switch)
    last_seg=$(node_psql "$old" "SELECT pg_walfile_name(pg_current_wal_insert_lsn())")
    node_stop "$old" fast
}

# drop_wal_after OLD NEW KEEP — delete OLD's segments after the one holding
# the divergence point (but KEEP, a segment name or ""); prints how many.
drop_wal_after() {
    local old=$1 new=$2 keep=$3 div_seg f name n=0
    div_seg=$(node_psql "$new" "SELECT pg_walfile_name('$(history_switchpoint "$new" 2 1)'::pg_lsn + 1)")
    div_seg=00000001${div_seg:8}
    for f in "${NODE_DATA[$old]}"/pg_wal/00000001*; do
        name=$(basename "$f")
        [[ ${#name} == 24 && "$name" > "$div_seg" && "$name" != "$keep" ]] || continue
        as_pg rm "$f"
        rm -f "${NODE_DATA[$old]}/pg_wal/archive_status/$name".*
        n=$((n + 1))
    done
    echo "$n"
}

# --- data checksums; the segment of the last checkpoint kept ----------------
diverge ck ck_new --checksums
keep=$last_seg
n=$(drop_wal_after ck ck_new "$keep")
note "removed $n segments of ck after the divergence point (kept $keep)"
ok "ck: at least two segments after the divergence point removed" test "$n" -ge 2
ok "ck: the segment of its shutdown checkpoint is kept" test -f "${NODE_DATA[ck]}/pg_wal/$keep"
# A page of a table nobody wrote after the divergence point, damaged on the
# target: its page LSN is older than the divergence point, but its checksum
# fails, so the scan takes it from the source (else the standby reads the
# damage, or fails on the checksum).  The byte is in the first row, at the
# end of the page.
cold=${NODE_DATA[ck]}/$(node_psql ck_new "SELECT pg_relation_filepath('cold')")
printf 'X' | dd of="$cold" bs=1 seek=8180 conv=notrunc status=none

before=$(snapshot_dir "${NODE_DATA[ck]}")
st=0; run_rewind ck ck_new --method=wal || st=$?
is "$st" 1 "ck: --method=wal without the target's WAL: exit status 1"
like "$(cat "$REWIND_OUT")" "could not open file \"${NODE_DATA[ck]}/pg_wal/00000001[0-9A-F]{16}\"" \
    "ck: ... naming the missing segment"
unlike "$(cat "$REWIND_OUT")" "method: pagelsn" "ck: ... and not falling to the page-LSN scan"
is "$(snapshot_dir "${NODE_DATA[ck]}" | sha256sum)" "$(sha256sum <<<"$before")" "ck: ... and changes nothing"

json=$SCRATCH/ck-dry-run.json
as_pg "$TOOL" -D "${NODE_DATA[ck]}" --source-server="$(source_connstr ck_new)" -n --format=json \
    >"$json" 2>"$SCRATCH/ck-dry-run.err" || { diag "$(cat "$SCRATCH/ck-dry-run.err")"; fail "ck: dry run"; }
is "$(jq -r '.plan.method.name' "$json")" pagelsn "ck: dry run JSON: plan.method.name is pagelsn"
is "$(jq -r '.plan.method.requested' "$json")" auto "ck: ... requested auto"
like "$(jq -r '.plan.method.reason' "$json")" "WAL after the divergence point cannot be read.*data checksums" \
    "ck: ... the reason names the unreadable WAL and the data checksums"
is "$(jq -r '.plan.method.pagelsn.blocks_bad_checksum' "$json")" 1 \
    "ck: ... the one damaged page fails its checksum, and only it"
ok "ck: ... blocks were taken by their page LSN" test "$(jq -r '.plan.method.pagelsn.blocks_by_lsn' "$json")" -gt 0
is "$(jq -r '.report.available' "$json")" false "ck: ... the lost-transactions report is unavailable"
like "$(jq -r '.report.unavailable_reason' "$json")" "page-LSN scan" "ck: ... saying why"
is "$(jq -r '.report.committed_data_lost // "absent"' "$json")" absent "ck: ... with no counts that would read as zero"
like "$(cat "$SCRATCH/ck-dry-run.err")" "method: pagelsn \\(the first method that can be proven" "ck: dry run text: says the method and why"
like "$(cat "$SCRATCH/ck-dry-run.err")" "lost transactions: unavailable" "ck: dry run text: the report is unavailable"
is "$(snapshot_dir "${NODE_DATA[ck]}" | sha256sum)" "$(sha256sum <<<"$before")" "ck: the dry run changed nothing"
# the page-LSN scan reads every main-fork file of the target: their sizes
# from the file system
rel_bytes=$(find "${NODE_DATA[ck]}/global" "${NODE_DATA[ck]}/base" -type f -printf '%P|%s\n' |
    awk -F'|' '$1 ~ /^([0-9]+\/)?[0-9]+(\.[0-9]+)?$/ { s += $2 } END { printf "%.0f", s }')
note "ck: estimate $(jq -c '.plan.estimate' "$json"); main-fork files of the target: $rel_bytes bytes"
ok "ck: the target's main-fork files are many (> 1 MB)" test "$rel_bytes" -gt 1048576
is "$(jq -r '.plan.estimate.target_relation_read_bytes' "$json")" "$rel_bytes" \
    "ck: dry run estimate: the page-LSN scan reads every main-fork file of the target"
ok "ck: ... and the target reads its WAL too" \
    jq -e '.plan.estimate.target_read_bytes > .plan.estimate.target_relation_read_bytes and .plan.estimate.target_wal_read_bytes > 0' "$json"
like "$(cat "$SCRATCH/ck-dry-run.err")" "read on the target: .*every relation file for the page-LSN scan" \
    "ck: dry run text: says what the target reads"
st=0; run_rewind ck ck_new --salvage="$SCRATCH/salvage-ck" || st=$?
is "$st" 1 "ck: --salvage refused: the rows lost are found in the WAL that is gone"
like "$(cat "$REWIND_OUT")" "error: --salvage needs the target's WAL after the divergence point, which cannot be read" \
    "ck: ... saying so"
is "$(snapshot_dir "${NODE_DATA[ck]}" | sha256sum)" "$(sha256sum <<<"$before")" "ck: ... and changing nothing"
st=0; run_rewind ck ck_new --check || st=$?
is "$st" 0 "ck: --check passes"
like "$(cat "$REWIND_OUT")" "check: warning +target_wal: the page-LSN scan would be used \\(the target has data checksums.*\\): could not open file .*pg_wal/" \
    "ck: ... with a warning that the page-LSN scan would be used, and why"
like "$(cat "$REWIND_OUT")" "check: ok +divergence: .*estimated: $(jq '.plan.estimate.target_read_bytes / 1024 | floor' "$json") kB read on the target, $(jq '.plan.estimate.source_read_bytes / 1024 | floor' "$json") kB on the source, [0-9]+ to [0-9]+ kB transferred" \
    "ck: ... and the dry run's estimate of the reads"

rewind_and_verify ck ck_new -R --format json
fetched=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d' | jq '.plan.bytes_fetched')
# shellcheck disable=SC2016 # $f is jq's
ok "ck: the dry run's bounds of the transfer hold what the run fetched ($fetched)" \
    jq -e --argjson f "${fetched:-null}" '.plan.estimate.transfer_bytes_min <= $f and $f <= .plan.estimate.transfer_bytes_max' "$json"
like "$(cat "$REWIND_OUT")" "method: pagelsn \\(the first method that can be proven; the target's WAL after the divergence point cannot be read" \
    "ck: auto used the page-LSN scan, and says why"
node_stop ck_new fast

# --- wal_log_hints; every segment after the divergence point removed ------
diverge wh wh_new
n=$(drop_wal_after wh wh_new "")
note "removed $n segments of wh after the divergence point"
ok "wh: at least three segments after the divergence point removed" test "$n" -ge 3
st=0; run_rewind wh wh_new --method=wal || st=$?
is "$st" 1 "wh: --method=wal without the target's last checkpoint record: exit status 1"
rewind_and_verify wh wh_new -R --method=pagelsn
like "$(cat "$REWIND_OUT")" "method: pagelsn \\(asked for with --method; the target's WAL after the divergence point cannot be read.*wal_log_hints = on" \
    "wh: --method=pagelsn used, proven by wal_log_hints"
node_stop wh_new fast

# --- neither data checksums nor wal_log_hints -------------------------------
# (the harness turns wal_log_hints on; the last line wins)
diverge no no_new "wal_log_hints = off"
before=$(snapshot_dir "${NODE_DATA[no]}")
st=0; run_rewind no no_new --method=pagelsn || st=$?
is "$st" 1 "no: --method=pagelsn without checksums and wal_log_hints: exit status 1"
like "$(cat "$REWIND_OUT")" "(data checksums|wal_log_hints).*(data checksums|wal_log_hints)" \
    "no: ... the message names what is missing"
unlike "$(cat "$REWIND_OUT")" "Done!" "no: ... no rewind"
is "$(snapshot_dir "${NODE_DATA[no]}" | sha256sum)" "$(sha256sum <<<"$before")" "no: ... and changes nothing"
done_testing

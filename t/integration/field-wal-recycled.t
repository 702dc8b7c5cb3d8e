#!/usr/bin/env bash
# Step 3 of the resynchronization ladder as it happens in the field: the old
# primary runs on after the failover with no archive, wal_keep_size = 0 and
# a small max_wal_size, and its checkpoints recycle its WAL, the segment
# holding the divergence point included (nothing is deleted by hand here).
# Its bytes before the divergence point are history both sides share: the
# promoted source holds them (its copy of the segment on the old timeline,
# or the start of the same segment on its new timeline), and the last common
# checkpoint is found through them.  auto then falls to the page-LSN scan
# (data checksums), and the rewound node is verified as a standby of the
# source.  When the source's checkpoints recycled its copies too, neither
# the WAL nor the page-LSN scan can be proven: a forced --method=pagelsn
# refuses, naming the segment, and changes nothing; auto takes the block
# compare, and the node is verified again.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

SKIP_REF_REASON="pg_rewind cannot read the target's WAL at the divergence point: its checkpoints recycled it"

# Settings under which each checkpoint removes or recycles every segment
# before its redo point (the last line of postgresql.conf wins).
RECYCLE=("max_wal_size = '32MB'" "min_wal_size = '32MB'" "wal_keep_size = 0")

# switch_and_checkpoint NAME N — N times: write, switch segment, checkpoint.
switch_and_checkpoint() {
    local name=$1 n=$2 i
    for ((i = 1; i <= n; i++)); do
        node_psql "$name" "INSERT INTO w SELECT g, '$name $i' FROM generate_series(1, 2000) g;
        SELECT pg_switch_wal();" >/dev/null
        node_checkpoint "$name" >/dev/null
    done
}

# diverge OLD NEW [--checksums] [SETTING...] — a primary (recycling its WAL)
# and its standby (with SETTINGs), promoted; both written to, then OLD runs
# on over several segments and checkpoints and stops.  Sets div_lsn and div_seg (the
# segment holding the divergence point, named on timeline 1), from the
# source's timeline history and pg_walfile_name.
div_lsn="" div_seg=""
diverge() {
    local old=$1 new=$2; shift 2
    if [[ "${1:-}" == --checksums ]]; then node_init "$old" --checksums; shift
    else node_init "$old"; fi
    node_conf "$old" "${RECYCLE[@]}"
    node_start "$old"
    node_psql "$old" "CREATE TABLE t (id int PRIMARY KEY, v text);
    INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
    CREATE TABLE w (id int, v text);
    CREATE TABLE h (id int, v text);
    INSERT INTO h SELECT g, 'hint' FROM generate_series(1, 5000) g;"
    node_backup_standby "$old" "$new"
    # the source keeps its WAL unless a scenario recycles it
    node_conf "$new" "wal_keep_size = '256MB'" "max_wal_size = '96MB'" "$@"
    node_start "$new"
    wait_for_catchup "$new" "$old"
    node_promote "$new"
    node_checkpoint "$new"
    node_psql "$new" "UPDATE t SET v = 'new' WHERE id <= 1000;
    INSERT INTO t SELECT g, 'new' FROM generate_series(30001, 30100) g;"
    node_psql "$old" "INSERT INTO h SELECT g, 'OLD-ONLY' FROM generate_series(5001, 5200) g;
    UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 3;
    CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;" >/dev/null
    switch_and_checkpoint "$old" 4
    node_psql "$old" "SELECT count(*) FROM h" >/dev/null
    expect_gone "$old" postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
    node_stop "$old" fast
    div_lsn=$(history_switchpoint "$new" 2 1)
    div_seg=$(node_psql "$new" "SELECT pg_walfile_name('$div_lsn'::pg_lsn + 1)")
    div_seg=${div_seg:8}
    note "divergence point $div_lsn, in segment $div_seg; $old's pg_wal: $(find "${NODE_DATA[$old]}/pg_wal" -maxdepth 1 -type f -printf '%f ')"
}

# --- the old primary recycled the segment; the source still has it ---------
diverge rc rc_new --checksums
ok "rc: its checkpoints recycled the segment holding the divergence point ($div_seg)" \
    test ! -e "${NODE_DATA[rc]}/pg_wal/00000001$div_seg"
files=$(node_psql rc_new "SELECT string_agg(name, ' ') FROM pg_ls_waldir()")
like "$files" "0000000[12]$div_seg" "rc: the source still holds it (on timeline 1, .partial, or on timeline 2)"
before=$(snapshot_dir "${NODE_DATA[rc]}")
st=0; run_rewind rc rc_new --method=wal || st=$?
is "$st" 1 "rc: --method=wal: exit status 1 (the target's WAL after the divergence point is gone)"
like "$(cat "$REWIND_OUT")" "error: the target's WAL after the divergence point $div_lsn is gone: could not open file \"${NODE_DATA[rc]}/pg_wal/00000001$div_seg\" \\(recycled or removed\\)" \
    "rc: ... saying so, naming the segment"
is "$(snapshot_dir "${NODE_DATA[rc]}" | sha256sum)" "$(sha256sum <<<"$before")" "rc: ... and changes nothing"
rewind_and_verify rc rc_new -R
like "$(cat "$REWIND_OUT")" "method: pagelsn \\(the first method that can be proven; the target's WAL after the divergence point cannot be read" \
    "rc: auto used the page-LSN scan, and says why"
node_stop rc_new fast

# --- the same, the source archiving: its copy is the .partial -------------
# (a promotion renames the old timeline's last segment when it archives;
# the old primary still has no archive, and the new one's is a no-op)
diverge rp rp_new --checksums "archive_mode = on" "archive_command = '/bin/true'"
ok "rp: its checkpoints recycled the segment holding the divergence point" \
    test ! -e "${NODE_DATA[rp]}/pg_wal/00000001$div_seg"
files=$(node_psql rp_new "SELECT string_agg(name, ' ') FROM pg_ls_waldir()")
like "$files" "00000001$div_seg\\.partial" "rp: the source holds its .partial"
unlike "$files" "00000001$div_seg( |\$)" "rp: ... and not the segment under its own name"
rewind_and_verify rp rp_new -R
like "$(cat "$REWIND_OUT")" "method: pagelsn" "rp: auto used the page-LSN scan"
node_stop rp_new fast

# --- the source recycled its copies too: pagelsn refused, auto compares ---
diverge rs rs_new
node_conf rs_new "${RECYCLE[@]}"
node_psql rs_new "SELECT pg_reload_conf()" >/dev/null
switch_and_checkpoint rs_new 4
ok "rs: the target's checkpoints recycled the segment holding the divergence point" \
    test ! -e "${NODE_DATA[rs]}/pg_wal/00000001$div_seg"
files=$(node_psql rs_new "SELECT string_agg(name, ' ') FROM pg_ls_waldir()")
unlike "$files" "0000000[12]$div_seg" "rs: so did the source's (no copy on either timeline, nor .partial)"
before=$(snapshot_dir "${NODE_DATA[rs]}")
st=0; run_rewind rs rs_new --method=pagelsn || st=$?
is "$st" 1 "rs: --method=pagelsn refuses: exit status 1"
like "$(cat "$REWIND_OUT")" "error: .*pg_wal/00000001$div_seg\": not in the target's pg_wal, nor in the source's pg_wal" \
    "rs: ... naming the segment and where it was looked for"
like "$(cat "$REWIND_OUT")" "hint: .*--method=compare" "rs: ... saying what to do"
unlike "$(cat "$REWIND_OUT")" "Done!" "rs: ... no rewind"
is "$(snapshot_dir "${NODE_DATA[rs]}" | sha256sum)" "$(sha256sum <<<"$before")" "rs: ... and changes nothing"
# (no last common checkpoint to report: the compare reads no WAL of the target)
# The source goes back to settings of a primary in service: with 32 MB of
# max_wal_size the segment switch of pg_backup_stop triggers a checkpoint
# that recycles the backup's own WAL before rewind can fetch it (rewind then
# fails after the copy, saying so; a rerun finishes).
node_conf rs_new "max_wal_size = '1GB'" "wal_keep_size = '48MB'"
node_psql rs_new "SELECT pg_reload_conf()" >/dev/null
st=0; run_rewind rs rs_new -R || st=$?
is "$st" 0 "rs: auto rewinds: exit status 0"
last_ok || diag "$(cat "$REWIND_OUT")"
like "$(cat "$REWIND_OUT")" "method: compare \\(no other method could be proven" \
    "rs: ... by the block compare, and says why"
# The source writes on before the node starts, and recycles the segment the
# base backup started in (named by the backup_label pg_backup_stop gave):
# the node must find the WAL up to the backup's end in its own pg_wal.
# (three segments written: wal_keep_size keeps them, so the node can stream
# on from the end of the backup)
start_seg=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]*\))$/\1/p' "${NODE_DATA[rs]}/backup_label")
switch_and_checkpoint rs_new 3
files=$(node_psql rs_new "SELECT string_agg(name, ' ') FROM pg_ls_waldir()")
ok "rs: the source recycled the segment the base backup started in (${start_seg:-none})" \
    test -n "$start_seg" -a "${files/$start_seg/}" == "$files"
if [[ $st == 0 ]]; then verify_standby "rs, by block compare" rs rs_new
else fail "rs: the rewound node is not verified (the run failed)"; fi
node_stop rs_new fast
done_testing

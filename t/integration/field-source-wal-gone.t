#!/usr/bin/env bash
# Issue 15, rung 4, as it happens in the field: the new primary keeps no
# WAL for anyone (wal_keep_size = 0, no slot, no archive) and its
# checkpoints after the promotion recycle the segment holding the
# divergence point.  The old primary's own WAL is intact (its page LSNs
# too: data checksums), but a node rewound by it would need that segment
# from the source to replay from the divergence point on, and could not
# start.  --method=wal refuses, naming the segment, and changes nothing;
# --salvage (which needs the target's WAL read) is refused the same way.
# auto takes the block compare instead, which needs the source's WAL only
# from the start of its own base backup: --check, a dry run (text and
# JSON) and the run say so and why, and the rewound node follows the new
# primary with its data.  During the run a temporary slot of rewind's
# session holds the source's WAL from the backup's start, also after the
# backup stopped (the run waits there: test hook REWIND_TEST_BACKUP_PAUSE)
# while the source recycles at every checkpoint; it is gone after the run.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
CREATE TABLE w (id int, v text);"
node_backup_standby old new
# The new primary retains nothing beyond what its checkpoints need.
node_conf new "wal_keep_size = 0" "min_wal_size = '32MB'" "max_wal_size = '32MB'" "archive_mode = off"
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
DIVERGE=$(history_switchpoint new 2 1)
SEG=$(printf '%08X%08X' $((16#${DIVERGE%/*})) $((16#${DIVERGE#*/} / 16777216)))
NEED_SEG=00000002$SEG
note "divergence at $DIVERGE; the rewound node needs $NEED_SEG from the source"

node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 3;
CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;" >/dev/null
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
ok "the old primary still has its own copy of the divergence point's segment" \
    test -e "${NODE_DATA[old]}/pg_wal/00000001$SEG"

# The new primary writes on; its checkpoints recycle its old segments.
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;"
for i in 1 2 3 4 5 6; do
    node_psql new "INSERT INTO w SELECT g, 'new $i' FROM generate_series(1, 2000) g;
                   SELECT pg_switch_wal();" >/dev/null
    node_checkpoint new
done
files=$(node_psql new "SELECT string_agg(name, ' ') FROM pg_ls_waldir()")
note "the source's pg_wal: $files"
unlike "$files" "0000000[12]$SEG" \
    "the source no longer has the divergence point's segment $SEG (pg_ls_waldir: no copy on either timeline, nor .partial)"
is "$(node_psql new "SELECT count(*) FROM pg_replication_slots")" 0 "... no slot keeps it"
is "$(node_psql new "SELECT current_setting('archive_mode')")" off "... and it has no archive"
is "$(_effective_setting old restore_command)" "" "the target has no restore_command to fetch it"
# From here the source keeps what a primary in service would: the WAL of
# the compare's base backup must survive the checkpoint its stop triggers.
node_conf new "max_wal_size = '1GB'" "wal_keep_size = '64MB'"
node_psql new "SELECT pg_reload_conf()" >/dev/null

before=$(content_fingerprint "${NODE_DATA[old]}")
unchanged() {
    is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "$1"
    ok "... no journal left" test ! -e "${NODE_DATA[old]}.rewind-journal"
    ok "... no lock file left" test ! -e "${NODE_DATA[old]}.rewind-lock"
}

# a forced --method=wal cannot bring the node back: refused
st=0; run_rewind old new -R --method=wal || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "--method=wal is refused (exit status 1)"
like "$out" "error: the source no longer has WAL segment $NEED_SEG(, | \\().*which the rewound node needs" \
    "... naming the segment the node would need"
like "$out" "hint: .*restore_command.*--method=compare" "... and what to do"
unlike "$out" "Done!" "... no rewind"
unchanged "--method=wal: the target is unchanged"

# --salvage needs the target's WAL read: auto cannot compare, and says so
st=0; run_rewind old new -R --salvage="$SCRATCH/salvage" || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "auto with --salvage is refused (exit status 1)"
like "$out" "error: the source no longer has WAL segment $NEED_SEG" "... naming the segment"
like "$out" "hint: .*--salvage needs a method that reads the target's WAL.*without --salvage" \
    "... saying why the block compare is not taken, and what to do"
ok "... before the salvage directory was made" test ! -e "$SCRATCH/salvage"
unchanged "--salvage: the target is unchanged"

# --check: a warning (the block compare), not an error
st=0
json=$(as_pg "$TOOL" -D "${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
           --check --format json 2>"$SCRATCH/check.err") || st=$?
is "$st" 0 "--check passes (exit status 0)"
last_ok || diag "$(cat "$SCRATCH/check.err")"
like "$(cat "$SCRATCH/check.err")" \
    "check: warning +target_wal: the block compare would be used .*: the source no longer has WAL segment $NEED_SEG" \
    "... saying the block compare would be used, and why"
is "$(jq -r '.findings[] | select(.code == "target_wal") | .severity' <<<"$json")" warning \
    "... JSON: finding target_wal is a warning"
like "$(jq -r '.findings[] | select(.code == "target_wal") | .message' <<<"$json")" \
    "block compare would be used.*no longer has WAL segment $NEED_SEG" "... naming the segment"
is "$(jq -r '[.findings[] | select(.severity == "error") | .code] | join(",")' <<<"$json")" "" \
    "... and no error finding"
is "$(jq -r '.findings[] | select(.code == "backup_slot") | .severity' <<<"$json")" ok \
    "... finding backup_slot: a temporary slot would hold the backup's WAL (superuser)"
unlike "$(cat "$SCRATCH/check.err")" "base backup started" "... without starting a base backup"
unchanged "--check: the target is unchanged"

# a dry run says the same, in text and JSON
st=0
json=$(as_pg "$TOOL" -D "${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
           --dry-run --format json 2>"$SCRATCH/dry-run.err") || st=$?
is "$st" 0 "a dry run exits with status 0"
last_ok || diag "$(cat "$SCRATCH/dry-run.err")"
like "$(cat "$SCRATCH/dry-run.err")" \
    "method: compare \\(no other method could be proven: the source no longer has WAL segment $NEED_SEG" \
    "... saying it would use the block compare, and why"
is "$(jq -r '.plan.method.name' <<<"$json")" compare "... JSON: plan.method.name is compare"
is "$(jq -r '.plan.method.requested' <<<"$json")" auto "... requested auto (the default)"
like "$(jq -r '.plan.method.reason' <<<"$json")" "no longer has WAL segment $NEED_SEG" \
    "... and the reason names the segment"
unlike "$(cat "$SCRATCH/dry-run.err")" "base backup started" "... starting no base backup"
unchanged "dry run: the target is unchanged"

# The run: auto takes the block compare.  The source goes back to
# recycling every segment at each checkpoint; the compare's temporary slot
# must hold the WAL from the backup's start until rewind has fetched it
# again after the stop: the run waits there (test hook) while the source
# writes, switches and checkpoints.
node_conf new "max_wal_size = '32MB'" "wal_keep_size = 0"
node_psql new "SELECT pg_reload_conf()" >/dev/null
PAUSE=$SCRATCH/backup-pause
touch "$PAUSE"
as_pg env REWIND_TEST_BACKUP_PAUSE="$PAUSE" "$TOOL" -D "${NODE_DATA[old]}" \
    --source-server="$(source_connstr new)" -R --debug --format json \
    >"$SCRATCH/run.json" 2>"$SCRATCH/run.err" &
rewind_pid=$!
_BG_PIDS+=("$rewind_pid")
stopped=0
for ((i = 0; i < 1200; i++)); do
    if grep -q "base backup stopped on the source" "$SCRATCH/run.err"; then stopped=1; break; fi
    kill -0 "$rewind_pid" 2>/dev/null || break
    sleep 0.1
done
is "$stopped" 1 "the run reaches the end of its base backup (and waits there: test hook)"
start_lsn=$(sed -n 's/.*base backup started on the source at WAL location \([0-9A-F]*\/[0-9A-F]*\) .*/\1/p' "$SCRATCH/run.err")
slots=$(node_psql new "SELECT s.slot_name || ' ' || s.slot_type || ' ' || s.temporary || ' ' ||
                              (s.restart_lsn <= '${start_lsn:-0/0}'::pg_lsn) || ' ' || a.application_name
                         FROM pg_replication_slots s LEFT JOIN pg_stat_activity a ON a.pid = s.active_pid")
like "$slots" "^rewind_backup_[0-9]+ physical true true rewind\$" \
    "a temporary physical slot of rewind's session holds the WAL from the backup's start ($start_lsn) after the backup stopped"
for i in 1 2 3 4; do
    node_psql new "INSERT INTO w SELECT g, 'during $i' FROM generate_series(1, 2000) g;
                   SELECT pg_switch_wal();" >/dev/null
    node_checkpoint new
done
start_seg=$(node_psql new "SELECT pg_walfile_name('${start_lsn:-0/0}')")
files=$(node_psql new "SELECT string_agg(name, ' ') FROM pg_ls_waldir()")
like "$files" "$start_seg" \
    "... so the source keeps the segment the backup started in ($start_seg) through four checkpoints"
rm -f "$PAUSE"
wait_background "$rewind_pid" 180 "the run after the pause"
st=$WAIT_STATUS
# (before the next checkpoint: the node streams on from the backup's stop)
node_conf new "max_wal_size = '1GB'" "wal_keep_size = '64MB'"
node_psql new "SELECT pg_reload_conf()" >/dev/null
# a temporary slot goes with its session's backend, a moment after the client
ok "the slot is gone after the run" wait_for_query new "SELECT count(*) FROM pg_replication_slots" 0 10
json=$(cat "$SCRATCH/run.json")
out=$(cat "$SCRATCH/run.err")
is "$st" 0 "rewind (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "debug: .*temporary replication slot \"rewind_backup_[0-9]+\" holds" "... saying so in --debug"
like "$out" "method: compare \\(no other method could be proven: the source no longer has WAL segment $NEED_SEG" \
    "... with the block compare, saying why"
like "$out" "base backup started on the source at WAL location" "... within a base backup of the source"
unlike "$out" "warning: the source no longer has WAL segment" "... whose WAL the source has"
like "$out" "Done!" "... and is done"
is "$(jq -r '.status' <<<"$json")" "done" "... JSON: status done"
is "$(jq -r '.plan.method.name' <<<"$json")" compare "... JSON: plan.method.name is compare"
ok "... no lock file left" test ! -e "${NODE_DATA[old]}.rewind-lock"
if [[ $st == 0 ]]; then verify_standby "auto, by block compare" old new
else fail "auto, by block compare: verified (not attempted: the run failed)"; fi
done_testing

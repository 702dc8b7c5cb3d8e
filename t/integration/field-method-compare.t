#!/usr/bin/env bash
# Issue 15, rung 4, the block compare (--method=compare): a cluster with
# neither data checksums nor wal_log_hints, whose new primary no longer has
# the WAL from the divergence point on (recycled, no archive).  Nothing in
# the old primary's WAL can show every page it changed: a prepared
# transaction X, from before the divergence, commits only on the old
# primary, and a SELECT there sets hint bits on X's pages without any WAL.
# The new primary rolls X back.  rewind --method=compare compares every
# file of both sides within a base backup of the new primary and copies
# what differs, X's pages included; the rewound node follows the new
# primary with its data.  A big table the old primary changed in one row
# costs a few blocks, not the table.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_conf old "wal_log_hints = off"
node_start old
is "$(node_psql old "SELECT current_setting('wal_log_hints') || ' ' || current_setting('data_checksums')")" \
    "off off" "the cluster has neither wal_log_hints nor data checksums"
# Sparse pages for X: its updates are HOT updates on the same pages and the
# SELECT prunes nothing (pruning would write WAL).
node_psql old "
CREATE TABLE hinted (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO hinted SELECT g, repeat('a', 60) FROM generate_series(1, 40000) g;
DELETE FROM hinted WHERE id % 10 <> 0;
VACUUM hinted;
CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO big SELECT g, repeat('b', 200) FROM generate_series(1, 200000) g;
VACUUM big;"
node_backup_standby old new
node_start new
node_psql old "BEGIN; UPDATE hinted SET v = 'X-COMMITTED-ONLY-ON-OLD'; PREPARE TRANSACTION 'x';"
node_checkpoint old
wait_for_catchup new old
node_promote new

# the old primary goes on: X commits, hint bits without WAL, one row of big
node_psql old "COMMIT PREPARED 'x';"
node_psql old "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';" >/dev/null
node_psql old "UPDATE big SET v = 'OLD-ONLY' WHERE id = 50000;"
node_stop old fast

# the new primary: X rolled back, its own writes, and its WAL from the
# divergence point recycled
node_psql new "ROLLBACK PREPARED 'x';
SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';
UPDATE big SET v = 'NEW' WHERE id = 10;
CREATE TABLE after_promotion AS SELECT g FROM generate_series(1, 1000) g;" >/dev/null
node_conf new "wal_keep_size = 0"
node_psql new "SELECT pg_reload_conf()" >/dev/null
div=$(history_switchpoint new "$(node_tli new)" "$(control_tli old)")
div_seg=$(node_psql new "SELECT pg_walfile_name('$div'::pg_lsn)")
# the segment is named on the new timeline; the old timeline's ends there too
div_seg_old=$(printf '%08X%s' "$(control_tli old)" "${div_seg:8}")
for _ in 1 2 3 4 5 6; do
    node_psql new "CREATE TABLE filler AS SELECT g FROM generate_series(1, 100000) g; DROP TABLE filler;
                   SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
done
is "$(node_psql new "SELECT count(*) FROM pg_ls_waldir() WHERE name IN ('$div_seg', '$div_seg_old')")" 0 \
    "the new primary no longer has the WAL segment of the divergence point $div ($div_seg)"

# --check names what a role granted the file functions only lacks for it
node_psql new "CREATE ROLE rw_compare LOGIN;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO rw_compare;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO rw_compare;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO rw_compare;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO rw_compare;"
if [[ "$PG_MAJOR" == 14 ]]; then start_fn='pg_start_backup\(text, boolean, boolean\)'
else start_fn='pg_backup_start\(text, boolean\)'; fi
before=$(content_fingerprint "${NODE_DATA[old]}")
st=0
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --method=compare --check \
    --source-server="host=127.0.0.1 port=${NODE_PORT[new]} user=rw_compare dbname=postgres" \
    >"$SCRATCH/check.out" 2>&1 || st=$?
is "$st" 3 "--check --method=compare with a role lacking EXECUTE on the backup functions: exit status 3"
like "$(cat "$SCRATCH/check.out")" "GRANT EXECUTE ON FUNCTION pg_catalog\.$start_fn TO \"?rw_compare" \
    "... naming the GRANT on the function that starts a backup"
last_ok || diag "$(cat "$SCRATCH/check.out")"
unlike "$(cat "$SCRATCH/check.out")" "pg_ls_dir" "... and not the functions it has"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"

# a dry run plans from the listings: no backup, no change
before=$(content_fingerprint "${NODE_DATA[old]}")
st=0
run_rewind old new --method=compare --dry-run || st=$?
is "$st" 0 "a dry run of --method=compare exits with status 0"
last_ok || diag "$(cat "$REWIND_OUT")"
like "$(cat "$REWIND_OUT")" "method: compare" "... says it would use the block compare"
unlike "$(cat "$REWIND_OUT")" "base backup started" "... starts no base backup"
like "$(cat "$REWIND_OUT")" "lost transactions: unavailable \\(the files were compared" \
    "... and does not claim to know what the target loses"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"

# The dry run's estimate of what each side reads and of the transfer,
# against what PostgreSQL (pg_ls_dir, pg_stat_file, pg_ls_waldir) and the
# file system say of both data directories.  compared_files applies the
# file rules (lib/filerules.c) to "path|size" lines: what a compare reads
# of a side, WAL segments apart (history files stay).
compared_files() {
    awk -F'|' '
        $1 ~ /^pg_wal\// { if ($1 ~ /^pg_wal\/[0-9A-F]+\.history$/) print; next }
        $1 == "global/pg_control" { next }
        $1 ~ /^(pg_stat_tmp|pg_replslot|pg_dynshmem|pg_notify|pg_serial|pg_snapshots|pg_subtrans)\// { next }
        $1 ~ /^(postgresql\.conf|postgresql\.auto\.conf|pg_hba\.conf|pg_ident\.conf)$/ { next }
        $1 ~ /(^|\/)(backup_label|tablespace_map|backup_manifest|postmaster\.pid|postmaster\.opts)$/ { next }
        $1 ~ /(^|\/)(standby\.signal|recovery\.signal|postgresql\.auto\.conf\.tmp|current_logfiles\.tmp)$/ { next }
        $1 ~ /(^|\/)(PG_VERSION|\.DS_Store)$/ { next }
        $1 ~ /(^|\/)pg_internal\.init[^\/]*$/ || $1 ~ /(^|\/)pgsql_tmp/ { next }
        { print }'
}
source_listing_sql="WITH RECURSIVE tree (path, isdir, size) AS (
    SELECT e, s.isdir, s.size FROM pg_ls_dir('.', true, false) AS e, LATERAL pg_stat_file(e, true) AS s
  UNION ALL
    SELECT t.path || '/' || e, s.isdir, s.size
      FROM tree AS t, LATERAL pg_ls_dir(CASE WHEN t.isdir THEN t.path END, true, false) AS e,
           LATERAL pg_stat_file(t.path || '/' || e, true) AS s)
SELECT path, size FROM tree WHERE NOT isdir ORDER BY path"
# the source's segments from its last checkpoint's redo to its insert
# position: where a dry run, which takes no base backup, starts the WAL
source_wal_sql="SELECT coalesce(sum(size), 0) FROM pg_ls_waldir()
 WHERE name ~ '^[0-9A-F]{24}\$' AND name >= (SELECT redo_wal_file FROM pg_control_checkpoint())
   AND name <= pg_walfile_name(pg_current_wal_insert_lsn())"
st=0
run_rewind old new --method=compare --dry-run --format json || st=$?
is "$st" 0 "a dry run of --method=compare with --format json exits with status 0"
dry_text=$(cat "$REWIND_OUT")
dry=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d' | jq -c '.plan.estimate')
src_list=$(node_psql new "$source_listing_sql" | compared_files)
tgt_list=$(find "${NODE_DATA[old]}" -mindepth 1 -type f -printf '%P|%s\n' | compared_files)
src_wal=$(node_psql new "$source_wal_sql")
src_files=$(awk -F'|' '{ s += $2 } END { printf "%.0f", s }' <<<"$src_list")
# both sides read the bytes they share of each file both have; other files
# than relation main forks only at the same size (else copied whole)
tgt_read=$(awk -F'|' 'NR == FNR { t[$1] = $2; next }
    ($1 in t) && $1 ~ /^(global\/[0-9]+|base\/[0-9]+\/[0-9]+)(\.[0-9]+)?$/ { s += ($2 < t[$1] ? $2 : t[$1]); next }
    ($1 in t) && $2 == t[$1] { s += $2 }
    END { printf "%.0f", s }' <(printf '%s\n' "$tgt_list") <(printf '%s\n' "$src_list"))
note "estimate: $dry; the source's files: $src_files bytes, its WAL: $src_wal bytes; shared on the target: $tgt_read bytes"
ok "the source's files a compare reads are many (> 1 MB)" test "$src_files" -gt 1048576
is "$(jq -r '.source_read_bytes - .source_wal_bytes' <<<"$dry")" "$src_files" \
    "dry run: the source reads its files as pg_stat_file sizes them"
is "$(jq -r '.source_wal_bytes' <<<"$dry")" "$src_wal" \
    "dry run: ... and its WAL from its last checkpoint's redo (pg_ls_waldir)"
is "$(jq -r '.target_read_bytes' <<<"$dry")" "$tgt_read" \
    "dry run: the target reads what it shares with the source (stat of its files)"
is "$(jq -r '.target_wal_read_bytes' <<<"$dry")" 0 "dry run: ... and none of its WAL"
ok "dry run: the transfer's lower bound is below its upper bound" \
    test "$(jq -r '.transfer_bytes_min' <<<"$dry")" -lt "$(jq -r '.transfer_bytes_max' <<<"$dry")"
like "$dry_text" "read on the source: .*each byte it sends or hashes counted once" \
    "dry run text: says what the source reads"
like "$dry_text" "transfer from the source: lower bound .*, upper bound " \
    "dry run text: ... and the bounds of the transfer"

st=0
run_rewind old new --method=compare --salvage="$SCRATCH/salvage" || st=$?
is "$st" 2 "--salvage (which needs the target's WAL) is refused with --method=compare"
ok "... before anything is written" test ! -e "$SCRATCH/salvage"

# the one method that needs nothing of the WAL
big_size=$(node_psql new "SELECT pg_relation_size('big')")
st=0
t0=$(date +%s%N)
run_rewind old new -R --method=compare --format json || st=$?
t_free=$(( ($(date +%s%N) - t0) / 1000000 ))
out=$(cat "$REWIND_OUT")
is "$st" 0 "rewind --method=compare exits with status 0"
last_ok || diag "$out"
like "$out" "method: compare" "... and says it used the block compare"
like "$out" "base backup started on the source at WAL location" "... within a base backup of the source"
like "$out" "base backup stopped on the source at WAL location" "... stopped after the copy"
like "$out" "Done!" "... and is done"
like "$(cat "${NODE_DATA[old]}/backup_label")" "LABEL: rewind --method=compare" \
    "the target's backup_label is the base backup's"

json=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d')
is "$(jq -c '.report.available' <<<"$json")" false \
    "the JSON report says what the target loses is not known"
is "$(jq -r '.report.committed_data_lost // "absent"' <<<"$json")" absent \
    "... with no count that would read as nothing lost"
fetched=$(jq '.plan.bytes_fetched' <<<"$json")
ok "the dry run's lower bound of the transfer is at most what the run fetched ($(jq '.transfer_bytes_min' <<<"$dry") <= $fetched)" \
    test "$(jq '.transfer_bytes_min' <<<"$dry")" -le "$fetched"
ok "... and its upper bound at least that ($(jq '.transfer_bytes_max' <<<"$dry") >= $fetched)" \
    test "$(jq '.transfer_bytes_max' <<<"$dry")" -ge "$fetched"
ok "the run's own estimate bounds it too" \
    jq -e '.plan.estimate.transfer_bytes_min <= .plan.bytes_fetched and .plan.bytes_fetched <= .plan.estimate.transfer_bytes_max' <<<"$json"
blocks_bytes=$(jq '[.plan.actions[] | select(.action == "copy blocks") | .bytes] | add' <<<"$json")
note "bytes in copied blocks: $blocks_bytes; fetched from the source: $(jq '.plan.bytes_fetched' <<<"$json"); big: $big_size bytes"
ok "blocks were copied ($blocks_bytes bytes)" test "$blocks_bytes" -gt 0
ok "a table changed in two rows costs a few blocks: all blocks copied are under a quarter of it" \
    test "$blocks_bytes" -lt $((big_size / 4))

log_from=$(( $(wc -l <"${NODE_LOG[old]}" 2>/dev/null || echo 0) + 1 ))
verify_standby "compare" old new
# Every file was read before the backup stopped: PostgreSQL must call the
# node consistent where the backup ends, not at a later WAL position of the
# source (an idle source writes its next record only seconds later).
start_log=$(tail -n +"$log_from" "${NODE_LOG[old]}")
backup_end=$(sed -n 's/.*completed backup recovery with redo LSN [0-9A-F/]* and end LSN \([0-9A-F/]*\).*/\1/p' <<<"$start_log" | head -n 1)
consistent_at=$(sed -n 's/.*consistent recovery state reached at \([0-9A-F/]*\).*/\1/p' <<<"$start_log" | head -n 1)
if [[ -z $backup_end && $PG_MAJOR == 14 ]]; then
    skip "the node is consistent where the base backup ends" "PostgreSQL 14 does not log where backup recovery ends"
else
    is "$consistent_at" "$backup_end" "the rewound node is consistent where the base backup ends ($backup_end)"
fi

# Promoted by the verification, old has diverged again.  --max-rate paces
# what the source reads: all of big at least is hashed there, so at 4 MB/s
# the run takes at least big's size / 4 MB seconds, which the run without a
# limit above took less than.
rate=$((4 * 1024 * 1024))
bound_ms=$((big_size * 1000 / rate))
t0=$(date +%s%N)
st=0
run_rewind old new -R --method=compare --max-rate=4M || st=$?
t_rate=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$st" 0 "a second --method=compare, with --max-rate=4M, exits with status 0"
last_ok || diag "$(cat "$REWIND_OUT")"
note "without a limit: $t_free ms; with --max-rate=4M: $t_rate ms; big alone at 4 MB/s: $bound_ms ms"
ok "the run without a limit took less than reading big at 4 MB/s ($t_free < $bound_ms ms)" \
    test "$t_free" -lt "$bound_ms"
ok "with --max-rate=4M it took at least that long ($t_rate >= $bound_ms ms)" \
    test "$t_rate" -ge "$bound_ms"
verify_standby "compare again" old new

# a stopped source (--source-pgdata): no base backup, recovery starts at its
# last checkpoint
node_stop new fast
SOURCE_MODE=pgdata
st=0
run_rewind old new --method=compare || st=$?
SOURCE_MODE=server
is "$st" 0 "--method=compare from a stopped --source-pgdata exits with status 0"
last_ok || diag "$(cat "$REWIND_OUT")"
unlike "$(cat "$REWIND_OUT")" "base backup started" "... without a base backup"
node_start new
if [[ $st == 0 ]]; then verify_standby "compare from a data directory" old new
else fail "compare from a data directory: verified (not attempted: the run failed)"; fi

done_testing

#!/usr/bin/env bash
# The divergence report.  The old primary commits known transactions after the
# promotion (inserts, HOT and non-HOT updates, deletes, a subtransaction, a
# table created after the divergence, a sequence advance) and rolls one back.
# A dry run with --format json must list exactly those committed xids, the
# per-table counts and the ctids of the rows they wrote, and must read no file
# content from the source.  A real run with --report writes the same report
# before the target changes.  A second split brain in which the old primary
# commits nothing must say that no committed transaction is lost.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }

# dry_run_json TARGET SOURCE NAME — run a JSON dry run; stdout to NAME.json,
# stderr to NAME.err.
dry_run_json() {
    local target=$1 source=$2 name=$3 rc=0
    as_pg "$TOOL" --target-pgdata="${NODE_DATA[$target]}" \
        --source-server="$(source_connstr "$source")" --dry-run --format json \
        >"$SCRATCH/$name.json" 2>"$SCRATCH/$name.err" || rc=$?
    is "$rc" 0 "$name: dry run exits with status 0"
    last_ok || diag "$(cat "$SCRATCH/$name.err")"
}

# txid SQL — run SQL on the old primary in one transaction that ends with
# "SELECT txid_current();" and a COMMIT or ROLLBACK; prints the xid.
txid() { node_psql old "$1" | tail -n 1; }

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE items (id int PRIMARY KEY, v text, n int) WITH (fillfactor = 50);
INSERT INTO items SELECT g, 'base', 0 FROM generate_series(1, 100) g;
CREATE SEQUENCE counter;"
node_failover old new
node_psql new "INSERT INTO items VALUES (1000, 'new primary', 0)"

# --- on the old primary, after the divergence --------------------------------
x_insert=$(txid "BEGIN; INSERT INTO items VALUES (101, 'lost', 0), (102, 'lost', 0); SELECT txid_current(); COMMIT;")
x_hot=$(txid "BEGIN; UPDATE items SET n = n + 1 WHERE id = 5; SELECT txid_current(); COMMIT;")
x_nonhot=$(txid "BEGIN; UPDATE items SET id = 506 WHERE id = 6; SELECT txid_current(); COMMIT;")
x_delete=$(txid "BEGIN; DELETE FROM items WHERE id IN (7, 8); SELECT txid_current(); COMMIT;")
x_aborted=$(txid "BEGIN; INSERT INTO items VALUES (200, 'rolled back', 0); SELECT txid_current(); ROLLBACK;")
x_sub=$(txid "BEGIN; INSERT INTO items VALUES (300, 'top', 0); SAVEPOINT s;
              INSERT INTO items VALUES (301, 'sub', 0); RELEASE s; SELECT txid_current(); COMMIT;")
x_create=$(txid "BEGIN; CREATE TABLE fresh (a int); INSERT INTO fresh VALUES (1), (2), (3);
                 SELECT txid_current(); COMMIT;")
x_seq=$(txid "BEGIN; SELECT nextval('counter'); SELECT txid_current(); COMMIT;")
# a value too long and too random to stay in the row: it goes to the TOAST table
x_toast=$(txid "BEGIN; INSERT INTO items VALUES (400, (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g), 0);
                SELECT txid_current(); COMMIT;")
committed=$(printf '%s\n' "$x_insert" "$x_hot" "$x_nonhot" "$x_delete" "$x_sub" "$x_create" "$x_seq" "$x_toast" | sort -n)
note "committed xids on the old primary: ${committed//$'\n'/ }; aborted: $x_aborted"
items_ctids=$(node_psql old "SELECT ctid FROM items WHERE id IN (101, 102, 5, 506, 300, 301, 400)" | sort)
# names as PostgreSQL gives them: the TOAST table of items, and pg_class (a
# mapped catalog: its file number is in the relation map, not in pg_class)
toast_name=$(node_psql old "SELECT reltoastrelid::regclass FROM pg_class WHERE oid = 'items'::regclass")
class_file=$(node_psql old "SELECT pg_relation_filenode('pg_catalog.pg_class')")
fresh_ctids=$(node_psql old "SELECT ctid FROM fresh" | sort)
fresh_file=$(node_psql old "SELECT pg_relation_filenode('fresh')")
expect_gone old postgres "SELECT count(*) FROM items WHERE v = 'lost'" "rows committed on the old primary"
node_stop old fast

# --- dry run: the report, and no file content read from the source -----------
node_psql new "ALTER SYSTEM SET log_statement = 'all'"
node_psql new "SELECT pg_reload_conf()" >/dev/null
sleep 1
log_start=$(wc -l <"${NODE_LOG[new]}")
before=$(snapshot_dir "${NODE_DATA[old]}")
dry_run_json old new dry1
J=$SCRATCH/dry1.json
is "$(snapshot_dir "${NODE_DATA[old]}")" "$before" "dry run leaves the target untouched"
ok "stdout is one JSON document" jq -e 'type == "object"' "$J"
is "$(jq -r .status "$J")" "dry run" "status is dry run"
is "$(jq -r '.report.committed_transactions[].xid' "$J" | sort -n)" "$committed" \
   "the report lists exactly the committed xids"
is "$(jq -r '.report.aborted_transactions' "$J")" 1 "one aborted transaction"
is "$(jq -r --argjson x "$x_aborted" '[.report.committed_transactions[] | select(.xid == $x)] | length' "$J")" 0 \
   "the aborted xid is not listed as committed"
like "$(jq -r '.report.committed_transactions[0].commit_time' "$J")" \
     '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$' "commit time in ISO 8601 UTC"
is "$(jq -r '.report.committed_data_lost' "$J")" true "committed data is lost"

items=$(jq -c '.report.relations[] | select(.name == "public.items")' "$J")
is "$(jq -r '[.kind, .status, .inserted, .updated_hot, .updated_non_hot, .deleted] | @tsv' <<<"$items")" \
   "$(printf 'table\tknown\t5\t1\t1\t2')" "public.items: 5 inserted, 1 HOT, 1 non-HOT update, 2 deleted"
is "$(jq -r '.newest_ctids[]' <<<"$items" | sort)" "$items_ctids" "public.items: ctids of the rows written"
is "$(jq -r --arg n "$toast_name" '.report.relations[] | select(.name == $n) | [.kind, .owner] | @tsv' "$J")" \
   "$(printf 'TOAST table\tpublic.items')" "$toast_name: named, a TOAST table of public.items"
is "$(jq -r --argjson f "$class_file" '[.report.relations[] | select(.relfilenode == $f) | .name] | unique | join(",")' "$J")" \
   "pg_catalog.pg_class" "the mapped catalog pg_class is named by its file number"
fresh=$(jq -c --argjson f "$fresh_file" '.report.relations[] | select(.relfilenode == $f)' "$J")
is "$(jq -r '[.status, (.name // "null"), .inserted] | @tsv' <<<"$fresh")" "$(printf 'created after divergence\tnull\t3')" \
   "the new table is marked created after divergence"
is "$(jq -r '.newest_ctids[]' <<<"$fresh" | sort)" "$fresh_ctids" "the new table: ctids of its rows"
is "$(jq -r '[.report.other_changes[] | select(.change == "sequence advanced") | .name] | join(",")' "$J")" \
   "public.counter" "the sequence advance is reported"
is "$(jq -r --argjson f "$fresh_file" '[.report.other_changes[] | select(.change == "relation created" and .relfilenode == $f)] | length' "$J")" \
   1 "the table creation is reported"
ok "the plan has a WAL range and an estimate" \
   jq -e '.plan.wal_scanned.records > 0 and .plan.estimate.assumed_bytes_per_second > 0 and (.plan.actions | length) == 8 and any(.plan.actions[]; .action == "recycle WAL")' "$J"
ok "the divergence point and last common checkpoint are given" \
   jq -e '.divergence.lsn != null and .divergence.last_common_checkpoint.redo != null' "$J"
like "$(cat "$SCRATCH/dry1.err")" 'Divergence report:' "the text report is on stderr"
like "$(cat "$SCRATCH/dry1.err")" "xid $x_insert committed " "the text report names the transactions"

# The source's statement log of the dry run: pg_read_binary_file may only read
# the control file, PG_VERSION and timeline history files, and the range
# fetch (ROWS FROM unnest) only the source's WAL segments (read to choose
# where recovery starts): no data file.
dry_log=$(tail -n +"$((log_start + 1))" "${NODE_LOG[new]}")
like "$dry_log" 'pg_ls_dir' "the source log shows the dry run's statements"
# ("DETAIL:  parameters:" up to 17, "DETAIL:  Parameters:" from 18 on.)
read_params=$(awk '/execute .*pg_read_binary_file/ {want = 1; next}
                   want && /DETAIL:  [Pp]arameters:/ {sub(/.*[Pp]arameters: /, ""); print; want = 0}' <<<"$dry_log")
is "$(grep -c . <<<"$read_params" || true)" "$(grep -c 'execute .*pg_read_binary_file' <<<"$dry_log" || true)" \
   "every file read of the dry run is logged with its path"
bad=$(grep -Ev "^\\\$1 = '(global/pg_control|PG_VERSION|pg_wal/[0-9A-F]{8}\\.history)'\$|^\\\$1 = '\\{pg_wal/[0-9A-F]{24}\\}', " <<<"$read_params" || true)
is "$bad" "" "the dry run reads only pg_control, PG_VERSION, history files and WAL segments"
note "files read by the dry run: ${read_params//$'\n'/ }"

# --- the real run: the same report, written before the target changes -------
REPORT=$SCRATCH/report.json
SKIP_REF_REASON="--report and --format are options of rewind only"
rewind_and_verify old new --report "$REPORT" --format json
ok "--report wrote the report" test -s "$REPORT"
is "$(jq -S .report "$REPORT")" "$(jq -S .report "$J")" "--report holds the dry run's report"
ok "the report was written before the target's control file" \
   test "${NODE_DATA[old]}/global/pg_control" -nt "$REPORT"

# --- a second split brain: the old primary commits nothing ------------------
node_init old2
node_start old2
node_psql old2 "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g;"
node_failover old2 new2
node_psql old2 "SELECT count(*) FROM t; CHECKPOINT;" >/dev/null
node_stop old2 fast
dry_run_json old2 new2 dry2
is "$(jq -r '.report.committed_transactions | length' "$SCRATCH/dry2.json")" 0 \
   "no commits on the old primary: no committed transaction listed"
is "$(jq -r '.report.committed_data_lost' "$SCRATCH/dry2.json")" false "committed_data_lost is false"
like "$(cat "$SCRATCH/dry2.err")" 'no committed transaction is lost' "the text report says so"

done_testing

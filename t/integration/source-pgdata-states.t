#!/usr/bin/env bash
# --source-pgdata and what a stopped directory is.  A directory whose
# server still runs is refused, naming the state its pg_control gives
# (read back with pg_controldata), and neither the target nor anything
# beside it changes.  Once the server is stopped, a dry run's report names
# no relation (a directory has no catalog to ask) without a warning about
# it, marks the table created on the old primary as created after the
# divergence, and leaves both data directories as they were.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 2000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 100;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id <= 500;
CREATE TABLE created_on_old AS SELECT generate_series(1, 3000) AS id;"
t_file=$(node_psql old "SELECT pg_relation_filenode('t')")
created_file=$(node_psql old "SELECT pg_relation_filenode('created_on_old')")
node_stop old fast
SOURCE_MODE=pgdata

# --- the source's server still runs ------------------------------------------
state=$(control_state new)
is "$state" "in production" "the source's pg_control says its server runs"
target_before=$(content_fingerprint "${NODE_DATA[old]}")
st=0
run_rewind old new || st=$?
is "$st" 1 "a running source directory: exit status 1"
like "$(cat "$REWIND_OUT")" "source data directory must be shut down cleanly \\(pg_control says \"$state\"\\)" \
    "... says the source must be shut down cleanly, with the state pg_control gives"
is "$(content_fingerprint "${NODE_DATA[old]}")" "$target_before" "... and the target is unchanged"
ok "... and no journal beside it" test ! -e "${NODE_DATA[old]}.rewind-journal"

# --- stopped: a dry run's report, without a catalog --------------------------
node_stop new fast
is "$(control_state new)" "shut down" "the source is now shut down"
source_before=$(content_fingerprint "${NODE_DATA[new]}")
REPORT=$SCRATCH/report.json
st=0
run_rewind old new --dry-run --format json --report "$REPORT" || st=$?
is "$st" 0 "dry run from the stopped directory: exit status 0"
last_ok || diag "$(cat "$REWIND_OUT")"
unlike "$(cat "$REWIND_OUT")" 'relation file numbers only' "no warning about relation names"
is "$(jq -r '.report | type' "$REPORT")" object "the report file holds the JSON report"
is "$(jq -r --argjson f "$t_file" '.report.relations[] | select(.relfilenode == $f) | [.status, (.name // "null")] | @tsv' "$REPORT")" \
    "$(printf 'unknown\tnull')" "table t is reported by file number, unnamed"
is "$(jq -r --argjson f "$created_file" '.report.relations[] | select(.relfilenode == $f) | [.status, (.name // "null")] | @tsv' "$REPORT")" \
    "$(printf 'created after divergence\tnull')" "the table created on the old primary: created after divergence"
is "$(jq -r '[.report.relations[] | select(.name != null)] | length' "$REPORT")" 0 "no relation has a name"
is "$(content_fingerprint "${NODE_DATA[old]}")" "$target_before" "the dry run left the target unchanged"
is "$(content_fingerprint "${NODE_DATA[new]}")" "$source_before" "... and the source directory"

done_testing

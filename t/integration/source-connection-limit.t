#!/usr/bin/env bash
# A source that refuses rewind's extra connections: the role rewind connects
# as may hold one connection only (CONNECTION LIMIT 1).  The listing asks
# for a second connection to share the database directories with the
# first; refused, the run says so once, lists and fetches over the one
# connection it has, and the node follows the source with its data.
# With --jobs=1 no second connection is asked for, and nothing is said.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 2000;
CREATE ROLE one_conn LOGIN CONNECTION LIMIT 1;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO one_conn;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO one_conn;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO one_conn;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO one_conn;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 18000;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
node_copy old one_job

conn="host=127.0.0.1 port=${NODE_PORT[new]} user=one_conn dbname=postgres"

# rewind_as_one_conn NODE ARGS... — rewind NODE from new as one_conn;
# output in $out, status in $st
rewind_as_one_conn() {
    local node=$1; shift
    st=0
    out=$(as_pg "$TOOL" --target-pgdata="${NODE_DATA[$node]}" --source-server="$conn" "$@" 2>&1) || st=$?
}

rewind_as_one_conn old --debug
is "$st" 0 "one connection allowed: rewind exits 0"
last_ok || diag "$out"
like "$out" "warning: could not open connection 2 of 8 to the source, continuing with 1: .*too many connections for role \"one_conn\"" \
    "... says once that it goes on with the one connection it has"
is "$(grep -c 'could not open connection' <<<"$out")" 1 "... and only once"
# the refusal comes from the listing, the first to ask for a second connection
listed_at=$(grep -n 'debug: .*source lists [0-9]* files' <<<"$out" | head -n 1 | cut -d: -f1)
warned_at=$(grep -n 'could not open connection' <<<"$out" | head -n 1 | cut -d: -f1)
ok "... while listing the source's files (line ${warned_at:-none}, the listing ends at line ${listed_at:-none})" \
    test -n "$listed_at" -a -n "$warned_at" -a "${warned_at:-0}" -lt "${listed_at:-0}"
if [[ $st == 0 ]]; then verify_standby "one connection" old new
else fail "one connection: verified (not attempted: the run failed)"; fi

rewind_as_one_conn one_job --jobs=1
is "$st" 0 "--jobs=1: rewind exits 0"
last_ok || diag "$out"
unlike "$out" 'could not open connection' "... and asks for no other connection"
if [[ $st == 0 ]]; then verify_standby "--jobs=1" one_job new
else fail "--jobs=1: verified (not attempted: the run failed)"; fi

done_testing

#!/usr/bin/env bash
# Files the target cannot write (a read-only SSL key, as HA setups keep them)
# must not abort a rewind when they need no change: rewind compares them with
# the source's first and leaves identical ones alone.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

if [[ "$TOOL_IS_PG_REWIND" == 1 ]]; then
    skip "read-only files that need no change" "pg_rewind rewrites every file"
    done_testing
    exit 0
fi

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_start new
wait_for_catchup new old
node_promote new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 100;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4900;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
node_stop old fast

# The same key on both nodes, read-only for its owner.
key=$(head -c 3000 /dev/urandom | base64)
for n in old new; do
    as_pg sh -c "printf '%s\n' '$key' > '${NODE_DATA[$n]}/server.key' && chmod 0400 '${NODE_DATA[$n]}/server.key'"
done
ok "the target's server.key is read-only for the postgres user" \
    as_pg sh -c "! test -w '${NODE_DATA[old]}/server.key'"
before=$(as_pg sha256sum "${NODE_DATA[old]}/server.key")

# pg_rewind 15 stops here with "could not open target file ... Permission
# denied": the comparison with it would only show that.
SKIP_REF_REASON="pg_rewind fails on a read-only file (what this test is about)"
rewind_and_verify old new -R
is "$(as_pg sha256sum "${NODE_DATA[old]}/server.key")" "$before" "server.key is unchanged"
is "$(as_pg stat -c %a "${NODE_DATA[old]}/server.key")" 400 "... and still read-only"
done_testing

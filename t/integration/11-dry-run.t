#!/usr/bin/env bash
# Scenario 11: dry run.  -n must change nothing in the target (every entry's
# type, size, mode, mtime and every file's checksum compared before and after)
# and exit 0 with the same diagnosis a real run gives; then a real run works.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 8000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
CREATE TABLE created_on_old AS SELECT generate_series(1, 2000) AS id;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
node_stop old fast

_compute_expected_divergence old new
before=$(snapshot_dir "${NODE_DATA[old]}")
st=0; run_rewind old new -n -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "dry run exits 0"
like "$out" "servers diverged at WAL location $_EXP_LSN on timeline ${_EXP_TLI}([^0-9]|\$)" "dry run reports the divergence"
like "$out" 'rewinding from last common checkpoint at' "dry run reports the last common checkpoint"
after=$(snapshot_dir "${NODE_DATA[old]}")
is "$(sha256sum <<<"$after")" "$(sha256sum <<<"$before")" "dry run changed nothing in the target"
[[ "$after" == "$before" ]] || diag "$(diff <(echo "$before") <(echo "$after") | head -n 20 || true)"
ok "dry run wrote no standby.signal" test ! -e "${NODE_DATA[old]}/standby.signal"

rewind_and_verify old new -R
done_testing

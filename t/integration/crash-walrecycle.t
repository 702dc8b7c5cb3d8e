#!/usr/bin/env bash
# Power loss during a rewind whose target recycled WAL after the divergence
# (t/lib/crash.sh): its segments are moved into the journal's stash or
# renamed, and the source's are copied in their place.
set -euo pipefail
LIB=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../lib")   # the harness changes directory
# shellcheck source=t/lib/harness.sh
source "$LIB/harness.sh"
# shellcheck source=t/lib/crash.sh
source "$LIB/crash.sh"

node_init old --checksums
# small limits: checkpoints recycle old segments into future names; kept
# enough for the WAL from the last common checkpoint on to stay
node_conf old "min_wal_size = '32MB'" "max_wal_size = '48MB'" "wal_keep_size = '48MB'"
node_start old
node_psql old "CREATE TABLE t (id int, pad text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 2000) g;"
node_failover old new
node_psql new "INSERT INTO t SELECT g, 'new' FROM generate_series(5000, 6000) g;"
# on the old primary: several segments written, switched and recycled
for _ in 1 2; do
    node_psql old "INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(10000, 12000) g;
SELECT pg_switch_wal(); CHECKPOINT;" >/dev/null
done
expect_gone old postgres "SELECT count(*) FROM t WHERE pad = 'OLD-ONLY'" "rows written on the old primary"
redo_seg=$(node_psql old "SELECT pg_walfile_name(redo_lsn) FROM pg_control_checkpoint()")
node_stop old fast
recycled=$(find "${NODE_DATA[old]}/pg_wal" -maxdepth 1 -name '0000*' -printf '%f\n' | awk -v r="$redo_seg" '$0 > r' | wc -l)
ok "the old primary recycled WAL segments into names past its last checkpoint ($recycled after $redo_seg)" \
    test "$recycled" -ge 1

crash_test old new
done_testing

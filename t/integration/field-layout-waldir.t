#!/usr/bin/env bash
# Issue 12, layouts: the target's pg_wal is a symbolic link to a directory
# outside the data directory (initdb --waldir).  After the rewind pg_wal is
# still a link to the same directory, the WAL the rewind wrote is there (not
# in a new pg_wal directory inside the data directory), and the node verifies.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

old_waldir=$SCRATCH/old-wal
node_init old --waldir="$old_waldir"
node_start old
ok "the target's pg_wal is a symbolic link" test -L "${NODE_DATA[old]}/pg_wal"
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;"
node_backup_standby old new
node_start new
node_checkpoint old
node_psql old "UPDATE t SET v = 'common' WHERE id <= 500;"
wait_for_catchup new old
node_promote new
node_checkpoint new
node_psql new "INSERT INTO t SELECT g, 'new' FROM generate_series(20001, 21000) g;"
# the old primary's own WAL runs over segment boundaries in the linked directory
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id BETWEEN 1000 AND 3000;
SELECT pg_switch_wal();
UPDATE t SET v = 'OLD-ONLY' WHERE id BETWEEN 5000 AND 6000;" >/dev/null
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
node_stop old fast

link_before=$(readlink "${NODE_DATA[old]}/pg_wal")
is "$link_before" "$old_waldir" "before the rewind, pg_wal links to $old_waldir"
rewind_and_verify old new -R

ok "after the rewind pg_wal is still a symbolic link" test -L "${NODE_DATA[old]}/pg_wal"
is "$(readlink "${NODE_DATA[old]}/pg_wal")" "$link_before" "after the rewind pg_wal links to the same directory"
# The rewound node ran on the source's timeline: its newest segment and the
# source's history file are in the linked directory, as regular files.
stli=$(printf '%08X' "$(node_tli new)")
ok "the source's timeline history file ($stli.history) is in the linked directory" \
    test -f "$old_waldir/$stli.history" -a ! -L "$old_waldir/$stli.history"
nseg=$(find "$old_waldir" -maxdepth 1 -type f -name "${stli}????????????????" | wc -l)
ok "segments of timeline $stli are in the linked directory ($nseg)" test "$nseg" -ge 1
is "$(find "$old_waldir" -maxdepth 1 -type l | wc -l)" 0 "no symbolic links inside the linked directory"
done_testing

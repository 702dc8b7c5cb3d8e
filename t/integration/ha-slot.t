#!/usr/bin/env bash
# --slot NAME with -R: the rewind creates the physical replication slot on
# the source before copying, writes primary_slot_name, and the rewound node
# streams through the slot.  -R keeps the restore_command the target has in
# its postgresql.auto.conf; postgresql.conf stays the target's.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

archive=$SCRATCH/archive
as_pg mkdir -p "$archive"
node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;
ALTER SYSTEM SET restore_command = 'cp $archive/%f %p';"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
conf_before=$(sha256sum <"${NODE_DATA[old]}/postgresql.conf")

st=0; run_rewind old new --check --slot old_node || st=$?
is "$st" 0 "--check --slot exits 0"
like "$(cat "$REWIND_OUT")" 'check: ok +slot: replication slot "old_node" does not exist on the source; a rewind creates it' \
    "... says the slot does not exist yet and would be created"
is "$(node_psql new "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'old_node'")" 0 \
    "... and did not create it"

st=0; run_rewind old new -R --slot old_node || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "rewind -R --slot old_node exits 0"
like "$out" 'created replication slot "old_node" on the source' "... says it created the slot"
is "$(node_psql new "SELECT slot_type || ' ' || (restart_lsn IS NOT NULL) FROM pg_replication_slots WHERE slot_name = 'old_node'")" \
    "physical true" "the source has physical slot old_node, reserving WAL"
auto=$(cat "${NODE_DATA[old]}/postgresql.auto.conf")
like "$auto" "^primary_slot_name = 'old_node'\$" "postgresql.auto.conf has primary_slot_name = 'old_node'"
like "$auto" "^restore_command = 'cp $archive/%f %p'\$" "... and still the target's restore_command"
like "$auto" "^primary_conninfo = '.*port=${NODE_PORT[new]}" "... and primary_conninfo for the source"
is "$(sha256sum <"${NODE_DATA[old]}/postgresql.conf")" "$conf_before" "postgresql.conf is the target's, unchanged"

node_start old
ok "the rewound node streams through slot old_node" wait_for_query new \
    "SELECT active FROM pg_replication_slots WHERE slot_name = 'old_node'" t 30
is "$(node_psql new "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")" 1 \
    "the source has one streaming standby"
is "$(node_psql old "SHOW primary_slot_name")" old_node "the rewound node uses primary_slot_name old_node"
is "$(node_psql old "SHOW restore_command")" "cp $archive/%f %p" "... and keeps its restore_command"
node_stop old fast

# A second run finds the slot and leaves it alone.
st=0; run_rewind old new -R --slot old_node || st=$?
is "$st" 0 "a second rewind with the same --slot exits 0"
like "$(cat "$REWIND_OUT")" 'replication slot "old_node" exists on the source' "... and finds the slot"
verify_standby "tool" old new
done_testing

#!/usr/bin/env bash
# Patroni 3 + etcd, two nodes: the leader is killed and restarted later.
# The leader's WAL sender is frozen so that its last commits never reach the
# replica; then its Patroni and its whole PostgreSQL are SIGKILLed (a power
# loss: the data directory is left "in production").  The replica's Patroni
# promotes after the ttl, the new leader writes, and only then is the old
# leader's Patroni started again: it recovers its crashed PostgreSQL and
# runs pg_rewind — the tool given to it through bin_dir.  The old leader must
# rejoin, stream on the new timeline and hold the new leader's data.
set -euo pipefail
HA_NEEDS=(patroni patronictl etcd etcdctl curl jq setpriv)
# shellcheck source=t/lib/ha-managers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/ha-managers.sh"
patroni_version_note

etcd_start
patroni_conf n1
patroni_conf n2
patroni_start n1
ok "n1 bootstraps and leads" wait_patroni_primary n1 120
patroni_start n2
ok "n2 joins as a replica streaming from n1" wait_patroni_replica n2 n1
node_psql n1 "CREATE EXTENSION amcheck;
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
ok "n2 replays the base rows" wait_for_catchup n2 n1

# Commits n2 never receives, then a crash of the whole node.
ws=$(walsender_pid n1 n2)
ok "n1 has a WAL sender to n2 (pid $ws)" test -n "$ws"
freeze_pid "$ws"
node_psql n1 "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;
CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;"
expect_gone n1 postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows n2 never received"
is "$(node_psql n2 "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'")" 0 "n2 has not received them"
ok "power loss on n1: its Patroni and all of its PostgreSQL killed at once" power_loss patroni-n1 n1
is "$(control_state n1)" "in production" "n1's data directory is left crashed (in production)"

ok "n2's Patroni promotes n2 once n1's lock expires" wait_patroni_primary n2 90
node_psql n2 "UPDATE t SET v = 'new' WHERE id <= 1000;
CREATE TABLE new_only AS SELECT g FROM generate_series(1, 1000) g;"
note "$(patroni_list)"

# Later, n1's Patroni comes back.
patroni_start n1
ok "n1 rejoins as a replica streaming from n2 on n2's timeline" wait_patroni_streaming n1 n2 150
note "$(patroni_list)"
check_rewound_by_tool "restarted leader" n1
if [[ "$(rewind_call_status "${NODE_DATA[n1]}")" == 0 ]]; then
    check_rejoined "restarted leader" n1 n2
else
    fail "restarted leader: n1 holds n2's data (not checked: the rewind failed)"
fi
done_testing

#!/usr/bin/env bash
# Patroni 3 + etcd, three nodes: a failover to a replica that is behind
# another.  n1 leads, n2 (tagged nofailover, so Patroni cannot pick it) and
# n3 replicate; n1's WAL sender to n3 is frozen, n1 commits rows that reach
# n2 only (its WAL then ends with a record whose end is not 8-byte aligned),
# then n1 is killed (Patroni and all of its PostgreSQL).  n3 is
# promoted; n2, a replica AHEAD of the new leader, must be rewound by its
# Patroni (stopped "shut down in recovery", then pg_rewind); n1, restarted
# later, must be recovered and rewound too.  Both must stream from n3 on the
# new timeline and hold its data.  pg_rewind is the tool given through
# bin_dir.
set -euo pipefail
HA_NEEDS=(patroni patronictl etcd etcdctl curl jq setpriv)
# shellcheck source=t/lib/ha-managers.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/ha-managers.sh"
patroni_version_note

etcd_start
patroni_conf n1
patroni_conf n2 "nofailover: true"
patroni_conf n3
patroni_start n1
ok "n1 bootstraps and leads" wait_patroni_primary n1 120
patroni_start n2
patroni_start n3
ok "n2 joins as a replica streaming from n1" wait_patroni_replica n2 n1
ok "n3 joins as a replica streaming from n1" wait_patroni_replica n3 n1
node_psql n1 "CREATE EXTENSION amcheck;
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
ok "n2 replays the base rows" wait_for_catchup n2 n1
ok "n3 replays the base rows" wait_for_catchup n3 n1

# Rows that reach n2 but not n3, then n1 dies.
ws=$(walsender_pid n1 n3)
ok "n1 has a WAL sender to n3 (pid $ws)" test -n "$ws"
freeze_pid "$ws"
node_psql n1 "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;
CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;"
expect_gone n1 postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written before the failover that n3 never received"
end=$(wal_end_unaligned n1)
note "n1's WAL ends with a record ending at $end, not 8-byte aligned"
ok "n2 replays them" wait_for_catchup n2 n1
is "$(node_psql n3 "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'")" 0 "n3 has not received them"
ok "power loss on n1: its Patroni and all of its PostgreSQL killed at once" power_loss patroni-n1 n1

ok "n3's Patroni promotes n3 (n2 is tagged nofailover)" wait_patroni_primary n3 90
node_psql n3 "UPDATE t SET v = 'new' WHERE id <= 1000;
CREATE TABLE new_only AS SELECT g FROM generate_series(1, 1000) g;"
note "$(patroni_list)"

# n2 is ahead of n3 on the old timeline: its Patroni must rewind it.
ok "n2 (ahead of the new leader) follows n3 on n3's timeline" wait_patroni_streaming n2 n3 150
check_rewound_by_tool "replica ahead of the new leader" n2
if [[ "$(rewind_call_status "${NODE_DATA[n2]}")" == 0 ]]; then
    check_rejoined "replica ahead of the new leader" n2 n3
else
    fail "replica ahead of the new leader: n2 holds n3's data (not checked: the rewind failed)"
fi

# Later, n1's Patroni comes back.
patroni_start n1
ok "n1 rejoins as a replica streaming from n3 on n3's timeline" wait_patroni_streaming n1 n3 150
note "$(patroni_list)"
check_rewound_by_tool "restarted old leader" n1
if [[ "$(rewind_call_status "${NODE_DATA[n1]}")" == 0 ]]; then
    check_rejoined "restarted old leader" n1 n3
else
    fail "restarted old leader: n1 holds n3's data (not checked: the rewind failed)"
fi
done_testing

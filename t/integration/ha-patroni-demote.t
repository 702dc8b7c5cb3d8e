#!/usr/bin/env bash
# Patroni 3 + etcd, two nodes: the leader is demoted on losing its lock.
# Its Patroni is frozen (SIGSTOP) while its PostgreSQL keeps accepting
# writes; the replica's Patroni promotes after the ttl; both sides write;
# the frozen Patroni continues, demotes its PostgreSQL (immediate stop),
# starts it as a standby of the new leader, stops it ("shut down in
# recovery") and runs pg_rewind — the tool given to it through bin_dir.  The
# old leader must rejoin, stream on the new timeline and hold the new
# leader's data.
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
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;
CREATE INDEX t_v ON t (v);"
ok "n2 replays the base rows" wait_for_catchup n2 n1

# Split brain: n1's Patroni frozen, its PostgreSQL still a writable primary.
kill -STOP "${HA_PID[patroni-n1]}"
ok "n2's Patroni promotes n2 once n1's lock expires" wait_patroni_primary n2 90
is "$(node_psql n1 "SELECT pg_is_in_recovery()")" f "n1's PostgreSQL is still a primary (split brain)"
node_psql n1 "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;
CREATE TABLE old_only AS SELECT g FROM generate_series(1, 1000) g;
DELETE FROM t WHERE id BETWEEN 100 AND 200;"
node_psql n2 "UPDATE t SET v = 'new' WHERE id <= 1000;
CREATE TABLE new_only AS SELECT g FROM generate_series(1, 1000) g;"
expect_gone n1 postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old leader"
expect_gone n1 postgres "SELECT count(*) FROM pg_class WHERE relname = 'old_only'" "a table created on the old leader"
note "$(patroni_list)"
end=$(wal_end_unaligned n1)
note "n1's WAL ends with a record ending at $end, not 8-byte aligned"

# Patroni continues: demote, standby, stop, rewind, rejoin.
kill -CONT "${HA_PID[patroni-n1]}"
ok "n1 rejoins as a replica streaming from n2 on n2's timeline" wait_patroni_streaming n1 n2 150
note "$(patroni_list)"
# Under load the background writer may log one more standby snapshot on n1
# before Patroni demotes it: its WAL then ends after our message.
consistent=$(sed -n 's/.*consistent recovery state reached at \([0-9A-F]*\/[0-9A-F]*\)$/\1/p' \
    "${NODE_LOG[n1]}" | head -n 1)
note "n1 consistent at ${consistent:-(never)}; our message ends at $(lsn_align8 "$end")"
lsn_num() { echo $(( (16#${1%/*} << 32) | 16#${1#*/} )); }
ok "Patroni ran n1 as a standby to the end of its WAL, at or after $(lsn_align8 "$end") (the flow of issue 12)" \
    test -n "$consistent" -a "$(lsn_num "${consistent:-0/0}")" -ge "$(lsn_num "$(lsn_align8 "$end")")"
check_rewound_by_tool "demoted leader" n1
if [[ "$(rewind_call_status "${NODE_DATA[n1]}")" == 0 ]]; then
    check_rejoined "demoted leader" n1 n2
else
    fail "demoted leader: n1 holds n2's data (not checked: the rewind failed)"
fi
done_testing

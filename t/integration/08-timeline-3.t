#!/usr/bin/env bash
# Scenario 8: the source is on timeline 3 after two failovers.
#   A primary (TLI 1), B and C its standbys.  A is stopped (switchover) and B
#   promoted (TLI 2); A is started again by mistake and writes on TLI 1.
#   C is re-pointed to B and follows it onto TLI 2.  C is promoted (TLI 3);
#   B keeps writing on TLI 2.
# Then B (last common timeline 2) and A (last common timeline 1) are both
# rewound from C; each must report the right switch point from
# C's 00000003.history and end up streaming from C on timeline 3.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init a --checksums
node_start a
node_psql a "CREATE TABLE t (id int PRIMARY KEY, v text, tli int);
INSERT INTO t SELECT g, 'base', 1 FROM generate_series(1, 5000) g;"
node_backup_standby a b
node_backup_standby a c
node_start b
node_start c
node_psql a "INSERT INTO t SELECT g, 'more', 1 FROM generate_series(5001, 6000) g;"
wait_for_catchup b a
wait_for_catchup c a

# Switchover to B: A's shutdown checkpoint reaches both standbys first.
node_stop a fast
for n in b c; do
    wait_for_query "$n" "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()" t 30
done
node_promote b
node_checkpoint b
node_psql b "INSERT INTO t SELECT g, 'on-tli2', 2 FROM generate_series(6001, 7000) g;"

# C stops now: still pointed at A, it would otherwise stream what A writes
# next on timeline 1 and could never follow B onto timeline 2.
node_stop c fast

# A comes back as a primary on timeline 1 and writes what nobody else has.
node_start a
node_psql a "UPDATE t SET v = 'A-ONLY' WHERE id <= 2000;
CREATE TABLE a_only AS SELECT g FROM generate_series(1, 1000) g;"
expect_gone a postgres "SELECT count(*) FROM t WHERE v = 'A-ONLY'" "rows A wrote on timeline 1 after B's promotion"
expect_gone a postgres "SELECT count(*) FROM pg_class WHERE relname = 'a_only'" "the table A created on timeline 1"
node_stop a fast

# C follows B onto timeline 2 (recovery_target_timeline is 'latest').
node_set_primary c b
node_start c
wait_for_catchup c b
ok "C follows B on timeline 2" wait_for_query c "SELECT received_tli FROM pg_stat_wal_receiver" 2 30

node_promote c
node_checkpoint c
node_psql c "INSERT INTO t SELECT g, 'on-tli3', 3 FROM generate_series(7001, 7500) g;"
is "$(node_tli c)" 3 "C is on timeline 3"

node_psql b "UPDATE t SET v = 'B-ONLY' WHERE id > 6500;
DELETE FROM t WHERE id BETWEEN 3000 AND 3500;"
expect_gone b postgres "SELECT count(*) FROM t WHERE v = 'B-ONLY'" "rows B wrote on timeline 2 after C's promotion"
expect_gone b postgres "SELECT 501 - count(*) FROM t WHERE id BETWEEN 3000 AND 3500" "rows B deleted (501 - remaining)"
node_stop b fast

note "rewinding B (diverged on timeline 2) from C"
rewind_and_verify b c -R
is "$_EXP_TLI" 2 "B's last common timeline with C is 2"

note "rewinding A (diverged on timeline 1) from C"
rewind_and_verify a c -R
is "$_EXP_TLI" 1 "A's last common timeline with C is 1"
done_testing

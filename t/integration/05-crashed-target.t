#!/usr/bin/env bash
# Scenario 5: the old primary crashes (pg_ctl stop -m immediate) after its
# divergent writes, with a transaction in flight.  The target was not shut
# down cleanly: with --no-ensure-shutdown the tool must refuse and change
# nothing; by default it must run crash recovery itself (pg_rewind 15 does,
# with postgres --single) and then rewind.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 10000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 5 = 0; INSERT INTO t VALUES (20000, 'new');"

node_psql old "
UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(30000, 31000) g;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "committed rows of the old primary"

# A transaction that is still running when the server dies: it wrote a lot
# (WAL and possibly evicted pages) but never committed.
as_pg "$PGCLIENT/psql" -X -q -h "$SOCKDIR" -p "${NODE_PORT[old]}" -U postgres -d postgres >/dev/null 2>&1 <<'SQL' &
BEGIN;
INSERT INTO t SELECT g, 'IN-FLIGHT' FROM generate_series(100000, 150000) g;
CREATE TABLE in_flight_table AS SELECT generate_series(1, 10000) AS id;
SELECT pg_sleep(120);
COMMIT;
SQL
inflight_pid=$!
_BG_PIDS+=("$inflight_pid")
ok "a transaction is in flight on the old primary" wait_for_query old \
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" 1 30
node_stop old immediate
wait "$inflight_pid" || true     # its connection died with the server
is "$(control_state old)" "in production" "the old primary was not shut down cleanly"

# Refusal without crash recovery must leave the target untouched.
before=$(snapshot_dir "${NODE_DATA[old]}")
st=0; run_rewind old new --no-ensure-shutdown -R || st=$?
isnt "$st" 0 "with --no-ensure-shutdown the tool refuses an unclean target"
like "$(cat "$REWIND_OUT")" 'shut down cleanly|crash' "... and says the target was not shut down cleanly"
is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "... and changed nothing in the target"

# A dry run on the unclean target says what crash recovery a real run would
# do, shows the plan, and changes nothing (pg_rewind 15 cannot do this).
if [[ "$TOOL_IS_PG_REWIND" == 0 ]]; then
    st=0; run_rewind old new --dry-run || st=$?
    is "$st" 0 "a dry run on the unclean target succeeds"
    like "$(cat "$REWIND_OUT")" 'not shut down cleanly.*crash recovery' "... says crash recovery would run first"
    like "$(cat "$REWIND_OUT")" 'servers diverged at WAL location' "... and still finds the divergence"
    like "$(cat "$REWIND_OUT")" 'Plan:' "... and prints the plan"
    is "$(snapshot_dir "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" "... and changed nothing in the target"
fi

# Default: crash recovery, then the rewind.
rewind_and_verify old new -R
is "$(node_psql new "SELECT count(*) FROM pg_class WHERE relname = 'in_flight_table'")" 0 \
    "the source never saw the in-flight table"
done_testing

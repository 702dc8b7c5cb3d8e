#!/usr/bin/env bash
# make demo: a split brain on throwaway local clusters, a dry run, the real
# rewind, and the old primary following the new one.  Everything lives in a
# scratch directory that is removed at the end (kept if something failed).
#
#   REWIND_BIN=/path/to/rewind bash t/demo.sh
set -euo pipefail
HARNESS_MODE=demo
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/harness.sh"

STEP=0
BOLD="" PLAIN=""
if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; fi
step() { STEP=$((STEP + 1)); printf '\n%s== %d. %s%s\n' "$BOLD" "$STEP" "$*" "$PLAIN"; }
say() { printf '   %s\n' "$@"; }
# show NODE SQL — run a query and print its result table, indented.
show() {
    as_pg "$PGBIN/psql" -X -q -h "$SOCKDIR" -p "${NODE_PORT[$1]}" -U postgres -d postgres \
        -P pager=off -c "$2" | sed 's/^/     /'
}
show_output() { sed -e '1d' -e 's/^/     /' "$REWIND_OUT"; }   # without the command line

printf 'rewind demo — tool: %s\n' "$TOOL_VERSION"
printf 'scratch directory: %s\n' "$SCRATCH"

step "Create a primary 'alpha' (data checksums on) with an accounts table"
node_init alpha --checksums
node_start alpha
node_psql alpha "CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int);
INSERT INTO accounts SELECT g, 'customer ' || g, 100 FROM generate_series(1, 1000) g;"
say "alpha listens on 127.0.0.1:${NODE_PORT[alpha]}, data in ${NODE_DATA[alpha]}"

step "Create a streaming standby 'beta' with pg_basebackup"
node_backup_standby alpha beta
node_start beta
wait_for_catchup beta alpha
say "beta listens on 127.0.0.1:${NODE_PORT[beta]} and has replayed everything alpha wrote"

step "Failover: promote beta — but alpha keeps running (split brain)"
node_promote beta
node_checkpoint beta
say "beta is now a primary on timeline $(node_tli beta); alpha is still a primary on timeline $(node_tli alpha)"

step "Both sides accept writes"
node_psql alpha "UPDATE accounts SET balance = 0 WHERE id <= 10;
INSERT INTO accounts VALUES (5001, 'written on alpha only', 1);"
node_psql beta "UPDATE accounts SET balance = 200 WHERE id > 990;
INSERT INTO accounts VALUES (6001, 'written on beta', 2);"
say "on alpha (to be thrown away):"
show alpha "SELECT id, owner, balance FROM accounts WHERE id <= 3 OR id > 5000 ORDER BY id"
say "on beta (the new primary):"
show beta "SELECT id, owner, balance FROM accounts WHERE id <= 3 OR id > 5000 ORDER BY id"

step "Stop alpha"
node_stop alpha fast
say "alpha cannot simply follow beta: its WAL went past the point where beta's timeline forked off"

step "Dry run: what would the rewind do? (rewind --dry-run)"
run_rewind alpha beta --dry-run -R || { show_output; exit 1; }
show_output

step "The real rewind (rewind -R -P)"
run_rewind alpha beta -R -P || { show_output; exit 1; }
show_output

step "Start alpha as a standby of beta"
ensure_standby_config alpha beta "rewind" | sed 's/^# /   (harness) /'
node_start alpha
wait_for_catchup alpha beta
wait_for_query alpha "SELECT status FROM pg_stat_wal_receiver" streaming 30
show alpha "SELECT pg_is_in_recovery() AS standby, status, received_tli, sender_port, written_lsn
            FROM pg_stat_wal_receiver"

step "A row written on beta now appears on alpha"
node_psql beta "INSERT INTO accounts VALUES (7001, 'written on beta after the rewind', 3);"
wait_for_catchup alpha beta
show alpha "SELECT id, owner, balance FROM accounts WHERE id <= 3 OR id > 5000 ORDER BY id"
say "alpha's split-brain row 5001 is gone, beta's rows 6001 and 7001 are there."

step "Clean up"
node_stop alpha fast
node_stop beta fast
say "both servers stopped; the scratch directory is removed on exit"

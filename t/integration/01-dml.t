#!/usr/bin/env bash
# Scenario 1: inserts, updates and deletes on both sides of a split brain.
# The old primary also leaves a prepared transaction, HOT updates, a VACUUM
# (visibility map) and hint-bit-only changes after a checkpoint, and writes to
# unlogged and temporary tables.  Rewound with -R; the tool must write the
# recovery configuration.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL);
CREATE INDEX ON accounts (owner);
INSERT INTO accounts SELECT g, 'owner' || g % 50, g * 10 FROM generate_series(1, 20000) g;
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, payload text);
INSERT INTO events (kind, payload) SELECT 'base', repeat('x', 200) FROM generate_series(1, 5000);
CREATE UNLOGGED TABLE scratchpad (k int, v text);
INSERT INTO scratchpad SELECT g, 'u' FROM generate_series(1, 1000) g;"
node_backup_standby old new
node_start new
node_psql old "UPDATE accounts SET balance = balance + 1 WHERE id % 3 = 0"
wait_for_catchup new old

# Split brain: the standby is promoted while the old primary keeps running.
node_promote new
node_checkpoint new

# Only on the new primary (must be on the rewound node afterwards).
node_psql new "
INSERT INTO accounts SELECT g, 'new' || g % 7, 1 FROM generate_series(20001, 21000) g;
UPDATE accounts SET balance = balance * 2 WHERE id BETWEEN 100 AND 300;
DELETE FROM accounts WHERE id BETWEEN 5000 AND 5100;
INSERT INTO events (kind, payload) VALUES ('new-primary', 'kept');"

# Only on the old primary (must be gone afterwards).
node_psql old "
INSERT INTO accounts SELECT g, 'OLD-ONLY', -1 FROM generate_series(30001, 34000) g;
UPDATE accounts SET balance = -42 WHERE id BETWEEN 1 AND 2000;      -- many pages
UPDATE accounts SET owner = owner WHERE id BETWEEN 2001 AND 2100;   -- HOT updates
DELETE FROM accounts WHERE id BETWEEN 10000 AND 12000;
DELETE FROM events WHERE id % 2 = 0;
VACUUM events;                                                      -- visibility map, FSM
INSERT INTO events (kind, payload) SELECT 'OLD-ONLY', 'x' FROM generate_series(1, 300);
INSERT INTO scratchpad SELECT g, 'OLD-ONLY' FROM generate_series(1, 500) g;
CREATE TEMP TABLE tmp AS SELECT * FROM accounts;
BEGIN; INSERT INTO accounts VALUES (99999, 'OLD-ONLY-PREPARED', 0); PREPARE TRANSACTION 'old_only';"
# Hint-bit-only changes after a checkpoint (full-page images via checksums).
node_psql old "CHECKPOINT; SELECT count(*) FROM accounts;" >/dev/null

expect_gone old postgres "SELECT count(*) FROM accounts WHERE owner = 'OLD-ONLY'" "rows inserted on the old primary"
expect_gone old postgres "SELECT count(*) FROM accounts WHERE balance = -42" "rows updated on the old primary"
expect_gone old postgres "SELECT count(*) FROM events WHERE kind = 'OLD-ONLY'" "events inserted on the old primary"
expect_gone old postgres "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'old_only'" "the prepared transaction of the old primary"
node_stop old fast

rewind_and_verify old new -R
done_testing

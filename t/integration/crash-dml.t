#!/usr/bin/env bash
# Power loss during a rewind of a DML divergence (t/lib/crash.sh): crash
# states at sync points and between them, each marked (and rolled back byte
# for byte), untouched, or committed (and verified); then the same for a
# power loss during --rollback.
set -euo pipefail
LIB=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../lib")   # the harness changes directory
# shellcheck source=t/lib/harness.sh
source "$LIB/harness.sh"
# shellcheck source=t/lib/crash.sh
source "$LIB/crash.sh"

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;
CREATE TABLE shrunk (id int, pad text);
INSERT INTO shrunk SELECT g, repeat('x', 200) FROM generate_series(1, 10000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql old "
UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
DELETE FROM shrunk WHERE id > 100; VACUUM shrunk;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 120000) g;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

crash_test old new
done_testing

#!/usr/bin/env bash
# Issue 15, auto's last rung: a cluster with neither data checksums nor
# wal_log_hints.  Neither the old primary's WAL nor its page LSNs can show
# every page it changed: a prepared transaction X, from before the
# divergence, commits only on the old primary, and a SELECT there sets hint
# bits on X's pages without any WAL.  --method=wal and --method=pagelsn
# refuse, changing nothing; --salvage is refused (the lost rows cannot be
# found without a method that reads the WAL).  The default (auto) rewinds by
# the block compare and says why; --check and a dry run say the same
# without starting a base backup.  The rewound node follows the new primary
# with its data (X rolled back there).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_conf old "wal_log_hints = off"
node_start old
is "$(node_psql old "SELECT current_setting('wal_log_hints') || ' ' || current_setting('data_checksums')")" \
    "off off" "the cluster has neither wal_log_hints nor data checksums"
# Sparse pages for X: its updates are HOT updates on the same pages and the
# SELECT prunes nothing (pruning would write WAL).
node_psql old "
CREATE TABLE hinted (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO hinted SELECT g, repeat('a', 60) FROM generate_series(1, 40000) g;
DELETE FROM hinted WHERE id % 10 <> 0;
VACUUM hinted;
CREATE TABLE other (id int PRIMARY KEY, v text);
INSERT INTO other SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_start new
node_psql old "BEGIN; UPDATE hinted SET v = 'X-COMMITTED-ONLY-ON-OLD'; PREPARE TRANSACTION 'x';"
node_checkpoint old
wait_for_catchup new old
node_promote new

# the old primary goes on: X commits, hint bits without WAL, a row of other
node_psql old "COMMIT PREPARED 'x';"
node_psql old "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';" >/dev/null
node_psql old "UPDATE other SET v = 'OLD-ONLY' WHERE id BETWEEN 4000 AND 4100;"
node_stop old fast
# the new primary rolls X back and writes its own
node_psql new "ROLLBACK PREPARED 'x';
SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';
UPDATE other SET v = 'NEW' WHERE id <= 10;" >/dev/null
node_checkpoint new
if [[ "$PG_MAJOR" == 15 ]]; then
    ctl=$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[old]}")
    like "$ctl" "wal_log_hints setting: +off" "the old primary's pg_control says wal_log_hints = off"
    like "$ctl" "Data page checksum version: +0" "... and no data checksums"
else
    skip "pg_control checked with pg_controldata" "the one here reads PostgreSQL 15's files only"
fi

before=$(content_fingerprint "${NODE_DATA[old]}")
unchanged() {
    is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
        "$1"
    ok "... and no journal was left" test ! -e "${NODE_DATA[old]}.rewind-journal"
}

# a forced step that cannot be proven is refused
for m in wal pagelsn; do
    st=0
    run_rewind old new -R --method=$m || st=$?
    is "$st" 1 "--method=$m is refused (exit status 1)"
    like "$(cat "$REWIND_OUT")" "error: target server needs to use either data checksums or \"wal_log_hints = on\"" \
        "... naming the missing setting"
    unchanged "... and the target is unchanged"
done

st=0
run_rewind old new -R --salvage="$SCRATCH/salvage" || st=$?
ok "--salvage is refused when only the block compare could rewind (exit status $st)" test "$st" -ne 0
like "$(cat "$REWIND_OUT")" "error: --salvage cannot be used: the target has neither data checksums nor wal_log_hints" \
    "... saying why"
ok "... before the salvage directory was made" test ! -e "$SCRATCH/salvage"
unchanged "... and the target is unchanged"

st=0
run_rewind old new --check || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "--check passes (the block compare is a warning, not an error)"
last_ok || diag "$out"
like "$out" "the block compare would be used .*: the target has neither data checksums nor wal_log_hints = on" \
    "... saying the block compare would be used, and why"
unlike "$out" "base backup started" "... without starting a base backup"
unchanged "... and the target is unchanged"

st=0
run_rewind old new --dry-run || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "a dry run exits with status 0"
last_ok || diag "$out"
like "$out" "method: compare \\(no other method could be proven: the target has neither data checksums nor wal_log_hints = on" \
    "... saying it would use the block compare, and why"
unlike "$out" "base backup started" "... starting no base backup"
unchanged "... and the target is unchanged"

st=0
run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "rewind (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "method: compare \\(no other method could be proven: the target has neither data checksums nor wal_log_hints = on" \
    "... with the block compare, saying why"
like "$out" "base backup started on the source at WAL location" "... within a base backup of the source"
like "$out" "Done!" "... and is done"
if [[ $st == 0 ]]; then verify_standby "auto, by block compare" old new
else fail "auto, by block compare: verified (not attempted: the run failed)"; fi
done_testing

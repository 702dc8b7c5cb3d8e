#!/usr/bin/env bash
# Issue 12, the proof's premises from the WAL: the old primary, without data
# checksums, is restarted after the divergence with wal_log_hints = off,
# sets hint bits, and is restarted with it on again, so its pg_control says
# on.  Its WAL holds both PARAMETER_CHANGE records.  A prepared transaction
# X updated rows before the last common checkpoint; the new primary never
# commits it; the old primary commits it after the divergence and a SELECT
# sets hint bits on X's pages without any WAL (wal_log_hints was off), pages
# no record since the redo point refers to.  No scan of the WAL can find
# them: --method=wal refuses, naming the setting, and changes nothing; so
# does --method=pagelsn (X's pages kept their page LSNs), and --salvage.
# The default (auto) finds out once the target's WAL is read, starts again
# with the block compare (nothing written to the target before), says why,
# and the rewound node follows the new primary with its data; --check and a
# dry run say the same without a base backup.  On 15 the reference
# pg_rewind, which trusts pg_control, rewinds the copy into a node that,
# once X is rolled back there, shows X's updates: the pages the refusal is
# about.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
# Sparse pages: X's updates are HOT updates on the same pages and the SELECT
# prunes nothing (pruning would write WAL and make the pages found).
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
# the last common checkpoint: X's pages are not changed after its redo point
node_checkpoint old
node_psql old "UPDATE other SET v = 'common' WHERE id <= 100;"
wait_for_catchup new old
node_promote new
node_checkpoint new

node_stop old fast
node_conf old "wal_log_hints = off"
node_start old
is "$(node_psql old "SHOW wal_log_hints")" off "the old primary runs with wal_log_hints = off after the divergence"
node_psql old "COMMIT PREPARED 'x';"
node_psql old "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';" >/dev/null
node_stop old fast
node_conf old "wal_log_hints = on"
node_start old
node_psql old "UPDATE other SET v = 'OLD-ONLY' WHERE id BETWEEN 4000 AND 4100;"
is "$(node_psql old "SHOW wal_log_hints")" on "... and with it on again"
node_stop old fast
if [[ "$PG_MAJOR" == 15 ]]; then
    like "$(as_pg "$PGCLIENT/pg_controldata" "${NODE_DATA[old]}")" "wal_log_hints setting: +on" \
        "the old primary's pg_control says wal_log_hints = on"
    div=$(history_switchpoint new "$(node_tli new)" "$(control_tli old)")
    dump=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$div" 2>/dev/null || true)
    like "$dump" "PARAMETER_CHANGE .*wal_log_hints=off" "its WAL after the divergence point $div says wal_log_hints = off"
else
    skip "pg_control and WAL checked with pg_controldata and pg_waldump" \
        "those here read PostgreSQL 15's files only"
fi

if [[ "$REF_ENABLED" == 1 ]]; then node_copy old old_pgrewind; fi
before=$(content_fingerprint "${NODE_DATA[old]}")
st=0
run_rewind old new -R --method=wal || st=$?
out=$(cat "$REWIND_OUT")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "--method=wal refuses (exit status 1)"
like "$out" "error: the target ran with wal_log_hints = off and without data checksums after the divergence point" \
    "... saying that wal_log_hints was off after the divergence point"
like "$out" "hint: .*Nothing was changed" "... and that nothing was changed"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "the target is unchanged, byte for byte"
ok "no journal was made" test ! -e "${NODE_DATA[old]}.rewind-journal"
# X's pages kept their page LSNs: the page-LSN scan would miss them too
st=0
run_rewind old new -R --method=pagelsn || st=$?
is "$st" 1 "--method=pagelsn refuses too"
like "$(cat "$REWIND_OUT")" "error: the page-LSN scan cannot be used: the target ran with wal_log_hints = off and without data checksums after the divergence point" \
    "... for the same reason, read in its WAL (its pg_control says on)"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"
# the block compare cannot find the rows the target loses
st=0
run_rewind old new -R --salvage="$SCRATCH/salvage" || st=$?
is "$st" 1 "--salvage refuses (it needs a method that reads the target's WAL)"
like "$(cat "$REWIND_OUT")" "error: the target ran with wal_log_hints = off and without data checksums after the divergence point" \
    "... for the same reason"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"

why="no other method could be proven: the target ran with wal_log_hints = off and without data checksums after the divergence point"
st=0
run_rewind old new --dry-run || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "a dry run (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "method: compare \\($why" "... saying it would use the block compare, and why"
unlike "$out" "base backup started" "... starting no base backup"
st=0
run_rewind old new --check || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "--check (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "the block compare would be used .*: the target ran with wal_log_hints = off and without data checksums after the divergence point" \
    "... saying the block compare would be used, and why"
unlike "$out" "base backup started" "... starting no base backup"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged"

st=0
run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "rewind (auto) exits with status 0"
last_ok || diag "$out"
like "$out" "method: compare \\($why" "... with the block compare, saying why"
is "$(grep -c "base backup started on the source" <<<"$out")" 1 "... within one base backup of the source"
like "$out" "Done!" "... and is done"
ok "no journal is left" test ! -e "${NODE_DATA[old]}.rewind-journal"
if [[ $st == 0 ]]; then verify_standby "auto, by block compare" old new
else fail "auto, by block compare: verified (not attempted: the run failed)"; fi

if [[ "$REF_ENABLED" == 1 ]]; then
    st=0
    run_rewind_with "$PG_REWIND_REF" old_pgrewind new -R || st=$?
    is "$st" 0 "the reference pg_rewind rewinds the copy (it reads pg_control only)"
    ensure_standby_config old_pgrewind new "pg_rewind (reference)"
    node_start old_pgrewind
    wait_for_catchup old_pgrewind new
    # X is prepared there (hidden by the snapshot whatever the hint bits
    # say): promoted and X rolled back, the wrong hint bits show X's rows
    node_promote old_pgrewind
    node_psql old_pgrewind "ROLLBACK PREPARED 'x';"
    rows=$(node_psql old_pgrewind "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'")
    note "rows of X on the node pg_rewind made, after rolling X back: $rows"
    ok "... into a node that shows X's updates after rolling X back" test "$rows" -gt 0
    node_stop old_pgrewind fast
fi
done_testing

#!/usr/bin/env bash
# Issue 12, the full-page-write proof per block.  Between the last common
# checkpoint and the divergence point the old primary runs for a while with
# full_page_writes = off: the pages a prepared transaction X updates then
# get no full-page image at their first change after the redo point, so WAL
# replay would start from the target's own page.  After the divergence the
# old primary commits X and a SELECT sets hint bits on those pages without
# any WAL (their LSN is past the redo pointer).  Those blocks must be copied:
# if they were left to replay, the rewound node would keep the hint bits
# that say X committed, and once X is rolled back there it would show X's
# updates (checked at the end, against the new primary after the same
# rollback).  Pages whose first change after
# the redo point did carry an image (before full_page_writes went off) are
# still left to replay: the proof is per block, not one flag for the range.
# The proof serves a recovery that starts at the last common checkpoint: the
# test keeps it there (the new primary's checkpoint after the divergence
# would otherwise let it start later; late-start.t covers that start).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
export REWIND_TEST_COMMON_START=1

node_init old
node_start old
# Sparse pages, so that X's updates are HOT updates on the same pages and
# the later SELECT prunes nothing (pruning would write WAL).
node_psql old "
CREATE TABLE hinted (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO hinted SELECT g, repeat('a', 60) FROM generate_series(1, 40000) g;
DELETE FROM hinted WHERE id % 10 <> 0;
VACUUM hinted;
CREATE TABLE other (id int PRIMARY KEY, v text);
INSERT INTO other SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_start new

# wait_fpw_change ON|OFF FROM — the checkpointer logged FPW_CHANGE after FROM
# (pg_waldump of 15 shows it on 15; elsewhere: the setting seen by new
# sessions, and a moment for the checkpointer, which got the same signal).
wait_fpw_change() {
    local want=$1 from=$2 i dump setting=on
    [[ "$want" == false ]] && setting=off
    if [[ "$PG_MAJOR" != 15 ]]; then
        wait_for_query old "SELECT current_setting('full_page_writes')" "$setting" 30 || return 1
        sleep 1
        return 0
    fi
    for ((i = 0; i < 150; i++)); do
        dump=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$from" 2>/dev/null || true)
        if grep -q "FPW_CHANGE $want" <<<"$dump"; then return 0; fi
        sleep 0.2
    done
    return 1
}

# The last common checkpoint; everything below happens after its redo point.
node_checkpoint old
node_psql old "UPDATE other SET v = 'common' WHERE id <= 2000;"
from=$(node_psql old "SELECT pg_current_wal_insert_lsn()")
node_psql old "ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();" >/dev/null
ok "full_page_writes off is logged" wait_fpw_change false "$from"
node_psql old "BEGIN; UPDATE hinted SET v = 'X-COMMITTED-ONLY-ON-OLD'; PREPARE TRANSACTION 'x';"
node_psql old "ALTER SYSTEM SET full_page_writes = on; SELECT pg_reload_conf();" >/dev/null
ok "full_page_writes on is logged" wait_fpw_change true "$from"
wait_for_catchup new old

node_promote new
node_checkpoint new
node_psql new "INSERT INTO other SELECT g, 'new-primary' FROM generate_series(5001, 6000) g;"

node_psql old "COMMIT PREPARED 'x';"
node_psql old "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';" >/dev/null
node_psql old "UPDATE other SET v = 'OLD-ONLY' WHERE id BETWEEN 4000 AND 4100;"
hinted_file=$(node_psql old "SELECT pg_relation_filepath('hinted')")
hinted_pages=$(node_psql old "SELECT pg_relation_size('hinted') / current_setting('block_size')::int")
expect_gone old postgres "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'" \
    "rows of a transaction committed on the old primary after the divergence"
expect_gone old postgres "SELECT count(*) FROM other WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
node_stop old fast

# The premise (pg_waldump of 15 reads only 15's WAL): no record after the
# divergence point refers to a page of "hinted", and X's updates carry no
# full-page image.
div=$(history_switchpoint new "$(node_tli new)" "$(control_tli old)")
if [[ "$PG_MAJOR" == 15 ]]; then
    dump=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$from" 2>/dev/null || true)
    rel="1663/${hinted_file#base/} "   # as pg_waldump names it: tablespace/database/file
    after=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$div" 2>/dev/null \
            | grep -c "rel $rel" || true)
    is "$after" 0 "no WAL record after the divergence point $div refers to ${hinted_file}"
    ok "WAL after full_page_writes went off refers to ${hinted_file}" grep -q "rel $rel" <<<"$dump"
    is "$(grep "rel $rel" <<<"$dump" | grep -c "FPW" || true)" 0 "... without any full-page image"
else
    skip "WAL premise checked with pg_waldump" "pg_waldump here reads PostgreSQL 15's WAL only"
fi

run_rewind old new --dry-run --format json || true
json=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d')
note "plan blocks: $(jq -c '.plan.blocks' <<<"$json")"
is "$(jq -r '.plan.blocks.mode' <<<"$json")" since-divergence \
    "full_page_writes off for a while does not make every block since the redo point copied"
partial=$(jq '.plan.blocks.partial_first_blocks' <<<"$json")
ok "the pages of X ($hinted_pages) are copied: their first change has no image ($partial such blocks)" \
    test "$partial" -ge "$hinted_pages"
ok "pages whose first change had an image are left to replay ($(jq '.plan.blocks.replayed_blocks' <<<"$json"))" \
    test "$(jq '.plan.blocks.replayed_blocks' <<<"$json")" -ge 1

rewind_and_verify old new
is "$(node_psql new "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'x'")" 1 \
    "the new primary still has X prepared, never committed"
# While X is prepared its rows are hidden by the snapshot whatever the hint
# bits say; once it is rolled back a wrong "committed" hint bit would show
# them.  The rewound node (promoted by the verification) rolls X back: none
# of X's rows may be seen, as on the new primary after the same rollback.
node_start old
node_psql old "ROLLBACK PREPARED 'x';"
node_psql new "ROLLBACK PREPARED 'x';"
x_rows="SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'"
is "$(node_psql new "$x_rows")" 0 "the new primary shows none of X's rows after rolling it back"
is "$(node_psql old "$x_rows")" 0 "the rewound node shows none of X's rows after rolling it back"
is "$(node_psql old "SELECT count(*) || ' ' || sum(hashtext(v)) FROM hinted")" \
    "$(node_psql new "SELECT count(*) || ' ' || sum(hashtext(v)) FROM hinted")" "... and the same rows as the new primary"
node_stop old fast
done_testing

#!/usr/bin/env bash
# Issue 5, blocks: with full-page writes on, only blocks the old primary's WAL
# references after the divergence point are copied; blocks changed only
# between the last common checkpoint and the divergence point are left to WAL
# replay, whose first full-page image of each overwrites the target's page.
#
# The scenario attacks exactly that: after the last common checkpoint, a
# prepared transaction X updates rows on pages that are not copied.  The new
# primary is promoted while X is still prepared (so on the new timeline X is
# never committed).  Then the old primary commits X and a SELECT sets hint
# bits (xmin committed on the new row versions, xmax committed on the old
# ones) on those pages.  Their LSN is past the redo pointer, so no WAL at all
# is written for that, and nothing after the divergence point references the
# pages.  If replay did not overwrite them, the rewound node would keep the
# hint bits and, once X is rolled back there, show X's updates, which the
# new primary does not have (checked after the verification).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
# Sparse pages: rows deleted and vacuumed away leave room, so X's updates are
# HOT updates on the same page and no page is full enough to be pruned by the
# later SELECT (pruning would write WAL and make the page copied).
node_psql old "
CREATE TABLE hinted (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO hinted SELECT g, repeat('a', 60) FROM generate_series(1, 40000) g;
DELETE FROM hinted WHERE id % 10 <> 0;
VACUUM hinted;
CREATE TABLE other (id int PRIMARY KEY, v text);
INSERT INTO other SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_backup_standby old new
node_start new

# The last common checkpoint; everything below happens after its redo point.
node_checkpoint old
node_psql old "
UPDATE other SET v = 'common' WHERE id <= 2000;
BEGIN; UPDATE hinted SET v = 'X-COMMITTED-ONLY-ON-OLD'; PREPARE TRANSACTION 'x';"
wait_for_catchup new old

node_promote new
node_checkpoint new
node_psql new "INSERT INTO other SELECT g, 'new-primary' FROM generate_series(5001, 6000) g;"

# After the divergence, on the old primary: commit X (a record without block
# references), then set hint bits only, then an ordinary change elsewhere.
node_psql old "COMMIT PREPARED 'x';"
node_psql old "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';" >/dev/null
node_psql old "UPDATE other SET v = 'OLD-ONLY' WHERE id BETWEEN 4000 AND 4100;"
hinted_file=$(node_psql old "SELECT pg_relation_filepath('hinted')")
expect_gone old postgres "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'" \
    "rows of a transaction committed on the old primary after the divergence"
expect_gone old postgres "SELECT count(*) FROM other WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
node_stop old fast

# The premise: no WAL record after the divergence point refers to a page of
# "hinted" (the hint bits were set without WAL), so the pages are not copied.
div=$(history_switchpoint new "$(node_tli new)" "$(control_tli old)")
refs=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$div" 2>/dev/null \
       | grep -c "rel 1663/${hinted_file#base/} " || true)
is "$refs" 0 "no WAL record after the divergence point $div references ${hinted_file}"

# The plan, before the rewind: blocks since the divergence only, and fewer
# than every block since the redo point; none of the pages of "hinted" is
# referenced after the divergence, so none is copied.
run_rewind old new --dry-run --format json || true
json=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d')
is "$(jq -r '.plan.blocks.mode' <<<"$json")" since-divergence "plan copies blocks changed after the divergence point only"
copied=$(jq '[.plan.actions[] | select(.action == "copy blocks") | .blocks] | add' <<<"$json")
replayed=$(jq '.plan.blocks.replayed_blocks' <<<"$json")
note "blocks copied: $copied; changed only before the divergence point (replayed): $replayed"
ok "blocks left to replay ($replayed) include the pages of the prepared transaction" test "$replayed" -ge 40
ok "fewer blocks copied than every block since the redo point ($copied < $((copied + replayed)))" \
    test "$copied" -lt "$((copied + replayed))"

rewind_and_verify old new
is "$(node_psql new "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'x'")" 1 \
    "the new primary still has X prepared, never committed"
# While X is prepared the snapshot hides its rows whatever the hint bits
# say (compare_nodes and pg_amcheck cannot see wrong ones); rolled back on
# both, a wrong "committed" hint bit on the rewound node would show them.
node_start old
node_psql old "ROLLBACK PREPARED 'x';"
node_psql new "ROLLBACK PREPARED 'x';"
x_rows="SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'"
is "$(node_psql new "$x_rows")" 0 "the new primary shows none of X's rows after rolling it back"
is "$(node_psql old "$x_rows")" 0 "the rewound node shows none of X's rows after rolling it back"
node_stop old fast

# Full-page writes off for a while between the checkpoint and the divergence
# point: the blocks changed then without an image are copied (dry run on a
# second split brain; field-fpw-per-block.t rewinds such a case).
node_init old2 --checksums
node_start old2
node_psql old2 "CREATE TABLE t (id int, v text); INSERT INTO t SELECT g, 'a' FROM generate_series(1, 5000) g;"
node_backup_standby old2 new2
node_start new2
node_checkpoint old2
# wait_fpw_change ON|OFF FROM — the checkpointer logged FPW_CHANGE after FROM.
# pg_waldump (of 15) proves it on 15; other majors have no pg_waldump here, so
# wait until new sessions see the setting and give the checkpointer, which got
# the same reload signal, a moment.  The plan's partial_first_blocks below
# then shows blocks changed without an image.
wait_fpw_change() {
    local want=$1 from=$2 i dump setting=on
    [[ "$want" == false ]] && setting=off
    if [[ "$PG_MAJOR" != 15 ]]; then
        wait_for_query old2 "SELECT current_setting('full_page_writes')" "$setting" 30 || return 1
        sleep 1
        return 0
    fi
    for ((i = 0; i < 150; i++)); do
        # (pg_waldump fails at the end of WAL, after printing the records)
        dump=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old2]}/pg_wal" -s "$from" 2>/dev/null || true)
        if grep -q "FPW_CHANGE $want" <<<"$dump"; then return 0; fi
        sleep 0.2
    done
    return 1
}
from=$(node_psql old2 "SELECT pg_current_wal_insert_lsn()")
node_psql old2 "ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();" >/dev/null
ok "full_page_writes off is logged" wait_fpw_change false "$from"
node_psql old2 "UPDATE t SET v = 'b' WHERE id <= 1000;
ALTER SYSTEM SET full_page_writes = on; SELECT pg_reload_conf();" >/dev/null
ok "full_page_writes on is logged" wait_fpw_change true "$from"
wait_for_catchup new2 old2
node_promote new2
node_psql old2 "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4900;"
node_stop old2 fast
run_rewind old2 new2 --dry-run --format json || true
json=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d')
# The proof is per block: the pages updated while full_page_writes was off
# have no image at their first change and are copied; the plan still copies
# only those and the blocks changed after the divergence point.
t_pages=$(jq '[.plan.actions[] | select(.action == "copy blocks") | .blocks] | add' <<<"$json")
is "$(jq -r '.plan.blocks.mode' <<<"$json")" since-divergence "full_page_writes toggled before the divergence: decided per block"
ok "blocks changed without an image while full_page_writes was off are copied" \
    test "$(jq '.plan.blocks.partial_first_blocks' <<<"$json")" -ge 1
note "blocks copied: $t_pages; first changed without an image: $(jq '.plan.blocks.partial_first_blocks' <<<"$json")"
done_testing

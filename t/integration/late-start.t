#!/usr/bin/env bash
# Recovery of the rewound node starts at the source's last checkpoint when
# that checkpoint is past the divergence point and starting there costs
# fewer copied bytes than the WAL replay it saves (doc/correctness.md,
# "Where recovery starts").  Two kinds of blocks must then be copied that
# replay from the last common checkpoint would have restored:
#  - blocks the source changed between the divergence point and its
#    checkpoint ("src_only", which the old primary never touches after the
#    last common checkpoint): replay from the later point skips those
#    changes;
#  - blocks the old primary changed only before the divergence point, whose
#    first change after the last common checkpoint is a full-page image
#    ("hinted", updated by a transaction X prepared before the divergence).
#    After the divergence the old primary commits X and a SELECT sets hint
#    bits on those pages without WAL (their LSN is past its redo pointer).
#    Replay from the common checkpoint would rewrite those pages from the
#    images; replay from the later point does not, so the node would keep
#    hint bits that say X committed, and once X is rolled back there it
#    would show X's rows.
# Expected values come from PostgreSQL: the source's redo point from
# pg_control_checkpoint(), the start the node took from its backup_label,
# and the data of both nodes.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

lsn_int() { local hi=${1%/*} lo=${1#*/}; echo $(( (16#$hi << 32) + 16#$lo )); }

node_init old
node_start old
# Sparse pages, so that X's updates are HOT updates on the same pages and
# the later SELECT prunes nothing (pruning would write WAL).
node_psql old "
CREATE TABLE hinted (id int PRIMARY KEY, v text NOT NULL);
INSERT INTO hinted SELECT g, repeat('a', 60) FROM generate_series(1, 40000) g;
DELETE FROM hinted WHERE id % 10 <> 0;
VACUUM hinted;
CREATE TABLE src_only (id int PRIMARY KEY, v text);
INSERT INTO src_only SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_backup_standby old new
node_start new

# The last common checkpoint; X's updates are the first change of hinted's
# pages after its redo point, with full-page images.
node_checkpoint old
node_psql old "BEGIN; UPDATE hinted SET v = 'X-COMMITTED-ONLY-ON-OLD'; PREPARE TRANSACTION 'x';"
wait_for_catchup new old
node_promote new

# The source changes src_only, writes 96 MB of WAL that changes no block (so
# that starting later saves more replay than it costs in copies, weighted as
# steps_late_start.c does), and checkpoints.
node_psql new "UPDATE src_only SET v = 'new-primary' WHERE id % 7 = 0;"
node_psql new "SELECT count(pg_logical_emit_message(false, 'filler', repeat('x', 1000000)))
               FROM generate_series(1, 96);" >/dev/null
node_checkpoint new

node_psql old "COMMIT PREPARED 'x';"
node_psql old "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD';" >/dev/null
node_psql old "INSERT INTO hinted VALUES (1, 'OLD-ONLY');"
expect_gone old postgres "SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'" \
    "rows of a transaction committed on the old primary after the divergence"
node_stop old fast

div=$(history_switchpoint new "$(node_tli new)" "$(control_tli old)")
redo=$(node_psql new "SELECT redo_lsn FROM pg_control_checkpoint()")
ok "the source's last redo point $redo is past the divergence point $div" \
    test "$(lsn_int "$redo")" -gt "$(lsn_int "$div")"

# The dry run plans the same start (it reads the source's WAL as the run does).
run_rewind old new --dry-run --format json || true
json=$(sed -n '/^{/,$p' "$REWIND_OUT" | sed '/^\[exit status/d')
is "$(jq -r '.plan.blocks.since_redo_reason' <<<"$json")" "recovery starts at the source's last checkpoint" \
    "the dry run's plan starts recovery at the source's last checkpoint"

rewind_and_verify old new --debug
tool_out=$SCRATCH/rewind-2-old.out   # after the dry run, the tool runs first (rewind_and_verify)
like "$(cat "$tool_out")" "recovery starts at the source's last redo point $redo" \
    "the tool says recovery starts at the source's redo point"
label=${NODE_DATA[old]}/backup_label.old
[[ -f "$label" ]] || label=${NODE_DATA[old]}/backup_label
is "$(sed -n 's/^START WAL LOCATION: \([0-9A-F\/]*\) .*/\1/p' "$label")" "$redo" \
    "the rewound node's backup label starts recovery at the source's redo point"
# The node replays from the source's redo point on: the source's segments
# wholly before it are not copied (the target's own, before the divergence
# point, stay).
redo_seg=$(( $(lsn_int "$redo") / (16 * 1024 * 1024) ))
src_tli=$(node_tli new)
early=0
for f in "${NODE_DATA[old]}"/pg_wal/*; do
    name=${f##*/}
    [[ "$name" =~ ^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})$ ]] || continue
    (( 16#${BASH_REMATCH[1]} == src_tli && 16#${BASH_REMATCH[2]} * 256 + 16#${BASH_REMATCH[3]} < redo_seg )) &&
        early=$((early + 1))
done
is "$early" 0 "no segment of the source's timeline before its redo point's was copied"
is "$(node_psql new "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'x'")" 1 \
    "the new primary still has X prepared, never committed"

# The rewound node (promoted by the verification) and the new primary roll
# X back: neither may show X's rows.
node_start old
node_psql old "ROLLBACK PREPARED 'x';"
node_psql new "ROLLBACK PREPARED 'x';"
x_rows="SELECT count(*) FROM hinted WHERE v = 'X-COMMITTED-ONLY-ON-OLD'"
is "$(node_psql new "$x_rows")" 0 "the new primary shows none of X's rows after rolling it back"
is "$(node_psql old "$x_rows")" 0 "the rewound node shows none of X's rows after rolling it back"
both="SELECT count(*) || ' ' || sum(hashtext(v)) FROM"
is "$(node_psql old "$both hinted")" "$(node_psql new "$both hinted")" "hinted: the same rows as the new primary"
is "$(node_psql old "$both src_only")" "$(node_psql new "$both src_only")" \
    "src_only: the same rows as the new primary (its changes before the source's checkpoint)"
node_stop old fast
done_testing

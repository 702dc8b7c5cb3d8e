#!/usr/bin/env bash
# Issue 12, layouts: clusters made with initdb --wal-segsize.  Sizes from
# WAL_SEGSIZES (MB, default "1 64"; 1024 runs when REWIND_TEST_1GB_WAL=1 or
# when WAL_SEGSIZES names it: it takes over a minute and a few GB of disk).  For each: the last common checkpoint lies
# several segments before the divergence point, the old primary's own WAL
# after it spans segments, and the rewound node verifies; its WAL files have
# the cluster's segment size (as the restarted server reports it).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

sizes=${WAL_SEGSIZES:-1 64}
if [[ "${REWIND_TEST_1GB_WAL:-0}" == 1 && " $sizes " != *" 1024 "* ]]; then sizes+=" 1024"; fi

seg_sql="SELECT pg_size_bytes(current_setting('wal_segment_size'))"

# scenario MB — a split brain of two clusters with MB-megabyte segments.
scenario() {
    local mb=$1 old=old$1 new=new$1 seg_bytes=$(($1 * 1024 * 1024)) i lsn_ckpt lsn_div
    node_init "$old" --wal-segsize="$mb"
    # min_wal_size must be at least two segments; keep few of them around
    node_conf "$old" "min_wal_size = '$((2 * mb < 32 ? 32 : 2 * mb))MB'" \
        "max_wal_size = '$((4 * mb < 96 ? 96 : 4 * mb))MB'" \
        "wal_keep_size = '$((8 * mb < 128 ? 128 : 8 * mb))MB'"
    node_start "$old"
    is "$(node_psql "$old" "$seg_sql")" "$seg_bytes" "$mb MB: the cluster has ${mb}MB segments"
    node_psql "$old" "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 20000) g;"
    node_backup_standby "$old" "$new"
    node_start "$new"
    node_checkpoint "$old"
    lsn_ckpt=$(node_psql "$old" "SELECT pg_current_wal_insert_lsn()")
    # common WAL over several segments between the checkpoint and the divergence
    for i in 1 2 3; do
        node_psql "$old" "UPDATE t SET v = 'common$i' WHERE id % 3 = $((i % 3));" >/dev/null
        # (1 MB: the updates fill segments; 1 GB: one switch, to keep the disk small)
        if [[ $mb -gt 1 && ( $mb -lt 1024 || $i == 1 ) ]]; then
            node_psql "$old" "SELECT pg_switch_wal()" >/dev/null
        fi
    done
    wait_for_catchup "$new" "$old"
    lsn_div=$(node_psql "$old" "SELECT pg_current_wal_insert_lsn()")
    ok "$mb MB: the divergence point ($lsn_div) is segments after the last checkpoint ($lsn_ckpt)" \
        test "$(node_psql "$old" "SELECT (pg_walfile_name('$lsn_div') > pg_walfile_name('$lsn_ckpt'))::text")" = true
    node_promote "$new"
    node_checkpoint "$new"
    node_psql "$new" "INSERT INTO t SELECT g, 'new' FROM generate_series(20001, 21000) g;"
    node_psql "$old" "UPDATE t SET v = 'OLD-ONLY' WHERE id BETWEEN 1000 AND 6000;
SELECT pg_switch_wal();
UPDATE t SET v = 'OLD-ONLY' WHERE id BETWEEN 8000 AND 9000;" >/dev/null
    expect_gone "$old" postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
    node_stop "$old" fast

    rewind_and_verify "$old" "$new" -R

    # (the npm majors have no pg_controldata: the server itself says what its pg_control holds)
    node_start "$old"
    is "$(node_psql "$old" "$seg_sql")" "$seg_bytes" \
        "$mb MB: the rewound node runs with ${mb}MB segments"
    node_stop "$old" fast
    local wrong
    wrong=$(find "${NODE_DATA[$old]}/pg_wal/" -maxdepth 1 -type f -regextype posix-extended \
            -regex '.*/[0-9A-F]{24}' ! -size "${seg_bytes}c" | head -n 3)
    is "$wrong" "" "$mb MB: every WAL segment of the rewound node is $seg_bytes bytes"
    # the segments' disk is freed at the end of the test; free it now for big ones
    if [[ $mb -ge 1024 ]]; then as_pg rm -rf "${NODE_DATA[$old]}" "${NODE_DATA[$new]}"; fi
}

for mb in $sizes; do
    start=$SECONDS
    scenario "$mb"
    note "$mb MB segments: $((SECONDS - start)) s"
done
done_testing

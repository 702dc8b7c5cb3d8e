#!/usr/bin/env bash
# Fault: a really full disk.  The target data directory (a copy of the
# stopped old primary) and thus its journal (beside it) live on a small
# tmpfs of their own, with a few MB free while the rewind needs far more
# (a large table exists only on the source).
#   1. The free-space pre-check refuses, naming what it needs, what is free
#      and where; the target is unchanged and no journal is left.
#   2. With the pre-check fooled (REWIND_TEST_FREE_BYTES), the copy hits
#      ENOSPC mid-way: a clear error that says what to do next; the journal
#      is left.  --rollback, on the still full disk, restores the target
#      byte for byte.  From the same interrupted state, once the file system
#      is grown (remount), a plain rerun rolls back, rewinds afresh and the
#      node is verified as a standby of the source.
# Needs root (mount); skipped otherwise.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="the target lives on a small file system of its own"

MNT=$SCRATCH/disk
MOUNTED=0
skip_all() { skip "fault-disk" "$1"; done_testing; exit 0; }
if [[ $(id -u) -ne 0 ]]; then skip_all "mounting a tmpfs needs root"; fi
mkdir -p "$MNT"
pg_uid=$(id -u "$PG_OS_USER"); pg_gid=$(id -g "$PG_OS_USER")
if ! mount -t tmpfs -o "size=1024m,mode=0700,uid=$pg_uid,gid=$pg_gid" tmpfs "$MNT" 2>"$SCRATCH/mount.err"; then
    skip_all "mount -t tmpfs is not permitted here: $(cat "$SCRATCH/mount.err")"
fi
MOUNTED=1

# Stop a server on the tmpfs and unmount it before the harness cleans up
# (by data directory, never by name; bounded by pg_ctl's timeout).
_disk_cleanup() {
    local rc=$?
    trap - ERR
    set +e
    if [[ "$MOUNTED" == 1 ]]; then
        if [[ -f "$MNT/data/postmaster.pid" ]]; then
            as_pg "$PGBIN/pg_ctl" stop -D "$MNT/data" -m immediate -w -t 30 >/dev/null 2>&1
        fi
        umount "$MNT" || umount -l "$MNT"
    fi
    (exit "$rc")
    _cleanup
}
trap _disk_cleanup EXIT

# remount_avail BYTES — resize the tmpfs so that about BYTES are free.
remount_avail() {
    local used
    used=$(df -B1 --output=used "$MNT" | tail -n 1 | tr -d ' ')
    mount -o "remount,size=$(( (used + $1) / 1024 ))k" "$MNT"
}
avail_kb() { df -B1K --output=avail "$MNT" | tail -n 1 | tr -d ' '; }

node_init old
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_failover old new
# ~50 MB only on the source: copied whole into the target
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;
CREATE TABLE big_on_new AS SELECT g AS id, repeat(md5(g::text), 8) AS pad
  FROM generate_series(1, 160000) g;
CHECKPOINT;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
SELECT pg_switch_wal();
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 120000) g;" >/dev/null
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

# The target: a copy of the old primary, moved onto the tmpfs.
node_copy old tgt
cp -a "${NODE_DATA[tgt]}" "$MNT/data"
rm -rf "${NODE_DATA[tgt]}"
NODE_DATA[tgt]=$MNT/data
JOURNAL=$MNT/data.rewind-journal
remount_avail $((8 * 1024 * 1024))
note "target on a tmpfs of its own: $(df -h --output=size,used,avail "$MNT" | tail -n 1)"

before=$(content_fingerprint "${NODE_DATA[tgt]}")

# 1. The pre-check refuses: nothing is changed.
snap=$(snapshot_dir "${NODE_DATA[tgt]}")
st=0; run_rewind tgt new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "real full disk: the pre-check refuses (exit status 1)"
like "$out" "error: not enough free disk space to rewind: need [0-9.]+ [kMG]B \\(.*new data\\), have [0-9.]+ [kMG]B on the file system of \"$MNT/data\"" \
    "... naming what it needs, what is free, and the file system"
last_ok || diag "$out"
like "$out" 'hint: Free at least .* and run again; the target was not changed' "... and what to do"
is "$(snapshot_dir "${NODE_DATA[tgt]}" | sha256sum)" "$(sha256sum <<<"$snap")" "... the target is unchanged"
ok "... no journal was created" test ! -e "$JOURNAL"

# 2. The pre-check fooled: ENOSPC in the middle of the copy.
st=0; as_pg env REWIND_TEST_FREE_BYTES=$((1 << 40)) "$TOOL" --target-pgdata="${NODE_DATA[tgt]}" \
    --source-server="$(source_connstr new)" -R >"$SCRATCH/enospc.out" 2>&1 || st=$?
out=$(cat "$SCRATCH/enospc.out")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "ENOSPC mid-copy: rewind fails (exit status 1)"
like "$out" 'error: .*No space left on device' "... with the system's reason"
like "$out" "error: could not [a-z]+ .*\"" "... naming what it could not do, and where"
like "$out" 'hint: .*run rewind again with the same options to finish.*--rollback' \
    "... hinting that a rerun finishes or --rollback undoes"
unlike "$out" 'Done!' "... and does not claim success"
unlike "$out" 'AddressSanitizer|runtime error' "... and fails cleanly (no sanitizer report)"
# (the run's lock file, removed as it exits, frees a page: df rounds up to 1 MB)
ok "... the file system was really full" test "$(avail_kb)" -lt 64
ok "the journal is left beside the target" test -f "$JOURNAL/journal"

# Keep the interrupted state (on the scratch disk) for the rerun below.
HALF=$SCRATCH/half
mkdir -p "$HALF"
cp -a "${NODE_DATA[tgt]}" "$HALF/data"
cp -a "$JOURNAL" "$HALF/data.rewind-journal"

rollback_and_check "on the full disk" tgt new "$before"

# The interrupted state back, the file system grown, a plain rerun.
rm -rf "${NODE_DATA[tgt]}" "$JOURNAL"
mount -o remount,size=1024m "$MNT"
cp -a "$HALF/data" "${NODE_DATA[tgt]}"
cp -a "$HALF/data.rewind-journal" "$JOURNAL"
rm -rf "$HALF"
note "file system grown: $(df -h --output=size,used,avail "$MNT" | tail -n 1)"
rewind_and_verify tgt new -R
like "$(cat "$REWIND_OUT")" 'rolling back' "the rerun rolled the interrupted run back first"
ok "the rerun removed the journal" test ! -e "$JOURNAL"
done_testing

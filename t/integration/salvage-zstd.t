#!/usr/bin/env bash
# --salvage and full-page images compressed with zstd (wal_compression =
# zstd, 15+): rewind has no zstd library, so such an image is not read.  A
# removed row version that the old primary pruned from its page, and that
# only such an image still shows, is counted and its ctid named in the
# manifest under not_saved_zstd_page_image (the reason), not lost silently
# nor mixed with the versions no image holds; the run goes on.
#
# Table z: its page is last written before the standby's backup checkpoint;
# after the divergence the old primary sets wal_compression = zstd, takes a
# CHECKPOINT (so the next change logs an image), deletes id 3 (the image, in
# the delete's record, is compressed with zstd: pg_waldump says so) and
# VACUUM prunes it.  The new primary never writes z's page after the
# divergence, so its copy is not used either.  Table p: the same with
# wal_compression = pglz, from an image rewind reads: saved.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }
if [[ "$PG_MAJOR" == 14 ]]; then
    skip "zstd page images" "wal_compression = zstd is 15+"
    done_testing; exit 0
fi

node_init old --checksums
node_start old
if ! node_psql old "SELECT 'zstd' = ANY(enumvals) FROM pg_settings WHERE name = 'wal_compression'" | grep -q t; then
    skip "zstd page images" "this server was built without zstd (the npm builds of some majors)"
    node_stop old fast
    done_testing; exit 0
fi
node_psql old "
CREATE TABLE z (id int, v text);
INSERT INTO z SELECT g, 'z ' || g FROM generate_series(1, 5) g;
CREATE TABLE p (id int, v text);
INSERT INTO p SELECT g, 'p ' || g FROM generate_series(1, 5) g;
CHECKPOINT;"
Z_CTID=$(node_psql old "SELECT ctid FROM z WHERE id = 3")
node_failover old new
node_psql new "CREATE TABLE other (a int); INSERT INTO other VALUES (1); CHECKPOINT;"

START_LSN=$(node_psql old "SELECT pg_current_wal_lsn()")
node_psql old "ALTER SYSTEM SET wal_compression = zstd; SELECT pg_reload_conf();" >/dev/null
node_psql old "CHECKPOINT"
node_psql old "DELETE FROM z WHERE id = 3"
node_psql old "ALTER SYSTEM SET wal_compression = pglz; SELECT pg_reload_conf();" >/dev/null
node_psql old "DELETE FROM p WHERE id = 3"
node_psql old "VACUUM z"
node_psql old "VACUUM p"
is "$(node_psql old "SELECT count(*) FROM z")" 4 "z keeps 4 rows"
node_stop old fast
REL=$(node_psql new "SELECT '1663/' || d.oid || '/' || pg_relation_filenode('z') FROM pg_database d WHERE datname = current_database()")
dump=$(as_pg "$PGBIN/pg_waldump" -b -p "${NODE_DATA[old]}/pg_wal" -s "$START_LSN" \
       --relation="$REL" --block=0 2>/dev/null || true)
like "$dump" "method: zstd" "pg_waldump: the image of z's page is compressed with zstd"

DRY=$SCRATCH/salvage-dry
rc=0; run_rewind old new --dry-run --salvage "$DRY" || rc=$?
is "$rc" 0 "dry run with --salvage: exit status 0"
last_ok || diag "$(tail -n 20 "$REWIND_OUT")"
tbl=$(jq -c '.tables[] | select(.table == "z")' "$DRY/manifest.json")
is "$(jq -r '[.not_saved_zstd_page_image.count, (.not_saved_zstd_page_image.ctids | join(" ")), .not_saved_pruned.count, (.files.removed // "none")] | @tsv' <<<"$tbl")" \
   "$(printf '1\t%s\t0\tnone' "$Z_CTID")" \
   "z: the row only a zstd image holds is counted and named by its ctid, under the zstd reason"
like "$(cat "$REWIND_OUT")" "1 not saved" "the dry run's summary counts it as not saved"
is "$(jq -r '.tables[] | select(.table == "p") | [.files.removed.rows, .not_saved_zstd_page_image.count] | @tsv' "$DRY/manifest.json")" \
   "$(printf '1\t0')" "p: the row from a pglz image is saved"
is "$(tail -n +2 "$DRY/postgres/public.p.removed.csv")" "3,p 3" "p: the removed row is id 3"

SKIP_REF_REASON="--salvage is an option of rewind only"
rewind_and_verify old new --salvage "$SCRATCH/salvage-real"

done_testing

#!/usr/bin/env bash
# --salvage: a removed row version that the old primary already pruned from
# its page, when no full-page image in its WAL holds it, is taken from the
# source's copy of the page where that version is unchanged there; else it is
# counted and its ctid named in the manifest.
#
# How the scan is made to miss every image: the page of table t is last
# written before the last common checkpoint (the standby's backup checkpoint),
# so no image of it is logged between that checkpoint's redo point and the
# divergence; after the divergence the old primary runs with
# full_page_writes = off (reloaded, then a CHECKPOINT so the checkpointer has
# taken the new value), so its updates, deletes and the VACUUM that prunes
# them log no image either (checked with pg_waldump on 15).  On the source
# (the new primary) the same page is written after the divergence and
# checkpointed, so its file holds a state from after the divergence.
#
# Old primary after the divergence: HOT updates of ids 1 and 2, a delete of
# 3, a non-HOT update of 4 (its key), deletes of 5 and 6, an insert; VACUUM.
# New primary: a HOT update of 5 (its slot becomes a redirect after VACUUM)
# and a delete of 6 whose slot a new row reuses (an xmin from after the
# divergence).  So 1-4 come from the source's page, 5 and 6 are not saved and
# named by their ctids (PostgreSQL's, read before the lost transactions).
# Table w: a row with a value stored out of line, deleted and vacuumed on the
# old primary (its TOAST chunks too), taken from the source's page: the value
# is not in the target's TOAST table any more, so it is read from the
# source's TOAST table (its chunks there are from before the divergence);
# the row is saved whole, as the source gives it.
# Table x: the page has a full-page image from before the divergence (its
# first change after the standby's backup checkpoint, a delete of id 2), then
# still before it VACUUM frees that slot and id 20 takes it; after the
# divergence the old primary deletes id 20 and prunes it.  The image shows
# the slot's earlier occupant (id 2): it is not used (a row was written into
# the page after it), id 20 comes from the source's page.
# Table u: the old primary deletes a row the same way, but the new primary
# never writes u's page after the divergence; its file may lag the server's
# buffers and is not used: the row is counted and named, not saved.
# The oracle: a copy of the old primary gives "before EXCEPT ALL end".
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text) WITH (fillfactor = 50);
INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 20) g;
CREATE TABLE before_t AS SELECT * FROM t;
CREATE TABLE w (id int, big text);
ALTER TABLE w ALTER COLUMN big SET STORAGE EXTERNAL;
INSERT INTO w SELECT g, repeat('big ' || g, 2000) FROM generate_series(1, 3) g;
CREATE TABLE x (id int, v text) WITH (fillfactor = 50);
INSERT INTO x SELECT g, 'x ' || g FROM generate_series(1, 5) g;
CREATE TABLE u (id int, v text);
INSERT INTO u SELECT g, 'u ' || g FROM generate_series(1, 5) g;
CHECKPOINT;"
is "$(node_psql old "SELECT pg_relation_size('t') / current_setting('block_size')::int")" 1 "t has one page"
START_LSN=$(node_psql old "SELECT pg_current_wal_lsn()")
LOST_CTIDS=$(node_psql old "SELECT ctid FROM t WHERE id IN (5, 6) ORDER BY ctid")
U_CTID=$(node_psql old "SELECT ctid FROM u WHERE id = 3")
# node_failover, with writes on the old primary while the standby follows
node_backup_standby old new
node_start new
X2_CTID=$(node_psql old "SELECT ctid FROM x WHERE id = 2")
node_psql old "DELETE FROM x WHERE id = 2"
node_psql old "VACUUM x"
node_psql old "INSERT INTO x VALUES (20, 'took the slot of id 2'); CREATE TABLE before_x AS SELECT * FROM x;"
is "$(node_psql old "SELECT ctid FROM x WHERE id = 20")" "$X2_CTID" "x: id 20 took the slot of id 2 before the divergence"
wait_for_catchup new old
node_promote new
node_checkpoint new

# the new primary: changes 5 (HOT, pruned to a redirect) and reuses 6's slot
node_psql new "UPDATE t SET v = 'new side' WHERE id = 5; DELETE FROM t WHERE id = 6; VACUUM t;
UPDATE w SET id = 10 WHERE id = 1; UPDATE x SET v = 'new side' WHERE id = 1;"
node_psql new "INSERT INTO t VALUES (1000, 'new primary row'); CHECKPOINT;"
is "$(node_psql new "SELECT ctid FROM t WHERE id = 1000")" "$(sed -n 2p <<<"$LOST_CTIDS")" \
   "the new primary's row took the slot of id 6"

# the old primary, full_page_writes off after the divergence
node_psql old "ALTER SYSTEM SET full_page_writes = off; SELECT pg_reload_conf();" >/dev/null
node_psql old "CHECKPOINT"
node_psql old "
UPDATE t SET v = v || ' hot' WHERE id IN (1, 2);
DELETE FROM t WHERE id IN (3, 5, 6);
UPDATE t SET id = 104 WHERE id = 4;
INSERT INTO t VALUES (2000, 'lost insert');
DELETE FROM u WHERE id = 3;
DELETE FROM w WHERE id = 2;
DELETE FROM x WHERE id = 20;"
node_psql old "VACUUM t"
node_psql old "VACUUM w"
node_psql old "VACUUM u"
node_psql old "VACUUM x"
is "$(node_psql old "SELECT current_setting('full_page_writes')")" off "old primary: full_page_writes is off"
node_stop old fast
if [[ -x "$PGCLIENT/pg_waldump" && "$PG_MAJOR" == 15 ]]; then
    REL=$(node_psql new "SELECT '1663/' || d.oid || '/' || pg_relation_filenode('t') FROM pg_database d WHERE datname = current_database()")
    dump=$(as_pg "$PGCLIENT/pg_waldump" -p "${NODE_DATA[old]}/pg_wal" -s "$START_LSN" \
           --relation="$REL" --block=0 2>/dev/null || true)
    ok "pg_waldump: the old primary's WAL has records of t's page" grep -q "blk 0" <<<"$dump"
    is "$(grep -c "blk 0 FPW" <<<"$dump" || true)" 0 "pg_waldump: no full-page image of t's page from the checkpoint on"
else
    skip "pg_waldump: records of t's page" "pg_waldump of PostgreSQL 15 reads WAL of 15 only"
    skip "pg_waldump: no full-page image" "pg_waldump of PostgreSQL 15 reads WAL of 15 only"
fi

# --- the oracle ---------------------------------------------------------------
node_copy old oracle
node_start oracle
node_psql oracle "
CREATE TABLE want_removed AS SELECT r::text AS r FROM before_t r EXCEPT ALL SELECT r::text FROM t r;
CREATE TABLE want_written AS SELECT r::text AS r FROM t r EXCEPT ALL SELECT r::text FROM before_t r;"
is "$(node_psql oracle "SELECT string_agg(r, ' ' ORDER BY r) FROM want_removed")" \
   "(1,\"row 1\") (2,\"row 2\") (3,\"row 3\") (4,\"row 4\") (5,\"row 5\") (6,\"row 6\")" \
   "the old primary removed ids 1 to 6"

# --- dry run -------------------------------------------------------------------
DRY=$SCRATCH/salvage-dry
rc=0; run_rewind old new --dry-run --salvage "$DRY" --debug || rc=$?
is "$rc" 0 "dry run with --salvage: exit status 0"
last_ok || diag "$(tail -n 20 "$REWIND_OUT")"
tbl=$(jq -c '.tables[] | select(.table == "t")' "$DRY/manifest.json")
is "$(jq -r '[.files.removed.rows, .files.written.rows] | @tsv' <<<"$tbl")" "$(printf '4\t4')" \
   "manifest: 4 removed versions saved (from the source's page), 4 written"
is "$(jq -r '.not_saved_pruned.count, (.not_saved_pruned.ctids | join(" "))' <<<"$tbl")" \
   "$(printf '2\n%s' "$(tr '\n' ' ' <<<"$LOST_CTIDS" | sed 's/ $//')")" \
   "manifest: ids 5 and 6 not saved, named by PostgreSQL's ctids"
is "$(jq -r '.tables[] | select(.table == "u") | [(.files.removed // "none"), .not_saved_pruned.count, .not_saved_pruned.ctids[0]] | @tsv' "$DRY/manifest.json")" \
   "$(printf 'none\t1\t%s' "$U_CTID")" "manifest: u's removed row not saved (the source's page is from before the divergence), named"
tbl=$(jq -c '.tables[] | select(.table == "w")' "$DRY/manifest.json")
is "$(jq -r '[.files.removed.rows, (.undecoded_columns | length)] | @tsv' <<<"$tbl")" \
   "$(printf '1\t0')" "w: the removed row saved, its vacuumed out-of-line value decoded"
is "$(tail -n +2 "$DRY/postgres/public.w.removed.csv")" \
   "$(node_psql new "COPY (SELECT * FROM w WHERE id = 2) TO STDOUT (FORMAT csv)")" \
   "w: the removed row is id 2 with its value, as the source has it"
is "$(tail -n +2 "$DRY/postgres/public.x.removed.csv")" \
   "$(node_psql oracle "COPY (SELECT * FROM before_x EXCEPT ALL SELECT * FROM x) TO STDOUT (FORMAT csv)")" \
   "x: the removed row is the slot's occupant at the divergence (id 20), not the image's"
ok "restore.sql loads the files" as_pg bash -c \
    "cd '$DRY' && '$PGCLIENT/psql' -X -q -v ON_ERROR_STOP=1 -h '$SOCKDIR' -p '${NODE_PORT[oracle]}' -U postgres -d postgres -f restore.sql >'$SCRATCH/restore.out' 2>&1"
last_ok || diag "$(cat "$SCRATCH/restore.out")"
got="SELECT r::text AS r FROM rewind_salvage.\"public.t.removed\" r"
is "$(node_psql oracle "SELECT count(*) FROM (($got EXCEPT ALL SELECT r FROM want_removed WHERE r !~ '^\\((5|6),')
        UNION ALL (SELECT r FROM want_removed WHERE r !~ '^\\((5|6),' EXCEPT ALL $got)) d")" 0 \
   "removed: the oracle's versions of ids 1 to 4, byte for byte"
got="SELECT r::text AS r FROM rewind_salvage.\"public.t.written\" r"
is "$(node_psql oracle "SELECT count(*) FROM (($got EXCEPT ALL SELECT r FROM want_written)
        UNION ALL (SELECT r FROM want_written EXCEPT ALL $got)) d")" 0 "written: the oracle's"
node_stop oracle fast

# --- the real run ----------------------------------------------------------------
SKIP_REF_REASON="--salvage is an option of rewind only"
rewind_and_verify old new --salvage "$SCRATCH/salvage-real"
ok "real run: removed versions as in the dry run" \
    cmp -s "$DRY/postgres/public.t.removed.csv" "$SCRATCH/salvage-real/postgres/public.t.removed.csv"

done_testing

#!/usr/bin/env bash
# --salvage=DIR: the rows the old primary loses, saved as CSV files before the
# rewind.  PostgreSQL is the oracle: a copy of the old primary, started before
# the rewind, gives each table as it is at the old primary's end ("end"); a
# copy of each table taken on the primary just before the failover
# (before_<table>, which the old primary also still has) gives it as it was at
# the divergence ("before").  After COPY-loading the files (restore.sql),
# written must equal "end EXCEPT ALL before" and removed "before EXCEPT ALL
# end", compared in SQL.  The old primary inserts, updates (HOT, non-HOT,
# several times the same rows), deletes, rolls back a subtransaction and a
# whole transaction, commits a prepared transaction and only locks a row.
# Two tables: "simple" (int, bigint, text, a dropped column) and "typed"
# (the built-in types of issue 14, arrays, an enum, a domain, a composite,
# values compressed inline and stored out of line with pglz, lz4 and none);
# both with columns added with a default after their rows were written
# (atthasmissing: the rows lack them, the catalog's attmissingval gives them).
# A table created after the divergence and one whose columns a lost
# transaction changed are saved raw (row_ctid, row_xmin, row_xmax, tuple), as the
# manifest says; their ctids are PostgreSQL's.
# A directory source (--source-pgdata) has no catalog: rows saved raw.  When
# no rewind is required nothing is lost and DIR is not written.
# The removed versions spilled to temporary files (test hook
# REWIND_TEST_SALVAGE_BUFFER) give the same files.
# Also: a non-empty DIR is refused with nothing changed; --check --salvage is
# a usage error; --dry-run --salvage
# writes DIR and leaves the target untouched; the real run's files equal the
# dry run's and the rewound node passes the usual verification.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }

TABLES=(simple typed)

node_init old --checksums
node_start old
# some builds of the server (e.g. the npm ones of 17) have no lz4
LZ4=$(node_psql old "SELECT CASE WHEN 'lz4' = ANY(enumvals) THEN 'lz4' ELSE 'pglz' END
                       FROM pg_settings WHERE name = 'default_toast_compression'")
[[ $LZ4 == lz4 ]] || note "this server has no lz4: ext_lz4 is compressed with pglz"
node_psql old "
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (x int, label text);
CREATE TABLE simple (id int PRIMARY KEY, n bigint, gone int, v text) WITH (fillfactor = 60);
ALTER TABLE simple DROP COLUMN gone;
INSERT INTO simple SELECT g, g * 1000000000::bigint, 'row ' || g FROM generate_series(1, 300) g;
INSERT INTO simple VALUES (0, NULL, NULL), (-1, -1, ''), (-2, 2, 'comma, \"quote\"
newline'), (-3, 3, '\\.');
-- added with defaults after the rows: the rows lack them (attmissingval)
ALTER TABLE simple ADD COLUMN extra int DEFAULT 42, ADD COLUMN note text DEFAULT 'd, \"q\"';
CREATE TABLE typed (
    id int PRIMARY KEY, i2 smallint, i8 bigint, o oid, f4 real, f8 double precision,
    num numeric, b bool, ch char(3), vc varchar(10), t text, nm name, by bytea,
    d date, tm time, tz timetz, ts timestamp, tstz timestamptz, iv interval,
    u uuid, j json, jb jsonb, ip inet, net cidr, mac macaddr,
    ia int[], ta text[], m mood, pi posint, p pair,
    dropped_here text,
    inline_c text, ext_pglz text, ext_lz4 text, ext_plain text);
ALTER TABLE typed DROP COLUMN dropped_here;
ALTER TABLE typed ALTER COLUMN ext_pglz SET COMPRESSION pglz;
ALTER TABLE typed ALTER COLUMN ext_lz4 SET COMPRESSION $LZ4;
ALTER TABLE typed ALTER COLUMN ext_plain SET STORAGE EXTERNAL;
INSERT INTO typed SELECT g, g::smallint, g * 3000000000::bigint, g::oid, g / 3.0::real,
    g / 7.0::float8, (g / 7.0)::numeric(20, 10), g % 2 = 0, 'c' || g % 10, 'vc' || g,
    'text ' || g, 'name' || g, decode(md5(g::text), 'hex'),
    date '2024-02-29' + g, time '12:34:56.789' + g * interval '1 minute',
    timetz '10:00:00+05:30', timestamp '2000-01-01 00:00:00.5' + g * interval '1 day',
    timestamptz '2024-06-01 12:00:00+02' + g * interval '1 hour',
    make_interval(0, g, 0, g, 0, 0, g / 10.0),
    md5(g::text)::uuid, json_build_object('k', g, 's', 'x\"y'), jsonb_build_object('k', g, 'a', ARRAY[1, 2]),
    ('10.0.0.' || g % 250)::inet, '192.168.0.0/16', '08:00:2b:01:02:03',
    ARRAY[g, NULL, -g], ARRAY['a,b', NULL, 'q\"'], (ARRAY['sad', 'ok', 'happy'])[g % 3 + 1]::mood,
    g, ROW(g, 'p' || g)::pair,
    repeat('inline compressed ' || g, 200),
    (SELECT string_agg(md5(g::text || s::text), '') FROM generate_series(1, 200) s) || repeat('z', 4000),
    (SELECT string_agg(md5(g::text || s::text), '') FROM generate_series(1, 200) s) || repeat('y', 4000),
    (SELECT string_agg(md5(g::text || s::text), '') FROM generate_series(1, 100) s)
  FROM generate_series(1, 40) g;
INSERT INTO typed (id) VALUES (0);
ALTER TABLE typed ADD COLUMN added_ts timestamptz DEFAULT '2024-01-01 00:00:00+00',
    ADD COLUMN added_arr text[] DEFAULT '{\"a b\",NULL,\"c,d\"}', ADD COLUMN added_num numeric DEFAULT 1.50;
CREATE TABLE altered (a int, b text);
INSERT INTO altered SELECT g, 'old ' || g FROM generate_series(1, 5) g;
CHECKPOINT;"
# the copies of the divergence point: taken on the primary just before the failover
# (json has no equality operator: rows are compared by their text form)
for t in "${TABLES[@]}"; do node_psql old "CREATE TABLE before_$t AS SELECT * FROM $t"; done
# a second database, whose name needs quoting and encoding ("/")
OTHER='sales/eu'
node_psql old "CREATE DATABASE \"$OTHER\""
node_psql_db old "$OTHER" "CREATE TABLE items (id int PRIMARY KEY, v text);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) g;
CREATE TABLE before_items AS SELECT * FROM items;"
node_failover old new
node_psql new "INSERT INTO simple VALUES (100000, 1, 'new primary'); UPDATE simple SET v = 'changed by new' WHERE id = 1"

# --- on the old primary, after the divergence --------------------------------
node_psql old "
INSERT INTO simple SELECT g, g, 'lost insert ' || g FROM generate_series(1001, 1100) g;
UPDATE simple SET v = v || ' hot' WHERE id BETWEEN 1 AND 10;
UPDATE simple SET id = id + 5000 WHERE id BETWEEN 11 AND 20;
DELETE FROM simple WHERE id BETWEEN 21 AND 30;
UPDATE simple SET v = 'was null' WHERE id = 0;
DELETE FROM simple WHERE id = -3;"
for i in 1 2 3; do node_psql old "UPDATE simple SET n = n + $i WHERE id BETWEEN 40 AND 45"; done
node_psql old "
BEGIN; INSERT INTO simple VALUES (2000, 1, 'written then removed'); COMMIT;
DELETE FROM simple WHERE id = 2000;
BEGIN;
INSERT INTO simple VALUES (2001, 1, 'top of a rolled-back subtransaction');
SAVEPOINT s; INSERT INTO simple VALUES (2002, 1, 'rolled back'); UPDATE simple SET v = 'rolled back' WHERE id = 50;
ROLLBACK TO SAVEPOINT s;
SAVEPOINT s2; INSERT INTO simple VALUES (2003, 1, 'released subtransaction'); RELEASE SAVEPOINT s2;
COMMIT;
BEGIN; INSERT INTO simple VALUES (2004, 1, 'aborted'); UPDATE simple SET v = 'aborted' WHERE id = 51;
DELETE FROM simple WHERE id = 52; ROLLBACK;
BEGIN; UPDATE simple SET v = 'prepared' WHERE id = 53; INSERT INTO simple VALUES (2005, 1, 'prepared');
PREPARE TRANSACTION 'p1';
COMMIT PREPARED 'p1';
BEGIN; SELECT id FROM simple WHERE id = 54 FOR UPDATE; COMMIT;" >/dev/null
node_psql old "
INSERT INTO typed (id, i2, i8, t, inline_c, ext_pglz, ext_lz4, ext_plain)
  SELECT 1000 + id, i2, i8, t, inline_c, ext_pglz, ext_lz4, ext_plain FROM typed WHERE id BETWEEN 1 AND 10;
UPDATE typed SET num = num * 2, t = t || ' updated' WHERE id BETWEEN 11 AND 15;
UPDATE typed SET ext_lz4 = ext_lz4 || 'more' WHERE id = 16;
DELETE FROM typed WHERE id BETWEEN 17 AND 20;
DELETE FROM typed WHERE id = 0;
CREATE TABLE fresh (a int, b text);
INSERT INTO fresh VALUES (1, 'x'), (2, 'y'), (3, 'z');
ALTER TABLE altered ADD COLUMN c int;
INSERT INTO altered VALUES (100, 'new', 7);"
node_psql_db old "$OTHER" "INSERT INTO items VALUES (100, 'lost'), (101, 'lost');
UPDATE items SET v = 'lost update' WHERE id = 3; DELETE FROM items WHERE id = 4;"
expect_gone old postgres "SELECT count(*) FROM simple WHERE v LIKE 'lost insert%'" "rows inserted on the old primary"
node_stop old fast

# --- the oracle: a copy of the old primary, started on its own port ----------
node_copy old oracle
node_start oracle
declare -A WANT
for t in "${TABLES[@]}"; do
    node_psql oracle "
CREATE TABLE want_${t}_written AS SELECT r::text AS r FROM $t r EXCEPT ALL SELECT r::text FROM before_$t r;
CREATE TABLE want_${t}_removed AS SELECT r::text AS r FROM before_$t r EXCEPT ALL SELECT r::text FROM $t r;"
    for k in written removed; do
        WANT[$t.$k]=$(node_psql oracle "SELECT count(*) FROM want_${t}_$k")
        note "expected $k rows of $t: ${WANT[$t.$k]}"
    done
done
node_psql_db oracle "$OTHER" "
CREATE TABLE want_items_written AS SELECT r::text AS r FROM items r EXCEPT ALL SELECT r::text FROM before_items r;
CREATE TABLE want_items_removed AS SELECT r::text AS r FROM before_items r EXCEPT ALL SELECT r::text FROM items r;"
is "$(node_psql_db oracle "$OTHER" "SELECT (SELECT count(*) FROM want_items_written) || ' ' || (SELECT count(*) FROM want_items_removed)")" \
   "3 2" "database $OTHER loses 3 rows written and 2 removed"
ok "the scenario loses rows of both kinds" test "${WANT[simple.written]}" -gt 100 -a "${WANT[simple.removed]}" -gt 10
# the premises of the TOAST cases, from PostgreSQL
is "$(node_psql oracle "SELECT string_agg(DISTINCT concat_ws(' ', pg_column_compression(inline_c), pg_column_compression(ext_pglz),
        pg_column_compression(ext_lz4), pg_column_compression(ext_plain)), ';') FROM typed WHERE id BETWEEN 11 AND 16")" \
   "pglz pglz $LZ4" "typed: inline pglz, out of line pglz and $LZ4, and uncompressed values"
ok "typed: values stored out of line" test "$(node_psql oracle "SELECT count(DISTINCT chunk_id) FROM pg_toast.pg_toast_$(node_psql oracle "SELECT 'typed'::regclass::oid")")" -ge 120
ok "typed: a value compressed in line" test "$(node_psql oracle "SELECT pg_column_size(inline_c) FROM typed WHERE id = 11")" -lt 1000
FRESH_CTIDS=$(node_psql oracle "SELECT ctid FROM fresh ORDER BY ctid")
FRESH_FILE=$(node_psql oracle "SELECT pg_relation_filenode('fresh')")
ALTERED_CTIDS=$(node_psql oracle "SELECT ctid FROM altered WHERE a = 100")

# compare_salvage DIR LABEL — load DIR with its restore.sql into the oracle
# (schema rewind_salvage) and compare each file with the oracle's sets.
compare_salvage() {
    local dir=$1 label=$2 t k diff n got
    node_psql oracle "DROP SCHEMA IF EXISTS rewind_salvage CASCADE"
    node_psql_db oracle "$OTHER" "DROP SCHEMA IF EXISTS rewind_salvage CASCADE"
    ok "$label: restore.sql loads every file" as_pg bash -c \
        "cd '$dir' && '$PGCLIENT/psql' -X -q -h '$SOCKDIR' -p '${NODE_PORT[oracle]}' -U postgres -d postgres -f restore.sql >'$SCRATCH/restore.out' 2>&1"
    last_ok || diag "$(cat "$SCRATCH/restore.out")"
    for t in "${TABLES[@]}"; do
        for k in written removed; do
            n=$(node_psql oracle "SELECT count(*) FROM rewind_salvage.\"public.$t.$k\"" 2>&1 || echo missing)
            is "$n" "${WANT[$t.$k]}" "$label: $t.$k has the oracle's row count"
            got="SELECT r::text AS r FROM rewind_salvage.\"public.$t.$k\" r"
            diff=$(node_psql oracle "SELECT count(*) FROM (($got EXCEPT ALL SELECT r FROM want_${t}_$k)
                UNION ALL (SELECT r FROM want_${t}_$k EXCEPT ALL $got)) d" 2>&1 || echo error)
            is "$diff" 0 "$label: $t.$k equals the oracle's ($( [[ $k == written ]] && echo 'end EXCEPT ALL before' || echo 'before EXCEPT ALL end'))"
            [[ "$diff" == 0 ]] || diag "$(node_psql oracle "(SELECT 'salvaged', r FROM ($got EXCEPT ALL SELECT r FROM want_${t}_$k) a)
                UNION ALL (SELECT 'oracle', r FROM (SELECT r FROM want_${t}_$k EXCEPT ALL $got) b) LIMIT 6" 2>&1 | cut -c1-300)"
        done
    done
    for k in written removed; do
        got="SELECT r::text AS r FROM rewind_salvage.\"public.items.$k\" r"
        is "$(node_psql_db oracle "$OTHER" "SELECT count(*) FROM (($got EXCEPT ALL SELECT r FROM want_items_$k)
                UNION ALL (SELECT r FROM want_items_$k EXCEPT ALL $got)) d" 2>&1 || echo error)" 0 \
           "$label: $OTHER: items.$k equals the oracle's"
    done
    ok "$label: $OTHER: files in its own directory" test -s "$dir/sales%2Feu/public.items.written.csv"
}

# --- a DIR that is not empty: refused, nothing changed -------------------------
FULL=$SCRATCH/full-dir
as_pg mkdir "$FULL"
as_pg touch "$FULL/something"
before=$(snapshot_dir "${NODE_DATA[old]}")
rc=0; run_rewind old new --salvage "$FULL" || rc=$?
is "$rc" 1 "a non-empty salvage directory: exit status 1"
like "$(cat "$REWIND_OUT")" "salvage directory \"$FULL\" is not empty" "the message names the directory"
is "$(snapshot_dir "${NODE_DATA[old]}")" "$before" "the target is untouched"
is "$(ls "$FULL")" "something" "the directory is untouched"

rc=0; run_rewind old new --salvage "${NODE_DATA[old]}/base/../lost" || rc=$?
is "$rc" 1 "a salvage directory inside the target: exit status 1"
like "$(cat "$REWIND_OUT")" "is inside the target data directory" "the message says why"
is "$(snapshot_dir "${NODE_DATA[old]}")" "$before" "the target is untouched"

rc=0; run_rewind old new --check --salvage "$SCRATCH/unused" || rc=$?
is "$rc" 2 "--check --salvage: a usage error"
ok "--check --salvage: no directory made" test ! -e "$SCRATCH/unused"

# --- dry run: writes DIR, not the target --------------------------------------
DRY=$SCRATCH/salvage-dry
rc=0
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
    --dry-run --salvage "$DRY" --format json >"$SCRATCH/dry.json" 2>"$SCRATCH/dry.err" || rc=$?
is "$rc" 0 "dry run with --salvage: exit status 0"
last_ok || diag "$(cat "$SCRATCH/dry.err")"
is "$(snapshot_dir "${NODE_DATA[old]}")" "$before" "dry run: the target is untouched"
ok "dry run: manifest.json is JSON" jq -e 'type == "object"' "$DRY/manifest.json"
for t in "${TABLES[@]}"; do
    is "$(jq -r --arg t "$t" '.salvage.tables[] | select(.table == $t) | "\(.written) \(.removed)"' "$SCRATCH/dry.json")" \
       "${WANT[$t.written]} ${WANT[$t.removed]}" "dry run JSON: rows saved of $t"
    like "$(cat "$SCRATCH/dry.err")" "postgres\\.public\\.$t: ${WANT[$t.written]} written, ${WANT[$t.removed]} removed" \
       "dry run text: rows saved of $t"
    is "$(jq -r --arg t "$t" '.tables[] | select(.table == $t) | [.database, .decoded, .files.written.rows, .files.removed.rows] | @tsv' "$DRY/manifest.json")" \
       "$(printf 'postgres\ttrue\t%s\t%s' "${WANT[$t.written]}" "${WANT[$t.removed]}")" "manifest: $t decoded, row counts"
    is "$(jq -r --arg t "$t" '.tables[] | select(.table == $t) | [.columns[].name] | join(",")' "$DRY/manifest.json")" \
       "$(node_psql oracle "SELECT string_agg(attname, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = '$t'::regclass AND attnum > 0 AND NOT attisdropped")" \
       "manifest: the columns of $t, dropped ones left out"
    is "$(jq -r --arg t "$t" '.tables[] | select(.table == $t) | .undecoded_columns | length' "$DRY/manifest.json")" 0 \
       "manifest: every column of $t decoded"
    is "$(head -n 1 "$DRY/postgres/public.$t.written.csv")" \
       "$(node_psql oracle "COPY (SELECT * FROM $t LIMIT 0) TO STDOUT (FORMAT csv, HEADER true)")" \
       "the header line of $t is COPY's"
done
ok "manifest: the lost xids with commit times" \
    jq -e '[.tables[].files[] | select(. != null) | .xids[] | .commit_time | test("^[0-9]{4}-")] | all and length > 5' "$DRY/manifest.json"
compare_salvage "$DRY" "dry run"

# the removed versions spilled to temporary files beyond 4 in memory (test
# hook; by default beyond 262144): the same files, the temporary ones gone
SPILL=$SCRATCH/salvage-spill
rc=0
as_pg env REWIND_TEST_SALVAGE_BUFFER=4 "$TOOL" --target-pgdata="${NODE_DATA[old]}" \
    --source-server="$(source_connstr new)" --dry-run --salvage "$SPILL" --debug >/dev/null 2>"$SCRATCH/spill.err" || rc=$?
is "$rc" 0 "dry run, removed versions spilled: exit status 0"
like "$(cat "$SCRATCH/spill.err")" "removed rows spilled to a temporary directory" "the removed versions were spilled"
for t in "${TABLES[@]}"; do
    for k in written removed; do
        ok "spilled: $t.$k as without spilling" cmp -s "$DRY/postgres/public.$t.$k.csv" "$SPILL/postgres/public.$t.$k.csv"
    done
done
ok "spilled: $OTHER: items.removed as without spilling" \
    cmp -s "$DRY/sales%2Feu/public.items.removed.csv" "$SPILL/sales%2Feu/public.items.removed.csv"
is "$(cd "$SPILL" && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')" "$(cd "$DRY" && find . -mindepth 1 -maxdepth 1 | sort | tr '\n' ' ')" \
   "spilled: no temporary file left in DIR"

# raw: created after the divergence, columns changed after it
raw=$(jq -c --argjson f "$FRESH_FILE" '.tables[] | select(.relfilenode == $f)' "$DRY/manifest.json")
is "$(jq -r '[.decoded, .files.written.rows, ([.columns[].name] | join(","))] | @tsv' <<<"$raw")" \
   "$(printf 'false\t3\trow_ctid,row_xmin,row_xmax,tuple')" "fresh (created after the divergence): 3 rows saved raw"
like "$(jq -r .raw_reason <<<"$raw")" "created after the divergence point" "fresh: the manifest says why raw"
is "$(tail -n +2 "$DRY/postgres/relfile_1663_$FRESH_FILE.written.csv" | cut -d'"' -f2 | sort)" \
   "$(sort <<<"$FRESH_CTIDS")" "fresh: the ctids of PostgreSQL's rows"
raw=$(jq -c '.tables[] | select(.table == "altered")' "$DRY/manifest.json")
is "$(jq -r '[.decoded, .files.written.rows] | @tsv' <<<"$raw")" "$(printf 'false\t1')" "altered: 1 row saved raw"
like "$(jq -r .raw_reason <<<"$raw")" "columns were changed after the divergence point" "altered: the manifest says why raw"
is "$(tail -n +2 "$DRY/postgres/public.altered.written.csv" | cut -d'"' -f2)" "$ALTERED_CTIDS" \
   "altered: the ctid of PostgreSQL's row"
is "$(node_psql oracle "SELECT count(*) FROM rewind_salvage.\"public.altered.written\"")" 1 "restore.sql loads the raw file"

# --- the real run --------------------------------------------------------------
REAL=$SCRATCH/salvage-real
SKIP_REF_REASON="--salvage is an option of rewind only"
node_stop oracle fast
rewind_and_verify old new --salvage "$REAL"
ok "real run: DIR was written before the target's control file" \
    test "${NODE_DATA[old]}/global/pg_control" -nt "$REAL/manifest.json"
node_start oracle
for t in "${TABLES[@]}"; do
    for k in written removed; do
        ok "real run: $t.$k as in the dry run" cmp -s "$DRY/postgres/public.$t.$k.csv" "$REAL/postgres/public.$t.$k.csv"
    done
done
compare_salvage "$REAL" "real run"
node_stop oracle fast

# --- a directory source: no catalog, every table saved raw --------------------
node_init dold
node_start dold
node_psql dold "CREATE TABLE t (a int, b text); INSERT INTO t SELECT g, 'kept' FROM generate_series(1, 10) g"
node_failover dold dnew
node_psql dold "INSERT INTO t VALUES (11, 'lost'), (12, 'lost')"
D_CTIDS=$(node_psql dold "SELECT ctid FROM t WHERE b = 'lost' ORDER BY ctid")
D_FILE=$(node_psql dold "SELECT pg_relation_filenode('t')")
D_DB=$(node_psql dold "SELECT oid FROM pg_database WHERE datname = current_database()")
node_stop dold fast
node_stop dnew fast
SOURCE_MODE=pgdata
DIRD=$SCRATCH/salvage-pgdata
rc=0; run_rewind dold dnew --dry-run --salvage "$DIRD" || rc=$?
SOURCE_MODE=server
is "$rc" 0 "--source-pgdata --salvage dry run: exit status 0"
last_ok || diag "$(cat "$REWIND_OUT")"
raw=$(jq -c --argjson f "$D_FILE" '.tables[] | select(.relfilenode == $f)' "$DIRD/manifest.json")
is "$(jq -r '[.decoded, (.database // "null"), .files.written.rows] | @tsv' <<<"$raw")" "$(printf 'false\tnull\t2')" \
   "--source-pgdata: the 2 lost rows saved raw"
like "$(jq -r .raw_reason <<<"$raw")" "no catalog" "--source-pgdata: the manifest says why raw"
is "$(tail -n +2 "$DIRD/database_$D_DB/relfile_1663_$D_FILE.written.csv" | cut -d'"' -f2)" "$D_CTIDS" \
   "--source-pgdata: the ctids of PostgreSQL's rows"
like "$(cat "$DIRD/restore.sql")" "database $D_DB is not known by name" "--source-pgdata: restore.sql says what it cannot load"

# --- no rewind required: nothing is lost, DIR is not written ------------------
node_init nold
node_start nold
node_psql nold "CREATE TABLE t AS SELECT g FROM generate_series(1, 10) g"
node_backup_standby nold nnew
node_start nnew
wait_for_catchup nnew nold
node_stop nold fast
wait_for_query nnew "SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()" t 30
node_promote nnew
node_checkpoint nnew
rc=0; run_rewind nold nnew --dry-run --salvage "$SCRATCH/salvage-none" || rc=$?
is "$rc" 0 "no rewind required, --salvage: exit status 0"
like "$(cat "$REWIND_OUT")" "the target loses nothing; \"$SCRATCH/salvage-none\" was not written" \
     "no rewind required: says DIR was not written"
ok "no rewind required: DIR was not written" test ! -e "$SCRATCH/salvage-none"
node_stop nnew fast

done_testing

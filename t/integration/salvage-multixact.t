#!/usr/bin/env bash
# --salvage: row versions whose xmax is a multixact.  A row locked FOR KEY
# SHARE (here by prepared transactions, which keep their locks without a
# second session) and then updated gets a multixact as xmax whose members
# are the lockers and the updater; the salvage takes the updater from the
# multixact's creation record in the target's WAL and judges the row by it,
# as any other update:
#   id 1: from before the divergence, updated while one transaction holds
#         FOR KEY SHARE: its old version is removed;
#   id 2: the same, locked by two transactions before the update;
#   id 100: inserted by a lost transaction, then updated by a transaction
#         that aborted while one held FOR KEY SHARE: still written (its xmax
#         is a multixact with an aborted updater);
#   id 101: inserted by a lost transaction and updated under FOR KEY SHARE:
#         the first version is in neither file, the second is written.
# PostgreSQL says what the xmax of id 100 is (pg_get_multixact_members),
# and is the oracle: the old primary's "before EXCEPT ALL end" and "end
# EXCEPT ALL before" equal the removed and written files.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }

node_init old --checksums
node_start old
node_psql old "
CREATE TABLE m (id int PRIMARY KEY, v text);
INSERT INTO m SELECT g, 'row ' || g FROM generate_series(1, 10) g;
CREATE TABLE before_m AS SELECT * FROM m;
CHECKPOINT;"
node_failover old new
node_psql new "UPDATE m SET v = 'new primary' WHERE id = 10"

keyshare() { node_psql old "BEGIN; SELECT id FROM m WHERE id = $1 FOR KEY SHARE; PREPARE TRANSACTION '$2';" >/dev/null; }
keyshare 1 k1
node_psql old "UPDATE m SET v = v || ' updated under a key share lock' WHERE id = 1"
keyshare 2 k2a
keyshare 2 k2b
node_psql old "UPDATE m SET v = v || ' updated under two key share locks' WHERE id = 2"
node_psql old "INSERT INTO m VALUES (100, 'lost insert'), (101, 'lost insert 2')"
keyshare 100 k3
node_psql old "BEGIN; UPDATE m SET v = 'aborted' WHERE id = 100; ROLLBACK;"
keyshare 101 k4
node_psql old "UPDATE m SET v = 'lost insert 2, updated under a key share lock' WHERE id = 101"
for g in k1 k2a k2b k3 k4; do node_psql old "COMMIT PREPARED '$g'"; done
is "$(node_psql old "SELECT string_agg(mode, ',' ORDER BY mode)
      FROM m, pg_get_multixact_members(m.xmax) WHERE m.id = 100")" "keysh,nokeyupd" \
   "id 100: xmax is a multixact of a key share lock and a no-key update"
WANT_REMOVED=$(node_psql old "COPY (SELECT * FROM before_m EXCEPT ALL SELECT * FROM m) TO STDOUT (FORMAT csv)" | sort)
WANT_WRITTEN=$(node_psql old "COPY (SELECT * FROM m EXCEPT ALL SELECT * FROM before_m) TO STDOUT (FORMAT csv)" | sort)
is "$(cut -d, -f1 <<<"$WANT_REMOVED" | tr '\n' ' ')" "1 2 " "the old primary removed ids 1 and 2"
is "$(cut -d, -f1 <<<"$WANT_WRITTEN" | tr '\n' ' ')" "1 100 101 2 " "and wrote ids 1, 2, 100 and 101"
node_stop old fast

DRY=$SCRATCH/salvage-dry
rc=0; run_rewind old new --dry-run --salvage "$DRY" || rc=$?
is "$rc" 0 "dry run with --salvage: exit status 0"
last_ok || diag "$(tail -n 20 "$REWIND_OUT")"
is "$(tail -n +2 "$DRY/postgres/public.m.removed.csv" 2>/dev/null | sort)" "$WANT_REMOVED" \
   "removed: the versions updated under key share locks, as the oracle"
is "$(tail -n +2 "$DRY/postgres/public.m.written.csv" 2>/dev/null | sort)" "$WANT_WRITTEN" \
   "written: as the oracle, id 100 (an aborted updater in its multixact) too"
is "$(jq -r '.tables[] | select(.table == "m") | "\(.not_saved_multixact_xmax.count) \(.not_saved_pruned.count)"' "$DRY/manifest.json")" \
   "0 0" "manifest: no row left undecided for its multixact, none unsaved"

SKIP_REF_REASON="--salvage is an option of rewind only"
rewind_and_verify old new --salvage "$SCRATCH/salvage-real"
ok "real run: removed versions as in the dry run" \
    cmp -s "$DRY/postgres/public.m.removed.csv" "$SCRATCH/salvage-real/postgres/public.m.removed.csv"

done_testing

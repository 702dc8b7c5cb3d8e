#!/usr/bin/env bash
# A directory of the target replaced by a symbolic link.  The old primary's
# database directory base/<oid> (which the rewind must write into) is moved
# out of the data directory and a link put in its place, pointing at it.
# rewind must not write through the link: it stops before or at the first
# change there, with a message naming the path and saying what to do;
# nothing outside the data directory changes; --rollback puts the target
# back byte for byte (the link included).  Then, the directory put back and
# pg_wal moved out behind a link (initdb --waldir), a rerun rewinds the node
# and it is verified as a standby of the source: pg_wal is followed as
# before (tablespace links: 04-tablespace.t).
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="a copy of the target would share its pg_wal link"

node_init old
node_start old
node_psql old "CREATE DATABASE app;"
node_psql_db old app "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_failover old new
node_psql_db new app "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql_db old app "
UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 120000) g;"
expect_gone old app "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
dboid=$(node_psql old "SELECT oid FROM pg_database WHERE datname = 'app'")
t_file=$(node_psql_db old app "SELECT pg_relation_filepath('t')")
node_stop old fast

DATA=${NODE_DATA[old]}
JOURNAL=$DATA.rewind-journal
OUTSIDE=$SCRATCH/outside-db
ok "the relation the rewind must write is in base/$dboid ($t_file)" test "${t_file%/*}" = "base/$dboid"
as_pg mv "$DATA/base/$dboid" "$OUTSIDE"
as_pg ln -s "$OUTSIDE" "$DATA/base/$dboid"
before=$(content_fingerprint "$DATA")
outside_before=$(content_fingerprint "$OUTSIDE")

st=0
run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "rewind stops at the link base/$dboid (exit status 1)"
like "$out" "error: .*\"$DATA/base/$dboid/[0-9]+[^\"]*\": \"$DATA/base/$dboid\" is a symbolic link" \
    "... naming the path it was to change and the link in its way"
last_ok || diag "$out"
like "$out" "hint: rewind follows no symbolic link in the data directory but pg_wal and pg_tblspc/<oid>.*Put the real directory \\(or file\\) back in place of \"$DATA/base/$dboid\"\\..*--rollback" \
    "... saying why, what to do, and that --rollback undoes the rest"
is "$(content_fingerprint "$OUTSIDE" | sha256sum)" "$(sha256sum <<<"$outside_before")" \
    "nothing changed in the directory the link points to"
last_ok || diag "$(diff <(echo "$outside_before") <(content_fingerprint "$OUTSIDE") | head -n 20 || true)"
if [[ -e "$JOURNAL" ]]; then
    rollback_and_check "after the stop at the link" old new "$before"
    ok "... the link is still a link" test -L "$DATA/base/$dboid"
else
    is "$(content_fingerprint "$DATA" | sha256sum)" "$(sha256sum <<<"$before")" \
        "the target was not changed at all"
fi
is "$(content_fingerprint "$OUTSIDE" | sha256sum)" "$(sha256sum <<<"$outside_before")" \
    "... and nothing outside the data directory after the rollback"

# The directory back in place, pg_wal a link: the rewind finishes.
as_pg rm "$DATA/base/$dboid"
as_pg mv "$OUTSIDE" "$DATA/base/$dboid"
as_pg mv "$DATA/pg_wal" "$SCRATCH/old_waldir"
as_pg ln -s "$SCRATCH/old_waldir" "$DATA/pg_wal"
rewind_and_verify old new -R
ok "pg_wal is still a link after the rewind" test -L "$DATA/pg_wal"
ok "... to the same directory" test "$(readlink "$DATA/pg_wal")" = "$SCRATCH/old_waldir"
done_testing

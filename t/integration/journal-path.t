#!/usr/bin/env bash
# The journal is found by the real path of the data directory, however -D is
# spelled (a symbolic link, "./", a trailing slash), and a pg_control marked
# by an interrupted rewind whose journal is not there is reported as exactly
# that, changing nothing.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 120000) g;"
node_stop old fast

DATA=${NODE_DATA[old]}
JOURNAL=$DATA.rewind-journal
before=$(content_fingerprint "$DATA")
LINK=$SCRATCH/link-to-old-data
ln -s "$DATA" "$LINK"

# run_as_spelled PGDATA ARGS... — the tool on the target spelled PGDATA
run_as_spelled() {
    local pgdata=$1 rc=0; shift
    _RUN_SEQ=$((_RUN_SEQ + 1)); REWIND_OUT=$SCRATCH/spelled-$_RUN_SEQ.out
    as_pg "$@" --target-pgdata="$pgdata" >"$REWIND_OUT" 2>&1 || rc=$?
    return "$rc"
}
killed_run() {
    run_as_spelled "$1" env REWIND_TEST_KILL_AFTER_WRITES=20 "$TOOL" \
        --source-server="$(source_connstr new)" -R
}

st=0; killed_run "$LINK" || st=$?
is "$st" 137 "a run through a symbolic link to the data directory, killed after 20 changes"
ok "its journal is beside the real data directory" test -f "$JOURNAL/journal"
ok "... not beside the link" test ! -e "$LINK.rewind-journal"
st=0; run_as_spelled "$SCRATCH/old/./data/" "$TOOL" --rollback || st=$?
is "$st" 0 "--rollback with -D spelled differently finds it"
last_ok || diag "$(cat "$REWIND_OUT")"
is "$(content_fingerprint "$DATA")" "$before" "... and restores the target byte for byte"
ok "... and removes the journal" test ! -e "$JOURNAL"

# a marked pg_control, its journal moved away
st=0; killed_run "$DATA" || st=$?
is "$st" 137 "a second run, killed after 20 changes"
mv "$JOURNAL" "$SCRATCH/journal-moved-away"
marked=$(content_fingerprint "$DATA")
like "$(control_state old)" "unrecognized status code" "the target's pg_control carries the mark"
for mode in --rollback -R; do
    st=0; run_as_spelled "$DATA" "$TOOL" --source-server="$(source_connstr new)" "$mode" || st=$?
    isnt "$st" 0 "$mode with the mark and no journal fails"
    like "$(cat "$REWIND_OUT")" "is marked by an interrupted rewind, but its journal \"$JOURNAL\" is not there" \
        "... saying exactly that, with the journal's path"
    is "$(content_fingerprint "$DATA")" "$marked" "... and changes nothing"
done
mv "$SCRATCH/journal-moved-away" "$JOURNAL"
st=0; run_as_spelled "$LINK/" "$TOOL" --rollback || st=$?
is "$st" 0 "with the journal back, --rollback (through the link) succeeds"
is "$(content_fingerprint "$DATA")" "$before" "... and restores the target byte for byte"
done_testing

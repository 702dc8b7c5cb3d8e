#!/usr/bin/env bash
# Fault: the source server terminates rewind's connection in the middle of
# the copy (pg_terminate_backend, as an administrator or a failover manager
# would).  The window is made deterministic: rewind copies a large table over
# one connection (--jobs=1); as soon as that connection runs a fetch query,
# its backend is frozen (SIGSTOP), the journal is checked to exist, the
# backend is terminated and thawed (SIGCONT), so the SIGTERM is handled in
# the middle of the fetch.  Then:
#   - rewind exits non-zero naming what failed and what to do next (rerun to
#     finish, or --rollback);
#   - the half-rewound target refuses to start;
#   - --rollback (on a copy of that state) puts it back byte for byte;
#   - a plain rerun rolls back, rewinds afresh, and the node is verified as a
#     standby of the source.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="the target was interrupted on purpose"

node_init old
node_start old
node_psql old "
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 20000) g;"
node_failover old new
# ~100 MB only on the source: copied whole, in a dozen round trips of 8 MB
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;
CREATE TABLE big_on_new AS SELECT g AS id, repeat(md5(g::text), 16) AS pad
  FROM generate_series(1, 200000) g;
CHECKPOINT;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;
SELECT pg_switch_wal();
INSERT INTO t SELECT g, 'OLD-ONLY' FROM generate_series(100000, 120000) g;" >/dev/null
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

PRISTINE=$SCRATCH/pristine-old
cp -a "${NODE_DATA[old]}" "$PRISTINE"
before=$(content_fingerprint "$PRISTINE")
JOURNAL=${NODE_DATA[old]}.rewind-journal

# Start the rewind in the background, output to a file.
OUT=$SCRATCH/terminated.out
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
    --jobs=1 -R >"$OUT" 2>&1 &
rewind_pid=$!
_BG_PIDS+=("$rewind_pid")

bpid=$(freeze_fetching_backend new "$rewind_pid" old)
like "$bpid" '^[0-9]+$' "the source backend fetching for rewind was found (pid ${bpid:-none})"
if [[ -n "$bpid" ]]; then
    ok "the copy had begun: the journal exists beside the target" test -f "$JOURNAL/journal"
    terminated=$(node_psql new "SELECT pg_terminate_backend($bpid)" || echo "error")
    kill -CONT "$bpid" 2>/dev/null || true
    is "$terminated" t "the source terminated rewind's connection"
fi
# the tool fails as soon as the terminated backend's error arrives
wait_background "$rewind_pid" 60 "rewind after its connection was terminated"
st=$WAIT_STATUS
out=$(cat "$OUT")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "rewind fails when the source connection is terminated mid-copy (exit status 1)"
like "$out" 'error: could not (fetch|read from).*source.*(terminating connection|closed the connection|connection)' \
    "... saying what failed: fetching from the source, the connection was lost"
last_ok || diag "$out"
like "$out" 'hint: .*run rewind again with the same options to finish' "... hinting that a rerun finishes"
like "$out" 'hint: .*--rollback to put the target back' "... or that --rollback undoes"
unlike "$out" 'Done!' "... and does not claim success"
unlike "$out" 'AddressSanitizer|runtime error' "... and fails cleanly (no sanitizer report)"
ok "the journal is left beside the target" test -f "$JOURNAL/journal"

st=0
as_pg "$PGBIN/pg_ctl" start -D "${NODE_DATA[old]}" -l "$SCRATCH/refused.log" \
    -o "-p ${NODE_PORT[old]}" -w -t 20 >/dev/null 2>&1 || st=$?
isnt "$st" 0 "the half-rewound target refuses to start"
like "$(cat "$SCRATCH/refused.log" 2>/dev/null)" 'control file contains invalid database cluster state' \
    "... with a clear server error"
if node_running old; then node_stop old immediate || true; fi

# --rollback, on a copy of the interrupted state (data directory and journal)
HALF=$SCRATCH/half
mkdir -p "$HALF"
cp -a "${NODE_DATA[old]}" "$HALF/data"
cp -a "$JOURNAL" "$HALF/data.rewind-journal"
rollback_and_check "after the lost connection" old new "$before"

# A rerun from the interrupted state: rolls back, rewinds, verified.
rm -rf "${NODE_DATA[old]}"
mv "$HALF/data" "${NODE_DATA[old]}"
mv "$HALF/data.rewind-journal" "$JOURNAL"
rewind_and_verify old new -R --jobs=1
like "$(cat "$REWIND_OUT")" 'rolling back' "the rerun rolled the interrupted run back first"
ok "the rerun removed the journal" test ! -e "$JOURNAL"
done_testing

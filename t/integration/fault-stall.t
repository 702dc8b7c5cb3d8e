#!/usr/bin/env bash
# Fault: the source stops answering (a frozen host, a partition).  The
# source's postmaster and the backend fetching for rewind are frozen with
# SIGSTOP, which the kernel does not notice (it still acknowledges every
# packet), so only rewind's own stall limit (--timeout) can end the wait:
#   - frozen before the first change (while connecting): a clean error and
#     the target unchanged, byte for byte;
#   - frozen in the middle of the copy: rewind ends within the limit plus a
#     margin, naming the source and what to do next; the half-rewound target
#     refuses to start; --rollback (on a copy of that state) puts it back byte
#     for byte; once the source is thawed (SIGCONT) a rerun finishes and the
#     node is verified as a standby of the source.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="the target was interrupted on purpose"
LIMIT=5      # --timeout under test
MARGIN=15    # what a loaded 2-core machine may add to it

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
postmaster=$(head -n 1 "${NODE_DATA[new]}/postmaster.pid")
FROZEN=()
thaw() { local p; for p in "${FROZEN[@]}"; do kill -CONT "$p" 2>/dev/null || true; done; FROZEN=(); }

# run_background OUT — rewind in the background against the source, --jobs=1;
# rewind_pid is the background job's, tool_pid rewind's own process (below
# runuser), by which a stuck one is ended
run_background() {
    local i p
    as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
        --jobs=1 -R --timeout="$LIMIT" >"$1" 2>&1 &
    rewind_pid=$!
    _BG_PIDS+=("$rewind_pid")
    tool_pid=""
    for ((i = 0; i < 100; i++)); do
        p=$rewind_pid
        while [[ -n "$p" && "$(ps -o comm= -p "$p" 2>/dev/null || true)" != rewind ]]; do
            p=$(pgrep -P "$p" | head -n 1 || true)
        done
        tool_pid=$p
        if [[ -n "$tool_pid" ]] || ! kill -0 "$rewind_pid" 2>/dev/null; then break; fi
        sleep 0.05
    done
    if [[ -n "$tool_pid" ]]; then _BG_PIDS+=("$tool_pid"); fi
}

# wait_rewind WHY — wait for it within the limit plus margin; one still
# running then is killed, so that it cannot go on once the source is thawed
wait_rewind() {
    wait_background "$rewind_pid" $((LIMIT + MARGIN)) "$1"
    if [[ -n "$tool_pid" ]] && kill -0 "$tool_pid" 2>/dev/null; then
        kill -KILL "$tool_pid" 2>/dev/null || true
    fi
}

# --- 1. frozen before the first change: the connection is never answered
kill -STOP "$postmaster"
FROZEN=("$postmaster")
OUT=$SCRATCH/frozen-connect.out
start=$(date +%s)
run_background "$OUT"
wait_rewind "rewind against a source frozen before the copy"
st=$WAIT_STATUS
took=$(($(date +%s) - start))
thaw
out=$(cat "$OUT")
note "rewind said (after $took s):" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "frozen before the copy: rewind fails (exit status 1)"
ok "... within the limit plus margin ($took s <= $((LIMIT + MARGIN)) s)" test "$took" -le $((LIMIT + MARGIN))
ok "... not before the limit ($took s >= $LIMIT s)" test "$took" -ge "$LIMIT"
like "$out" 'error: could not connect to the source server: .*timeout expired' "... saying the source did not answer"
last_ok || diag "$out"
unlike "$out" 'partly rewound|--rollback' "... without talk of a partly rewound target"
is "$(content_fingerprint "${NODE_DATA[old]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "... and the target is unchanged, byte for byte"
ok "... and no journal was made" test ! -e "$JOURNAL"

# --- 2. frozen in the middle of the copy
OUT=$SCRATCH/frozen-copy.out
run_background "$OUT"
bpid=$(freeze_fetching_backend new "$rewind_pid" old)
start=$(date +%s)
like "$bpid" '^[0-9]+$' "the source backend fetching for rewind was found and frozen (pid ${bpid:-none})"
FROZEN=("$bpid")
kill -STOP "$postmaster"
FROZEN+=("$postmaster")
ok "the copy had begun: the journal exists beside the target" test -f "$JOURNAL/journal"
wait_rewind "rewind against a source frozen mid-copy"
st=$WAIT_STATUS
took=$(($(date +%s) - start))
out=$(cat "$OUT")
note "rewind said (after $took s):" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$st" 1 "frozen mid-copy: rewind fails (exit status 1)"
ok "... within the limit plus margin ($took s <= $((LIMIT + MARGIN)) s)" test "$took" -le $((LIMIT + MARGIN))
like "$out" "error: .*the source \\(server 127\\.0\\.0\\.1:${NODE_PORT[new]}\\) sent nothing for $LIMIT seconds" \
    "... naming the source and the limit"
last_ok || diag "$out"
like "$out" 'hint: .*run rewind again with the same options to finish' "... hinting that a rerun finishes"
like "$out" 'hint: .*--rollback to put the target back' "... or that --rollback undoes"
unlike "$out" 'Done!' "... and does not claim success"
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
rollback_and_check "after the stall" old new "$before"

# The source comes back; a rerun from the interrupted state finishes.
thaw
rm -rf "${NODE_DATA[old]}"
mv "$HALF/data" "${NODE_DATA[old]}"
mv "$HALF/data.rewind-journal" "$JOURNAL"
rewind_and_verify old new -R --jobs=1 --timeout="$LIMIT"
like "$(cat "$REWIND_OUT")" 'rolling back' "the rerun rolled the interrupted run back first"
ok "the rerun removed the journal" test ! -e "$JOURNAL"
done_testing

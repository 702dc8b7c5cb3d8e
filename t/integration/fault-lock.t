#!/usr/bin/env bash
# Two runs at once on one target.  A rewind is slowed down mid-copy (its
# source backend frozen with SIGSTOP, as in fault-race.t) while a second
# rewind and a --rollback of the same target are started, the second one
# through another spelling of the data directory (a symbolic link to it).
# Both must refuse at once, naming the running rewind's pid (from the OS),
# and leave its journal alone; so must a dry run (which takes no lock but
# must not mistake the running rewind for an interrupted one); the first then finishes, the lock file is
# gone, and the node verifies as a standby of the source.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 10000) g;"
node_failover old new
# ~50 MB only on the source: the copy the first rewind is frozen in
node_psql new "CREATE TABLE big AS SELECT g AS id, repeat(md5(g::text), 16) AS pad
  FROM generate_series(1, 100000) g;
UPDATE t SET v = 'new' WHERE id % 4 = 0;
CHECKPOINT;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

JOURNAL=${NODE_DATA[old]}.rewind-journal
LOCKFILE=${NODE_DATA[old]}.rewind-lock
OUT=$SCRATCH/first.out
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
    --jobs=1 -R >"$OUT" 2>&1 &
runner_pid=$!
_BG_PIDS+=("$runner_pid")

bpid=$(freeze_fetching_backend new "$runner_pid" old)
like "$bpid" '^[0-9]+$' "the source backend fetching for the first rewind was found (pid ${bpid:-none})"
# tool_pid PID — the descendant of PID (a subshell, then runuser) that runs
# the tool: its pid as the OS knows it, from /proc.
tool_pid() {
    local p
    for p in $(pgrep -P "$1" || true); do
        if [[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true)" == "$TOOL "* ]]; then
            echo "$p"; return
        fi
        tool_pid "$p"
    done
}
rewind_pid=$(tool_pid "$runner_pid" | head -n 1)
like "$(tr '\0' ' ' <"/proc/${rewind_pid:-0}/cmdline" 2>/dev/null || true)" "^$TOOL " \
    "the first rewind runs as pid ${rewind_pid:-none}"
ok "the first rewind has started changing the target (journal $JOURNAL)" test -d "$JOURNAL"
journal_before=$(content_fingerprint "$JOURNAL")

# a second rewind, through a link to the same data directory
as_pg ln -s "${NODE_DATA[old]}" "$SCRATCH/old-link"
start=$SECONDS
st=0
as_pg "$TOOL" --target-pgdata="$SCRATCH/old-link" --source-server="$(source_connstr new)" \
    -R >"$SCRATCH/second.out" 2>&1 || st=$?
took=$((SECONDS - start))
out=$(cat "$SCRATCH/second.out")
is "$st" 1 "a second rewind of the same target (through a link) fails (exit status 1)"
like "$out" "rewind refused: another process \\(pid $rewind_pid, rewind since [^)]*\\) is rewinding or rolling back" \
    "... saying that pid $rewind_pid is rewinding it"
last_ok || diag "$out"
like "$out" "hint: Wait for pid $rewind_pid to end" "... and what to do"
ok "... at once (${took} s)" test "$took" -le 10

start=$SECONDS
st=0
run_rewind old new --rollback || st=$?
took=$((SECONDS - start))
out=$(cat "$REWIND_OUT")
is "$st" 1 "--rollback of the target being rewound fails (exit status 1)"
like "$out" "--rollback refused: another process \\(pid $rewind_pid, rewind since [^)]*\\)" \
    "... naming pid $rewind_pid"
last_ok || diag "$out"
unlike "$out" 'rolling back its|rollback complete' "... without rolling anything back"
ok "... at once (${took} s)" test "$took" -le 10
st=0
run_rewind old new --dry-run || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "a dry run of the target being rewound fails (exit status 1)"
like "$out" "dry run refused: another process \\(pid $rewind_pid, rewind since [^)]*\\)" \
    "... naming pid $rewind_pid, not an interrupted rewind"
last_ok || diag "$out"
is "$(content_fingerprint "$JOURNAL")" "$journal_before" "the refused runs left the journal alone"
ok "the first rewind is still running" kill -0 "$rewind_pid"

if [[ -n "$bpid" ]]; then kill -CONT "$bpid" 2>/dev/null || true; fi
wait_background "$runner_pid" 180 "the first rewind after the thaw"
rst=$WAIT_STATUS
is "$rst" 0 "the first rewind finishes (exit status 0)"
last_ok || diag "$(cat "$OUT")"
like "$(cat "$OUT")" 'Done!' "... and says Done!"
ok "it removed its lock file" test ! -e "$LOCKFILE"
ok "it removed its journal" test ! -e "$JOURNAL"
skip "comparison with pg_rewind" "the race between two runs is the tool's alone"
if [[ $rst -eq 0 ]]; then
    verify_standby "tool" old new
else
    fail "tool: rewound old verified as a standby of new (not attempted: the tool failed)"
fi
done_testing

#!/usr/bin/env bash
# Issue 12, failure 7: postmaster.pid names a postmaster that is shutting
# down (pg_auto_failover's keeper calls pg_rewind while the postmaster of
# its crash recovery is still exiting).  Made deterministic with a smart
# shutdown that waits for a client: a session sleeps on the old primary,
# pg_ctl stop -m smart leaves the postmaster "stopping".
#   - a running postmaster that is not shutting down is refused at once;
#   - with --shutdown-wait=3 and the session still there: a clear refusal
#     after the bound, the target unchanged;
#   - with the default bound: rewind says it waits, the session is ended a
#     few seconds later, the postmaster exits, and the rewind succeeds;
#   - a postmaster whose postmaster.pid does not say "stopping" while
#     pg_control already says the server shut down (a stop at a recovery
#     target: the postmaster exits after its last restartpoint) is waited
#     for too.  The exiting postmaster is stood in for by a process of the
#     postgres user that ends after a few seconds, named in a copy of the
#     real postmaster.pid: the rewound node, promoted by the checks above
#     (its own timeline 3), is rewound again and must wait for it first.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="pg_rewind refuses a target whose postmaster is still exiting"

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 5 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 7 = 0;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"

cp "${NODE_DATA[old]}/postmaster.pid" "$SCRATCH/running.pid"

# pid_status NODE — the postmaster's status line of postmaster.pid
pid_status() { sed -n 8p "${NODE_DATA[$1]}/postmaster.pid" 2>/dev/null | tr -d ' '; }

# A running postmaster that is not shutting down: refused at once.
st=0; start=$SECONDS; run_rewind old new -R || st=$?
is "$st" 1 "a running target is refused"
like "$(cat "$REWIND_OUT")" 'target server is running \(postmaster PID [0-9]+' "... as running"
unlike "$(cat "$REWIND_OUT")" 'waiting' "... without waiting"
ok "... at once ($((SECONDS - start)) s)" test $((SECONDS - start)) -lt 10

# A client session that keeps the smart shutdown waiting.
as_pg "$PGCLIENT/psql" -X -q -h "$SOCKDIR" -p "${NODE_PORT[old]}" -U postgres -d postgres \
    -c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
_BG_PIDS+=("$!")
ok "a session sleeps on the old primary" wait_for_query old \
    "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" 1 30
backend=$(node_psql old "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
as_pg "$PGBIN/pg_ctl" stop -D "${NODE_DATA[old]}" -m smart -W >/dev/null
for ((i = 0; i < 150; i++)); do [[ "$(pid_status old)" == stopping ]] && break; sleep 0.2; done
is "$(pid_status old)" stopping "the old primary's postmaster is shutting down (postmaster.pid: stopping)"
is "$(control_state old)" "in production" "... and its pg_control still says in production"

# The bound passes: a clear refusal, nothing changed.  The server is still
# running (its background writer may flush pages), so what is compared is
# what a rewind writes: pg_control, the recovery settings and signal files.
fingerprint() {
    local d=${NODE_DATA[old]} f
    for f in global/pg_control postgresql.auto.conf backup_label standby.signal recovery.signal; do
        if [[ -e "$d/$f" ]]; then echo "$f $(sha256sum <"$d/$f")"; else echo "$f absent"; fi
    done
}
before=$(fingerprint)
st=0; start=$SECONDS; run_rewind old new -R --shutdown-wait=3 || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 1 "--shutdown-wait=3 and a postmaster that does not exit: refused"
like "$out" 'target server is shutting down \(postmaster PID [0-9]+\); waiting up to 3 s' "... after saying it waits, and how long"
like "$out" 'still shutting down after 3 s' "... saying it is still shutting down"
like "$out" 'pg_ctl stop .*-m fast' "... and what to do"
last_ok || diag "$out"
ok "... after the bound ($((SECONDS - start)) s)" test $((SECONDS - start)) -ge 3
is "$(sha256sum <<<"$(fingerprint)")" "$(sha256sum <<<"$before")" "... and changed nothing in the target"
ok "... and started no journal" test ! -e "${NODE_DATA[old]}.rewind-journal"

# Default bound: rewind waits; the session ends; the postmaster exits.
OUT=$SCRATCH/waiting.out
as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" -R \
    >"$OUT" 2>&1 &
rewind_pid=$!
_BG_PIDS+=("$rewind_pid")
for ((i = 0; i < 150; i++)); do grep -qs 'waiting up to' "$OUT" && break; sleep 0.2; done
like "$(cat "$OUT")" 'target server is shutting down \(postmaster PID [0-9]+\); waiting up to 60 s' \
    "rewind says it waits for the postmaster that is shutting down, and how long"
sleep 3
ok "... and is still waiting 3 s later" kill -0 "$rewind_pid"
kill -TERM "$backend"
wait_background "$rewind_pid" 120 "the rewind after the postmaster exited"
out=$(cat "$OUT")
is "$WAIT_STATUS" 0 "once the session ended and the postmaster exited, the rewind succeeds"
like "$out" 'target server has exited' "... saying the server exited"
like "$out" 'Done!' "... and Done!"
last_ok || diag "$out"
ok "the postmaster is gone" test ! -e "${NODE_DATA[old]}/postmaster.pid"
verify_standby "after waiting" old new

# pg_control says "shut down", postmaster.pid "starting", its pid alive.
is "$(control_state old)" "shut down" "the promoted and stopped node's pg_control says shut down"
as_pg sleep 6 &
lingering=$!
_BG_PIDS+=("$lingering")
sed -e "1s/.*/$lingering/" -e '8s/.*/starting/' "$SCRATCH/running.pid" |
    as_pg tee "${NODE_DATA[old]}/postmaster.pid" >/dev/null
st=0; start=$SECONDS; run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "a postmaster exiting after its shutdown checkpoint is waited for, then the rewind succeeds"
like "$out" "target server is shutting down \\(postmaster PID $lingering\\); waiting up to 60 s" \
    "... saying it waits for it"
like "$out" 'servers diverged at WAL location' "... and then rewinds"
last_ok || diag "$out"
ok "... after it exited ($((SECONDS - start)) s)" test $((SECONDS - start)) -ge 3
rm -f "${NODE_DATA[old]}/postmaster.pid"
verify_standby "after waiting, pg_control shut down" old new
done_testing

#!/usr/bin/env bash
# Fault: files grow on the source while rewind copies them (pg_rewind's own
# 009_growing_files appends to a file in the source's data directory during
# the copy).  The window is made deterministic: rewind copies a large table
# over one connection (--jobs=1); as soon as that connection runs a fetch
# query its backend is frozen (SIGSTOP), the files are extended, and the
# backend is thawed, so they grow after they were listed and before their
# end is read.
#   - a file that no WAL replay repairs (here a file of an extension in the
#     data directory) grows: rewind stops with an error naming it, and the
#     rerun / --rollback hint; the half-rewound target refuses to start;
#   - a relation file grows (rows inserted into a table being copied): the
#     rewind finishes, counts it ("... and N grew"), and the node is
#     verified as a standby of the source.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"
SKIP_REF_REASON="files are changed on the source during the copy on purpose"

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
JOURNAL=${NODE_DATA[old]}.rewind-journal

# A file no WAL describes, only on the source: copied whole, after base/.
GROWING=zz_growing_file
as_pg bash -c "head -c 100000 /dev/urandom >'${NODE_DATA[new]}/$GROWING'"

# run_frozen OUT ACTION — rewind in the background (messages into OUT, the
# JSON document into OUT.json); once its fetch backend is frozen, run ACTION
# (a function), then thaw it; exit status in st
run_frozen() {
    local out=$1 action=$2 bpid
    as_pg "$TOOL" --target-pgdata="${NODE_DATA[old]}" --source-server="$(source_connstr new)" \
        --jobs=1 -R --format=json >"$out.json" 2>"$out" &
    rewind_pid=$!
    _BG_PIDS+=("$rewind_pid")
    bpid=$(freeze_fetching_backend new "$rewind_pid" old)
    like "$bpid" '^[0-9]+$' "the source backend fetching for rewind was found and frozen (pid ${bpid:-none})"
    "$action"
    if [[ -n "$bpid" ]]; then kill -CONT "$bpid" 2>/dev/null || true; fi
    wait_background "$rewind_pid" 120 "rewind with files growing on the source"
    st=$WAIT_STATUS
}

# --- 1. a file that no WAL replay repairs grows
size_before=$(stat -c %s "${NODE_DATA[new]}/$GROWING")
append_file() { as_pg bash -c "head -c 5000 /dev/urandom >>'${NODE_DATA[new]}/$GROWING'"; }
OUT=$SCRATCH/growing-file.out
run_frozen "$OUT" append_file
out=$(cat "$OUT")
note "rewind said:" "$(grep -E '(error|hint):' <<<"$out" || true)"
is "$(stat -c %s "${NODE_DATA[new]}/$GROWING")" $((size_before + 5000)) \
    "$GROWING grew on the source by 5000 bytes"
is "$st" 1 "rewind fails when a file that WAL does not describe grows during its copy (exit status 1)"
like "$out" "error: file \"$GROWING\" grew on the source during the copy \\($size_before bytes when listed\\)" \
    "... naming the file and its listed size"
last_ok || diag "$out"
like "$out" 'hint: .*run rewind again with the same options to finish' "... hinting that a rerun finishes"
like "$out" 'hint: .*--rollback to put the target back' "... or that --rollback undoes"
unlike "$out" 'Done!' "... and does not claim success"
unlike "$out" 'grew \(dropped, truncated or extended there\)' "... nor that replay accounts for it"
ok "the journal is left beside the target" test -f "$JOURNAL/journal"
st=0
as_pg "$PGBIN/pg_ctl" start -D "${NODE_DATA[old]}" -l "$SCRATCH/refused.log" \
    -o "-p ${NODE_PORT[old]}" -w -t 20 >/dev/null 2>&1 || st=$?
isnt "$st" 0 "the half-rewound target refuses to start"
if node_running old; then node_stop old immediate || true; fi

# --- 2. a relation file grows: WAL replay repairs it
rm -f "${NODE_DATA[new]:?}/$GROWING"
pages_before=$(node_psql new "SELECT pg_relation_size('big_on_new') / 8192")
insert_rows() {
    node_psql new "INSERT INTO big_on_new SELECT g, repeat(md5(g::text), 16)
                   FROM generate_series(200001, 210000) g" >/dev/null
}
OUT=$SCRATCH/growing-relation.out
_compute_expected_divergence old new
run_frozen "$OUT" insert_rows
out=$(cat "$OUT")
REWIND_OUT=$OUT
pages_after=$(node_psql new "SELECT pg_relation_size('big_on_new') / 8192")
ok "big_on_new grew on the source during the copy ($pages_before -> $pages_after pages)" \
    test "$pages_after" -gt "$pages_before"
is "$st" 0 "rewind succeeds although a relation file grew during its copy (exit status 0)"
last_ok || diag "$out"
like "$out" 'rolling back' "... after rolling the interrupted run back"
like "$out" 'Done!' "... and says Done!"
grown=$(grep -oE 'shrank on the source during the copy, and [0-9]+ grew' <<<"$out" | awk '{print $9}' || true)
ok "it counts the relation file that grew (${grown:-none} >= 1)" test "${grown:-0}" -ge 1
like "$out" 'replaying the source.s WAL from the last common checkpoint accounts for them' \
    "... and says why that is harmless"
is "$(jq -r '.plan.grown_files' "$OUT.json")" "${grown:-none}" "JSON: plan.grown_files as reported"
if [[ "$st" -eq 0 ]]; then
    verify_standby "tool" old new
else
    fail "tool: rewound old verified as a standby of new (not attempted: the tool failed)"
fi
done_testing

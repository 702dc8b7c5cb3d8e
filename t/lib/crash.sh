# shellcheck shell=bash
# Power-loss tests (t/integration/crash-*.t): one real rewind is traced
# (REWIND_TEST_CRASH_TRACE, src/util/io_trace.h), then the crash simulator
# (t/crashsim/crashsim.c) rebuilds, from a copy of the original target and
# the trace, states a power loss could leave: at sync points and at random
# points between them, with changes not yet durable lost, kept, or torn.
# Each state must be one of:
#   (a) marked: pg_control carries the mark, so PostgreSQL refuses to start
#       it, and --rollback restores it byte for byte (content_fingerprint);
#       for a sample, a rerun from the state finishes and the node verifies;
#   (b) untouched: the original pg_control, and every file as before;
#   (c) committed: the final pg_control, every file as after the complete
#       run, --rollback does not claim to restore it; for a sample, the node
#       starts as a standby and verifies.
# Source after harness.sh.  CRASH_STATES (default 16) bounds the states per
# traced run; CRASH_SEED varies the random choices.

# the simulator runs as the servers' user, like the tool: a copy it can run
CRASHSIM=$SCRATCH/bin/crashsim
install -D -m 0755 "${CRASHSIM_BIN:-$(dirname "$REWIND_BIN")/crashsim}" "$CRASHSIM"
CRASH_STATES=${CRASH_STATES:-16}
CRASH_SEED=${CRASH_SEED:-1}
CRASH_FULL_EVERY=${CRASH_FULL_EVERY:-6}   # every Nth state of a kind: full check

# _crash_points TRACE N — about N values of K: sync points (each K right
# before an fsync, with everything since the previous one at risk, and right
# after it; thinned out evenly when there are many, keeping the first and
# the last ones: the mark, the finalisation, the journal's removal), points
# right before syncs of the journal (records appended since the last one
# may be torn), random points between them, and the very end.
_crash_points() {
    local trace=$1 n=$2 total syncs journal_syncs nsync want step i
    mapfile -t syncs < <("$CRASHSIM" info "$trace" | cut -d' ' -f1)
    mapfile -t journal_syncs < <("$CRASHSIM" info "$trace" | awk '$2 ~ /\.rewind-journal\/journal$/ {print $1}')
    total=${syncs[0]}; syncs=("${syncs[@]:1}"); nsync=${#syncs[@]}
    want=$(( n / 4 > 4 ? n / 4 : 4 ))
    {
        if ((nsync <= want)); then printf '%s\n' "${syncs[@]}"
        else
            printf '%s\n' "${syncs[@]:0:2}" "${syncs[@]: -2}"
            step=$(( nsync / (want > 4 ? want - 4 : 1) + 1 ))
            for ((i = 2; i < nsync - 2; i += step)); do echo "${syncs[$i]}"; done
        fi | while read -r k; do echo $((k - 1)); echo "$k"; done
        RANDOM=$CRASH_SEED
        for ((i = 0; i < n / 8 && ${#journal_syncs[@]} > 0; i++)); do
            echo $(( journal_syncs[RANDOM % ${#journal_syncs[@]}] - 1 ))
        done
        for ((i = 0; i < n / 2 - 1 - n / 8; i++)); do echo $(( (RANDOM * 32768 + RANDOM) % total + 1 )); done
        echo "$total"
    } | sort -n -u
}

# crash_materialize PRISTINE DATADIR TRACE K MODE SEED — DATADIR (and its
# journal) as the power loss after change K left it.
crash_materialize() {
    local pristine=$1 data=$2 trace=$3 k=$4 mode=$5 seed=$6
    rm -rf "$data" "$data.rewind-journal"
    cp -a "$pristine" "$data"
    as_pg "$CRASHSIM" make "$trace" "$k" "$mode" "$seed" "$data" "$data"
}

# _rollback_restores LABEL DATADIR TARGET SOURCE BEFORE — --rollback on a
# marked (or untouched, with a journal) state gives back BEFORE exactly.
_rollback_restores() {
    local label=$1 data=$2 target=$3 source=$4 before=$5 st=0 after
    run_rewind "$target" "$source" --rollback || st=$?
    after=$(content_fingerprint "$data")
    if [[ $st == 0 && "$after" == "$before" && ! -e "$data.rewind-journal" ]]; then return 0; fi
    diag "$label: --rollback exit status $st; output:" "$(tail -n 5 "$REWIND_OUT")"
    diag "$(diff <(echo "$before") <(echo "$after") | head -n 10 || true)"
    return 1
}

# crash_check_states LABEL TARGET SOURCE PRISTINE TRACE BEFORE AFTER [rerun]
# — every chosen crash state of one traced run (of a rewind, or of a
# --rollback when AFTER is empty: then only (a) and (b) are allowed).
# Counts in CRASH_CHECKED, CRASH_MARKED, CRASH_UNTOUCHED, CRASH_COMMITTED.
crash_check_states() {
    local label=$1 target=$2 source=$3 pristine=$4 trace=$5 before=$6 after=$7
    local data=${NODE_DATA[$target]} k mode seed state n=0 bad=0 fp ctl_orig st
    local marked=0 untouched=0 committed=0 full_marked=0 full_committed=0
    local modes=(data random lost random kept random)
    ctl_orig=$(sha256sum <"$pristine/global/pg_control")
    local points last
    points=$(_crash_points "$trace" "$CRASH_STATES"); last=$(tail -n 1 <<<"$points")
    # the very end (the journal's removal not yet durable) in every mode
    while read -r k mode <&3; do
        [[ -n "$mode" ]] || mode=${modes[$((n % ${#modes[@]}))]}
        seed=$((CRASH_SEED * 1000 + n)); n=$((n + 1))
        local what="$label: crash after change $k ($mode, seed $seed)"
        if ! crash_materialize "$pristine" "$data" "$trace" "$k" "$mode" "$seed" >"$SCRATCH/crashsim.out" 2>&1; then
            fail "$what: the crash simulator rebuilt the state"; diag "$(cat "$SCRATCH/crashsim.out")"
            bad=$((bad + 1)); continue
        fi
        state=$(control_state "$target")
        if [[ "$state" == *unrecognized* ]]; then
            # (a) marked
            marked=$((marked + 1))
            if ((marked % CRASH_FULL_EVERY == 1)); then
                st=0
                as_pg "$PGBIN/postgres" --single -D "$data" postgres </dev/null >"$SCRATCH/single.out" 2>&1 || st=$?
                if [[ $st == 0 ]] || ! grep -q 'invalid database cluster state' "$SCRATCH/single.out"; then
                    fail "$what: PostgreSQL refuses to start the marked state"
                    diag "$(tail -n 3 "$SCRATCH/single.out")"; bad=$((bad + 1))
                fi
            fi
            if ! _rollback_restores "$what" "$data" "$target" "$source" "$before"; then
                fail "$what: marked, and --rollback restores it byte for byte"; bad=$((bad + 1)); continue
            fi
            if [[ -n "$after" ]] && ((marked % CRASH_FULL_EVERY == 1)); then
                # a rerun from the crash state itself: it rolls back, then rewinds
                crash_materialize "$pristine" "$data" "$trace" "$k" "$mode" "$seed" >/dev/null
                st=0; run_rewind "$target" "$source" -R || st=$?
                is "$st" 0 "$what: a rerun from the marked state finishes"
                if last_ok; then verify_standby "$what: rerun" "$target" "$source"
                else diag "$(tail -n 5 "$REWIND_OUT")"; bad=$((bad + 1)); fi
                full_marked=$((full_marked + 1))
            fi
        elif [[ "$(sha256sum <"$data/global/pg_control")" == "$ctl_orig" ]]; then
            # (b) the original pg_control: PostgreSQL would start, so nothing may differ
            untouched=$((untouched + 1))
            fp=$(content_fingerprint "$data" | grep -v '\.rewind-tmp' || true)
            if [[ "$fp" != "$before" ]]; then
                fail "$what: the original pg_control on a changed directory (PostgreSQL would start it half-rewritten)"
                diag "$(diff <(echo "$before") <(echo "$fp") | head -n 10 || true)"; bad=$((bad + 1)); continue
            fi
            if [[ -e "$data.rewind-journal" ]] && ! _rollback_restores "$what" "$data" "$target" "$source" "$before"; then
                fail "$what: untouched, and --rollback removes the journal and leaves it so"; bad=$((bad + 1))
            fi
        elif [[ -n "$after" ]]; then
            # (c) committed
            committed=$((committed + 1))
            fp=$(content_fingerprint "$data")
            if [[ "$fp" != "$after" ]]; then
                fail "$what: the final pg_control, and every file as after the complete run"
                diag "$(diff <(echo "$after") <(echo "$fp") | head -n 10 || true)"; bad=$((bad + 1)); continue
            fi
            st=0; run_rewind "$target" "$source" --rollback || st=$?
            if [[ $st == 0 ]] || grep -q 'rollback complete' "$REWIND_OUT"; then
                fail "$what: committed, and --rollback does not claim to restore it"
                diag "$(tail -n 5 "$REWIND_OUT")"; bad=$((bad + 1)); continue
            fi
            if ((committed % CRASH_FULL_EVERY == 1)); then
                crash_materialize "$pristine" "$data" "$trace" "$k" "$mode" "$seed" >/dev/null
                rm -rf "$data.rewind-journal"   # what the refusal above tells the DBA to do
                verify_standby "$what: committed" "$target" "$source"
                full_committed=$((full_committed + 1))
            fi
        else
            fail "$what: a state of a rollback is marked or exactly the original (pg_control: $state)"
            bad=$((bad + 1))
        fi
    done 3< <(echo "$points"; printf '%s %s\n' "$last" data "$last" lost "$last" random "$last" random)
    is "$bad" 0 "$label: all $n crash states are marked and roll back ($marked), untouched ($untouched) or committed ($committed)"
    note "$label: $n crash states: $marked marked ($full_marked rerun and verified), $untouched untouched, $committed committed ($full_committed started and verified)"
    CRASH_CHECKED=$((${CRASH_CHECKED:-0} + n))
}

# crash_test TARGET SOURCE — the whole power-loss test of one scenario:
# TARGET (stopped, diverged from the running SOURCE) is rewound once with a
# trace, then every chosen crash state of that run is checked; then one
# marked state is rolled back with a trace, and the crash states of that
# rollback are checked too.
crash_test() {
    local target=$1 source=$2 data=${NODE_DATA[$1]} st=0 before after k
    local pristine=$SCRATCH/crash-pristine trace=$SCRATCH/rewind.trace rtrace=$SCRATCH/rollback.trace
    local marked_copy=$SCRATCH/crash-marked
    rm -rf "$pristine"; cp -a "$data" "$pristine"
    before=$(content_fingerprint "$pristine")

    as_pg touch "$trace"
    st=0; REWIND_OUT=$SCRATCH/traced.out
    as_pg env REWIND_TEST_CRASH_TRACE="$trace" "$TOOL" --target-pgdata="$data" \
        --source-server="$(source_connstr "$source")" -R >"$REWIND_OUT" 2>&1 || st=$?
    is "$st" 0 "the traced rewind succeeds"
    last_ok || diag "$(cat "$REWIND_OUT")"
    after=$(content_fingerprint "$data")
    note "trace: $(stat -c %s "$trace") bytes, $("$CRASHSIM" info "$trace" | sed -n 1p) changes, $(( $("$CRASHSIM" info "$trace" | wc -l) - 1 )) syncs ($("$CRASHSIM" info "$trace" | grep -c '\.rewind-journal/journal$' || true) of the journal)"
    # the simulator itself: nothing lost after the last change gives the
    # run's result, no change at all the original
    crash_materialize "$pristine" "$data" "$trace" "$("$CRASHSIM" info "$trace" | sed -n 1p)" kept 0 >/dev/null
    is "$(content_fingerprint "$data")" "$after" "the simulator replays the whole trace into the run's result"
    ok "... without a journal" test ! -e "$data.rewind-journal"
    crash_materialize "$pristine" "$data" "$trace" 0 kept 0 >/dev/null
    is "$(content_fingerprint "$data")" "$before" "... and no change into the original"
    crash_check_states "rewind" "$target" "$source" "$pristine" "$trace" "$before" "$after"

    # A crash during --rollback: from a marked state in the middle of the run
    k=$(( $("$CRASHSIM" info "$trace" | sed -n 1p) / 2 ))
    crash_materialize "$pristine" "$data" "$trace" "$k" kept 0 >/dev/null
    like "$(control_state "$target")" "unrecognized status code" "the state to roll back is marked"
    rm -rf "$marked_copy" "$marked_copy.rewind-journal"
    cp -a "$data" "$marked_copy"; cp -a "$data.rewind-journal" "$marked_copy.rewind-journal"
    as_pg touch "$rtrace"
    st=0; REWIND_OUT=$SCRATCH/traced-rollback.out
    as_pg env REWIND_TEST_CRASH_TRACE="$rtrace" "$TOOL" --target-pgdata="$data" --rollback \
        >"$REWIND_OUT" 2>&1 || st=$?
    is "$st" 0 "the traced --rollback succeeds"
    is "$(content_fingerprint "$data")" "$before" "... and restores the target byte for byte"
    _crash_rollback_states "$target" "$source" "$marked_copy" "$rtrace" "$before"
}

# _crash_rollback_states TARGET SOURCE MARKED TRACE BEFORE — crash states of
# a --rollback that started from MARKED (the data directory and its journal).
_crash_rollback_states() {
    local target=$1 source=$2 marked=$3 trace=$4 before=$5 data=${NODE_DATA[$1]}
    local k mode seed n=0 bad=0 state fp st
    local modes=(data random lost random)
    for k in $(_crash_points "$trace" "$CRASH_STATES"); do
        mode=${modes[$((n % ${#modes[@]}))]}; seed=$((CRASH_SEED * 1000 + 500 + n)); n=$((n + 1))
        local what="rollback: crash after change $k ($mode, seed $seed)"
        rm -rf "$data" "$data.rewind-journal"
        cp -a "$marked" "$data"; cp -a "$marked.rewind-journal" "$data.rewind-journal"
        if ! as_pg "$CRASHSIM" make "$trace" "$k" "$mode" "$seed" "$data" "$data" >"$SCRATCH/crashsim.out" 2>&1; then
            fail "$what: the crash simulator rebuilt the state"; diag "$(cat "$SCRATCH/crashsim.out")"
            bad=$((bad + 1)); continue
        fi
        state=$(control_state "$target")
        if [[ "$state" == *unrecognized* && ! -e "$data.rewind-journal" ]]; then
            fail "$what: marked, and its journal is there to roll it back"; bad=$((bad + 1)); continue
        elif [[ "$state" != *unrecognized* ]]; then
            fp=$(content_fingerprint "$data")
            if [[ "$fp" != "$before" ]]; then
                fail "$what: not marked, so exactly the original (PostgreSQL would start it)"
                diag "$(diff <(echo "$before") <(echo "$fp") | head -n 10 || true)"; bad=$((bad + 1)); continue
            fi
        fi
        if [[ -e "$data.rewind-journal" ]] && ! _rollback_restores "$what" "$data" "$target" "$source" "$before"; then
            fail "$what: --rollback run again restores the target byte for byte"; bad=$((bad + 1))
        fi
    done
    is "$bad" 0 "rollback: all $n crash states of the rollback are marked or the original, and roll back"
    note "rollback: $n crash states checked"
    CRASH_CHECKED=$((${CRASH_CHECKED:-0} + n))
}

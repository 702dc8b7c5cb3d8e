#!/usr/bin/env bash
# smoke.sh BINDIR SCRATCH TARGET... — the short fuzz pass of make check
# (make fuzz-smoke).  Each TARGET (BINDIR/TARGET, a libFuzzer binary) first
# replays fuzz/regressions/TARGET/ and the seeds in SCRATCH/seeds/TARGET/,
# then fuzzes for FUZZ_SECONDS (default 60); FUZZ_JOBS targets run at a time
# (default 2: each is one process on one core).  The mutations follow
# FUZZ_SEED (default 1), so make check explores the same inputs on every
# machine and a red run can be replayed; FUZZ_SEED=0 draws a new seed, as
# make fuzz does for the long search.  New corpus inputs and a
# crashing, hanging or out-of-memory input go under SCRATCH only, never
# into the source tree.  Prints one line per target as it ends; on a
# failure, the end of its log and where its input is; exits 1 if any
# target failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bindir=$1 scratch=$2
shift 2
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
seed=${FUZZ_SEED:-1}

# run_target T — fuzz T; its output in SCRATCH/T.log.
run_target() {
	local t=$1 kept=()
	mkdir -p "$scratch/corpus/$t" "$scratch/crashes/$t"
	if [[ -d fuzz/regressions/$t ]]; then kept=("fuzz/regressions/$t"); fi
	"$bindir/$t" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$scratch/crashes/$t/" "$scratch/corpus/$t" \
		"$scratch/seeds/$t" "${kept[@]}" >"$scratch/$t.log" 2>&1
}

# report T STATUS — one line for T; on failure its log's end and its input.
report() {
	local t=$1 st=$2
	if [[ $st -eq 0 ]]; then
		echo "== $t: ok, $(grep -E '^#[0-9]+[[:space:]]+DONE' "$scratch/$t.log" | tr -s '\t ' ' ')"
		return 0
	fi
	echo "== $t: FAILED (status $st), log: $scratch/$t.log"
	tail -n 40 "$scratch/$t.log"
	echo "the input: $(ls "$scratch/crashes/$t"/* 2>/dev/null || echo none)"
	echo "(to keep it as a regression: copy it into fuzz/regressions/$t/, or run make fuzz)"
	return 1
}

echo "fuzzing ${#} targets, $seconds s each, $jobs at a time, seed $seed"
declare -A pid_target=()
failed=0
reap() {
	local pid st=0
	wait -n -p pid || st=$?
	report "${pid_target[$pid]}" "$st" || failed=1
	unset "pid_target[$pid]"
}
for t in "$@"; do
	while [[ ${#pid_target[@]} -ge $jobs ]]; do reap; done
	[[ $failed -eq 0 ]] || break	# no new target after a failure
	run_target "$t" &
	pid_target[$!]=$t
done
while [[ ${#pid_target[@]} -gt 0 ]]; do reap; done
exit "$failed"

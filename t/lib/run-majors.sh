#!/usr/bin/env bash
# run-majors.sh MAJOR... — the integration tests (t/integration/*.t) on each
# MAJOR, MAJOR_JOBS majors at a time ("make integration" runs it).
#
# Concurrent runs are safe: every test file has its own scratch directory
# (mktemp under /var/tmp) and reserves its ports atomically (t/lib/harness.sh,
# _alloc_port), whoever else runs tests on the host.
#
# One major at a time, prove's output streams as it comes.  Several at a
# time, each major's output goes to LOG_DIR/integration-MAJOR.log, one line
# is printed as each major ends, and the whole log of every failing major
# is printed at the end.  Exit status 1 when any major failed or a major
# named in REWIND_REQUIRE_MAJORS is not installed.
#
# Environment: REWIND_BIN (required), PG_NPM_ROOT (default /opt/rewind-pg),
# MAJOR_JOBS (default 1), PROVE_JOBS (default 2), PROVE_FLAGS, LOG_DIR
# (default build/integration-logs), REWIND_REQUIRE_MAJORS, TESTS (the test
# files, default every t/integration/*.t).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

: "${REWIND_BIN:?set REWIND_BIN to the rewind binary to test}"
PG_NPM_ROOT=${PG_NPM_ROOT:-/opt/rewind-pg}
MAJOR_JOBS=${MAJOR_JOBS:-1}
PROVE_JOBS=${PROVE_JOBS:-2}
LOG_DIR=${LOG_DIR:-build/integration-logs}
read -r -a prove_flags <<<"${PROVE_FLAGS:-}"
read -r -a tests <<<"${TESTS:-}"
if [[ ${#tests[@]} -eq 0 ]]; then tests=(t/integration/*.t); fi

failed=()
runnable=()
for m in "$@"; do
	if [[ "$m" == 15 || -x "$PG_NPM_ROOT/$m/bin/postgres" ]]; then
		runnable+=("$m")
	elif [[ " ${REWIND_REQUIRE_MAJORS:-} " == *" $m "* ]]; then
		echo "PostgreSQL $m is required but not installed"
		failed+=("$m")
	else
		echo "== PostgreSQL $m: not installed, skipped"
	fi
done

# run_major M — prove on major M; its output on stdout.
run_major() {
	PG_MAJOR=$1 PG_NPM_ROOT=$PG_NPM_ROOT REWIND_BIN=$REWIND_BIN \
		prove -j"$PROVE_JOBS" --exec bash "${prove_flags[@]}" "${tests[@]}"
}

if [[ "$MAJOR_JOBS" -le 1 ]]; then
	for m in "${runnable[@]}"; do
		echo "== PostgreSQL $m"
		run_major "$m" || failed+=("$m")
	done
else
	mkdir -p "$LOG_DIR"
	declare -A pid_major=() started=()
	# reap — wait for one major to end and say how it went.
	reap() {
		local pid st=0 m
		wait -n -p pid || st=$?
		m=${pid_major[$pid]}
		unset "pid_major[$pid]"
		if [[ $st -eq 0 ]]; then
			echo "== PostgreSQL $m: passed ($((SECONDS - started[$m])) s)"
		else
			echo "== PostgreSQL $m: FAILED ($((SECONDS - started[$m])) s), log: $LOG_DIR/integration-$m.log"
			failed+=("$m")
		fi
	}
	for m in "${runnable[@]}"; do
		while [[ ${#pid_major[@]} -ge $MAJOR_JOBS ]]; do reap; done
		echo "== PostgreSQL $m: started"
		started[$m]=$SECONDS
		run_major "$m" >"$LOG_DIR/integration-$m.log" 2>&1 &
		pid_major[$!]=$m
	done
	while [[ ${#pid_major[@]} -gt 0 ]]; do reap; done
	for m in "${failed[@]}"; do
		[[ -v "started[$m]" ]] || continue   # required, not installed
		echo
		echo "==== PostgreSQL $m: $LOG_DIR/integration-$m.log ===="
		cat "$LOG_DIR/integration-$m.log"
	done
fi

if [[ ${#failed[@]} -gt 0 ]]; then
	echo "integration tests failed for PostgreSQL ${failed[*]}"
	exit 1
fi

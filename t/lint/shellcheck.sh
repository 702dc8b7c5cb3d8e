#!/usr/bin/env bash
# Lint: shellcheck -x on every shell script of the repository: the
# *.sh and *.t files, and any other file whose first line runs bash or sh
# (.ci/run), outside .git, build directories and the fuzz inputs.  Prints
# what it finds and fails on any finding.  SHELLCHECK_JOBS at a time
# (default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

scripts=()
while IFS= read -r -d '' f; do
	case $f in
	*.sh | *.t) scripts+=("$f") ;;
	*) if head -n 1 "$f" | grep -qE '^#!.*[/ ](ba)?sh( |$)'; then scripts+=("$f"); fi ;;
	esac
done < <(find . \( -name .git -o -name 'build*' -o -path ./fuzz/regressions \) -prune \
	-o -type f -print0 | sort -z)

if [[ ${#scripts[@]} -eq 0 ]]; then
	echo "shellcheck.sh: no shell script found" >&2
	exit 1
fi
echo "shellcheck -x: ${#scripts[@]} scripts"
printf '%s\0' "${scripts[@]}" | xargs -0 -P "${SHELLCHECK_JOBS:-2}" -n 8 shellcheck -x

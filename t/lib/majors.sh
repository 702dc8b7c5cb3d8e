#!/usr/bin/env bash
# majors.sh [--npm | --test-order] -- the supported PostgreSQL majors, read
# from their one source, the version table in lib/pgver.c (one ".major = N"
# per row), ascending and space separated.
#   --npm         only those whose servers come from npm: all but 15, which
#                 Debian 12 ships (t/lib/install-pg-npm.sh installs them)
#   --test-order  15 first, then the others: the order `make integration`
#                 runs them in
set -euo pipefail

DEBIAN_MAJOR=15
table="$(dirname "${BASH_SOURCE[0]}")/../../lib/pgver.c"
all=$(sed -n 's/^[[:space:]]*\.major = \([0-9][0-9]*\),.*/\1/p' "$table" | tr '\n' ' ')
all=${all% }
if [ -z "$all" ]; then
	echo "majors.sh: no \".major = N\" rows in $table" >&2
	exit 1
fi
npm=""
for m in $all; do
	[ "$m" = "$DEBIAN_MAJOR" ] || npm+="${npm:+ }$m"
done
case ${1:-} in
	"") echo "$all" ;;
	--npm) echo "$npm" ;;
	--test-order)
		if [ "$npm" = "$all" ]; then echo "$all"; else echo "$DEBIAN_MAJOR${npm:+ }$npm"; fi ;;
	*) echo "usage: majors.sh [--npm | --test-order]" >&2; exit 2 ;;
esac

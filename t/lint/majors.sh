#!/usr/bin/env bash
# The supported majors have one source, the version table in lib/pgver.c
# (read by t/lib/majors.sh).  Every other place that still spells them out
# must agree with it: a run of three or more majors ("14, 15, 16, 17 and
# 18", "14 16 17 18", "15 14 16 17 18") must name all of them or all the
# npm ones (all but 15), and a range ("A..B", "A to B") must be the first
# to the last.  A run that also holds other numbers (a list of type oids
# "16, 17, 18, 19, ..., 114") is data, not majors.
# With a built rewind (REWIND_BIN, default build/rewind), --help must list
# the table's majors too, which checks that majors.sh reads the table right.
# Prints every disagreement and fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

all=$(bash t/lib/majors.sh)
npm=$(bash t/lib/majors.sh --npm)
first=${all%% *}
last=${all##* }
sorted() { tr ' ' '\n' <<<"$1" | sort -n | tr '\n' ' ' | sed 's/ $//'; }

files=(README man/rewind.1 Makefile .ci/run t/lib/*.sh t/fixtures/*.sh
       t/integration/*.t t/unit/*.c src/*/*.[ch] lib/*.[ch])
for f in HACKING doc/*; do [ -f "$f" ] && files+=("$f"); done

bad=0
while IFS=: read -r file line run; do
	set=$(sorted "$(sed -E 's/(, and |, | and |,)/ /g' <<<"$run")")
	if grep -qE '(^| )([0-9]|[0-9]{3,}|[3-9][0-9])( |$)' <<<"$set"; then
		continue
	fi
	if [ "$set" != "$all" ] && [ "$set" != "$npm" ]; then
		echo "$file:$line: names the majors \"$run\"; the version table has $all (npm: $npm)"
		bad=1
	fi
done < <(grep -noE '\b[0-9]+((, and |, | and | |,)[0-9]+){2,}\b' "${files[@]}" || true)

while IFS=: read -r file line range; do
	if [ "${range/ to /..}" != "$first..$last" ]; then
		echo "$file:$line: the range \"$range\" is not the supported majors $first..$last"
		bad=1
	fi
done < <(grep -noE '\b[1-9][0-9]( to |\.\.)[1-9][0-9]\b' "${files[@]}" || true)

bin=${REWIND_BIN:-build/rewind}
if [ -x "$bin" ]; then
	help=$("$bin" --help | sed -n 's/^Supported PostgreSQL versions: \([0-9, ]*\) (.*/\1/p')
	if [ "$(sorted "${help//,/}")" != "$all" ]; then
		echo "$bin --help lists \"$help\", t/lib/majors.sh read \"$all\" from lib/pgver.c"
		bad=1
	fi
fi
exit $bad

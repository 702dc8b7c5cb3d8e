#!/usr/bin/env bash
# The layers of src/, lowest first; lib/ is below all of them.  A file may
# include headers of its own folder and of the folders before it, never of
# one after it.  Prints every include that breaks this and fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

layers=(util source target config plan report salvage run)

rank() {
	local i
	for i in "${!layers[@]}"; do
		if [ "${layers[$i]}" = "$1" ]; then echo "$i"; return; fi
	done
	echo "unknown"
}

bad=0
# lib/ includes nothing of src/
if grep -n '#include "[a-z_]*/' lib/*.c lib/*.h; then
	echo "lib/ must not include src/ headers (above)"
	bad=1
fi
for f in src/*/*.[ch]; do
	dir=${f#src/}; dir=${dir%%/*}
	own=$(rank "$dir")
	if [ "$own" = unknown ]; then
		echo "$f: folder src/$dir is not a known layer (t/lint/layers.sh)"
		bad=1; continue
	fi
	while IFS= read -r inc; do
		idir=${inc%%/*}
		r=$(rank "$idir")
		if [ "$r" = unknown ] || [ "$r" -gt "$own" ]; then
			echo "$f includes $inc: src/$idir is above src/$dir"
			bad=1
		fi
	done < <(sed -n 's/^#include "\([a-z_]*\/[a-z_0-9]*\.h\)".*/\1/p' "$f")
done
exit $bad

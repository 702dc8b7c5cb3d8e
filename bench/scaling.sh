#!/usr/bin/env bash
# make bench-scaling: does rewind's time grow with the cluster, or only with
# the divergence?  Runs bench/bench.sh (rewind alone, loopback) on a small
# and a large pgbench cluster that go through the same divergence
# (BENCH_HOT_SCALE: the same rows changed in the same way before and after
# it), and compares the median wall times.  The goal (issue 5): the large
# one within 20% of the small one.
#
# Every timed run starts with an empty page cache (BENCH_COLD=1): a large
# cluster does not fit in this machine's memory and the copy of its old
# primary made just before each run evicts the blocks both tools read,
# while a small one stays cached whole; comparing a cold run with a warm
# one would measure the machine's memory, not the rewind.  BENCH_COLD=0
# compares them as they come.
#
# Variables: SCALING_SMALL (default 100), SCALING_LARGE (default 1000),
# BENCH_HOT_SCALE (default SCALING_SMALL), BENCH_ROUNDS (default 3); the
# other BENCH_* settings pass through to bench.sh.  Disk: the large
# cluster's source, its stopped old primary and one copy of it, with their
# WAL: some 70 GB at scale 1000; both scales take about 11 minutes on 2
# cores.
set -euo pipefail

SCALING_SMALL=${SCALING_SMALL:-100}
SCALING_LARGE=${SCALING_LARGE:-1000}
export BENCH_HOT_SCALE=${BENCH_HOT_SCALE:-$SCALING_SMALL}
export BENCH_ROUNDS=${BENCH_ROUNDS:-3} BENCH_PG_REWIND=0 BENCH_NETNS=0
export BENCH_COLD=${BENCH_COLD:-1}
# all WAL from the standby's creation on must stay (see bench/failover.sh)
export BENCH_WAL_KEEP=${BENCH_WAL_KEEP:-4GB}
here=$(dirname "${BASH_SOURCE[0]}")
# about 70 MB of disk per unit of scale (measured at 1000), checked up front
need_mb=$((SCALING_LARGE * 70))
have_mb=$(df -Pm /var/tmp | awk 'NR == 2 { print $4 }')
if ((have_mb < need_mb)); then
    echo "bench-scaling: scale $SCALING_LARGE needs about $need_mb MB free in /var/tmp, there are $have_mb MB"
    exit 1
fi
out=$(mktemp -d /var/tmp/rewind-scaling.XXXXXX)
trap 'rm -rf "$out"' EXIT

for scale in "$SCALING_SMALL" "$SCALING_LARGE"; do
    printf '== %s scale %s\n' "$(date +%T)" "$scale" >&2
    BENCH_SCALE=$scale BENCH_RESULTS=$out/$scale.tsv bash "$here/bench.sh"
done

python3 - "$out/$SCALING_SMALL.tsv" "$out/$SCALING_LARGE.tsv" "$SCALING_SMALL" "$SCALING_LARGE" <<'PY'
import statistics, sys
def runs(path):
    return [l.split('\t') for l in open(path) if l.startswith('rewind\t')]
small, large = runs(sys.argv[1]), runs(sys.argv[2])
med = {}
print()
print(f"{'scale':>6} {'wall s med/min/max':>20} {'fetched MB':>11} {'peak RSS MB':>11}")
for name, rs in ((sys.argv[3], small), (sys.argv[4], large)):
    wall = [float(r[2]) for r in rs]
    med[name] = statistics.median(wall)
    print(f"{name:>6} {med[name]:8.2f}/{min(wall):5.2f}/{max(wall):5.2f} "
          f"{int(rs[-1][3]) / 2**20:11.1f} {max(int(r[5]) for r in rs) / 1024:11.1f}")
ratio = med[sys.argv[4]] / med[sys.argv[3]]
verdict = "within" if ratio <= 1.2 else "NOT within"
print(f"scale {sys.argv[4]} / scale {sys.argv[3]}: {ratio:.2f}x ({verdict} 20%)")
PY

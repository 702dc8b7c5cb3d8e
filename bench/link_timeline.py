#!/usr/bin/env python3
"""The link's use over one rewind run, from its --debug lines.

Usage: link_timeline.py DEBUG_FILE WALL_SECONDS REFERENCE_BYTES_PER_S

rewind --debug prints, while it fetches, "debug: T s: link: N UNIT received
in S s (...)": N bytes arrived in the S seconds up to T (seconds since its
start).  Each such interval's bytes are spread evenly over it.  Printed:
  - the MB/s of every second of the run, from 0 to WALL_SECONDS (the run's
    wall time, /usr/bin/time's; a second no interval covers shows 0);
  - the share of the run the link idled: the run cut in 0.1 s slots, a slot
    idle when no interval covers it or its interval moved less than 10% of
    REFERENCE_BYTES_PER_S (the link's measured goodput; 0: of the run's
    busiest interval).
"""
import math
import re
import sys

UNITS = {'kB': 1 << 10, 'MB': 1 << 20, 'GB': 1 << 30}
LINE = re.compile(r'debug: ([0-9.]+) s: link: ([0-9.]+) (kB|MB|GB) received in ([0-9.]+) s')

path, wall, ref = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
intervals = []          # (start s, end s, bytes)
with open(path, errors='replace') as f:
    for line in f:
        m = LINE.search(line)
        if m:
            end, span = float(m.group(1)), float(m.group(4))
            intervals.append((end - span, end, float(m.group(2)) * UNITS[m.group(3)]))
if not intervals:
    print("  link: no link lines in rewind's --debug output")
    sys.exit(0)
wall = max(wall, intervals[-1][1])
if ref <= 0:
    ref = max(b / max(e - s, 1e-3) for s, e, b in intervals)

seconds = [0.0] * math.ceil(wall)
slot = 0.1
slots = [False] * math.ceil(wall / slot)
for s, e, b in intervals:
    span = max(e - s, 1e-3)
    for i in range(int(s), min(math.ceil(e), len(seconds))):
        seconds[i] += b * (min(e, i + 1) - max(s, i)) / span
    if b / span >= 0.1 * ref:
        for i in range(int(s / slot), min(math.ceil(e / slot), len(slots))):
            slots[i] = True
idle = 1 - sum(slots) / len(slots)
total = sum(b for _, _, b in intervals)
print(f"  link, MB/s in each second of the run: {' '.join(f'{x / 2**20:.0f}' for x in seconds)}")
print(f"  link lines: {total / 2**20:.1f} MB from {intervals[0][0]:.2f} s to {intervals[-1][1]:.2f} s"
      f" of {wall:.2f} s; idle (under 10% of {ref / 2**20:.0f} MB/s) {idle * 100:.0f}% of the run")

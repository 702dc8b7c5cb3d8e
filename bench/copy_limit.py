#!/usr/bin/env python3
"""The loopback limit: the time to read once, on the source, what a correct
rewind must fetch, and to write it once on the target.

Usage: copy_limit.py SOURCE_DATADIR BLOCKS WAL_LIST SCRATCH_FILE

BLOCKS: one "rel SPC/DB/REL blk N" per line (pg_waldump --bkp-details's main
fork block references after the divergence, sorted, unique).  WAL_LIST: the
source's WAL segment files to read whole, one path a line.  Each block is
read (pread) from the source's relation file (runs of consecutive blocks in
one read of up to 1 MB; a block past a file's end, or in a file the source
no longer has, is skipped and not counted), then every WAL segment in 1 MB
reads; everything read is written (write) to SCRATCH_FILE, on the target's
filesystem, fsynced once at the end and removed.  Prints "BYTES SECONDS",
the time from the first read to the end of the fsync."""
import glob
import os
import sys
import time

BLCKSZ, RELSEG_BLOCKS, MAX_RUN = 8192, 131072, 128
datadir, blocks_file, wal_list, scratch = sys.argv[1:5]


def rel_path(spc, db, rel):
    if spc == '1664':
        return os.path.join(datadir, 'global', rel)
    if spc == '1663':
        return os.path.join(datadir, 'base', db, rel)
    found = glob.glob(os.path.join(datadir, 'pg_tblspc', spc, 'PG_*', db, rel))
    return found[0] if found else None


blocks = set()
with open(blocks_file) as f:
    for line in f:
        _, ident, _, blk = line.split()
        spc, db, rel = ident.split('/')
        path = rel_path(spc, db, rel)
        if path is None:
            continue
        seg, off = divmod(int(blk), RELSEG_BLOCKS)
        blocks.add((path + (f'.{seg}' if seg else ''), off))
# [path, first block, count]: runs of consecutive blocks in one segment file
runs = []
for path, off in sorted(blocks):
    last = runs[-1] if runs else None
    if last and last[0] == path and last[1] + last[2] == off and last[2] < MAX_RUN:
        last[2] += 1
    else:
        runs.append([path, off, 1])
wal = [l.strip() for l in open(wal_list) if l.strip()]

out = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
moved = 0
t0 = time.monotonic()
fd, open_path = -1, None
for path, off, count in runs:
    if path != open_path:
        if fd >= 0:
            os.close(fd)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            fd = -1
        open_path = path
    if fd < 0:
        continue
    data = os.pread(fd, count * BLCKSZ, off * BLCKSZ)
    data = data[:len(data) - len(data) % BLCKSZ]
    os.write(out, data)
    moved += len(data)
if fd >= 0:
    os.close(fd)
for path in wal:
    with open(path, 'rb', buffering=0) as f:
        while True:
            data = f.read(1 << 20)
            if not data:
                break
            os.write(out, data)
            moved += len(data)
os.fsync(out)
elapsed = time.monotonic() - t0
os.close(out)
os.unlink(scratch)
print(moved, f"{elapsed:.3f}")

#!/usr/bin/env bash
# make-listing-seeds.sh OUT — seed listings for fuzz/fuzz_listing.c in
# OUT/fuzz_listing/: lines "f PATH", "d PATH", "l PATH<TAB>TARGET"; a
# TARGET "@name" is below the scratch directory's outside/.
set -euo pipefail
out=$1/fuzz_listing
mkdir -p "$out"
printf 'l pg_tblspc/16384\t@free\nd pg_tblspc/16384/PG_15_202209061\nd pg_tblspc/16384/PG_15_202209061/5\nf pg_tblspc/16384/PG_15_202209061/5/16385\nf base/5/2\n' \
    >"$out/own-tablespace"
printf 'l pg_tblspc/1\t@victim\nd pg_tblspc/1/PG_15_202209061\nd pg_tblspc/1/PG_15_202209061/5\nf pg_tblspc/1/PG_15_202209061/5/1\n' \
    >"$out/source-tablespace"
printf 'l base/5/evil\t/tmp/x\nf base/5/evil/file\n' >"$out/link-to-tmp"
printf 'f ../../etc/x\nd base/../..\nf base/5/../../../outside/victim/x\n' >"$out/dotdot"
printf 'd newdir\nf newdir/a\nf global/pg_filenode.map\nf pg_wal/000000010000000000000003\n' >"$out/plain"

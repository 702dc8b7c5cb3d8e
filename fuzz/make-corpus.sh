#!/usr/bin/env bash
# make-corpus.sh FIXTURES OUT — seed corpora for the fuzz targets from the
# real PostgreSQL files made by "make fixtures":
#   OUT/fuzz_wal/      first pages of each WAL segment, prefixed by a byte
#                      that selects the major version (fuzz/fuzz_wal.c)
#   OUT/fuzz_control/  each major's pg_control
#   OUT/fuzz_history/  each timeline history file
set -euo pipefail
fixtures=$1 out=$2
mkdir -p "$out/fuzz_wal" "$out/fuzz_control" "$out/fuzz_history"
for dir in "$fixtures"/pg1[4-8]*; do
    [[ -d "$dir" ]] || continue
    name=$(basename "$dir")
    major=${name:2:2}
    cp "$dir/pg_control" "$out/fuzz_control/$name"
    for seg in "$dir"/wal/*; do
        base=$(basename "$seg")
        case $base in
            *.history) cp "$seg" "$out/fuzz_history/$name-$base" ;;
            *)  # 4 pages: enough for records that cross pages, small enough to mutate fast
                { printf "\\x$(printf '%02x' $((major - 14)))"; head -c 32768 "$seg"; } \
                    >"$out/fuzz_wal/$name-$base" ;;
        esac
    done
done

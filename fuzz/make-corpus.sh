#!/usr/bin/env bash
# make-corpus.sh FIXTURES OUT — seed corpora for the fuzz targets from the
# real PostgreSQL files made by "make fixtures":
#   OUT/fuzz_wal/      first pages of each WAL segment, prefixed by a byte
#                      that selects the major version (fuzz/fuzz_wal.c)
#   OUT/fuzz_control/  each major's pg_control
#   OUT/fuzz_history/  each timeline history file
#   OUT/fuzz_source_reply/  a listing, fetch and hash reply of a few rows
#                      in the layout of fuzz/fuzz_source_reply.c (made here)
set -euo pipefail
fixtures=$1 out=$2
mkdir -p "$out/fuzz_wal" "$out/fuzz_control" "$out/fuzz_history" "$out/fuzz_source_reply"
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
                # first byte: which major the fuzzer decodes as (0 = 14)
                { printf '%b' "\\x$(printf '%02x' $((major - 14)))"; head -c 32768 "$seg"; } \
                    >"$out/fuzz_wal/$name-$base" ;;
        esac
    done
done

# col VALUE | col -n — one column: flag byte (1: NULL), length byte, bytes.
col() {
    if [[ $1 == -n ]]; then printf '\x01\x00'; return; fi
    printf "\\x00\\x$(printf '%02x' ${#1})%s" "$1"
}
# pos N — column 0 of a range row: int8 N, big-endian.
# shellcheck disable=SC2059  # the format is built from a number only
pos() { printf '\x00\x08\x00\x00\x00\x00\x00\x00\x00'"\\x$(printf '%02x' "$1")"; }
r=$out/fuzz_source_reply
{ printf '\x00'; col base/5/1259; col 8192; col f; col -n
  col base; col -n; col t; col -n
  col pg_tblspc/16384; col -n; col t; col /srv/ts; } >"$r/listing"
{ printf '\x01'; for i in 1 2 3; do printf '\x20\x00'; pos "$i"; col "block-$i-data"; done
  printf '\x20\x00'; pos 4; col -n; } >"$r/fetch"
{ printf '\x02'; for i in 1 2; do printf '\x20\x00'; pos "$i"; col 0123456789abcdef0123456789abcdef; done
  printf '\x20\x00'; pos 3; col -n; } >"$r/hash"

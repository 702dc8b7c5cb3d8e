#!/usr/bin/env bash
# Fault: bad input is refused with what, where and what to do, and the
# target is left byte for byte unchanged (no journal either).  Each case runs
# on a fresh copy of the same diverged old primary.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;"
# Where the next record starts (the insert position), for case 1b; one that
# is not the first on its page is preferred.
TORN_LSN=$(node_psql old "SELECT pg_current_wal_insert_lsn()")
for ((i = 0; i < 5 && 16#${TORN_LSN#*/} % 8192 <= 40; i++)); do
    node_psql old "SELECT txid_current()" >/dev/null
    TORN_LSN=$(node_psql old "SELECT pg_current_wal_insert_lsn()")
done
node_psql old "INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(10000, 60000) g;
SELECT pg_switch_wal();
INSERT INTO t SELECT g, repeat('y', 100) FROM generate_series(60001, 110000) g;"
node_stop old fast
node_copy old bad
PRISTINE=$SCRATCH/pristine-old
cp -a "${NODE_DATA[old]}" "$PRISTINE"
DIVERGE=$(history_switchpoint new 2 1)
note "divergence at $DIVERGE"

fresh_bad() { rm -rf "${NODE_DATA[bad]}" "${NODE_DATA[bad]}.rewind-journal"; cp -a "$PRISTINE" "${NODE_DATA[bad]}"; }

# refused LABEL ERE [run_rewind args...] — the tool fails, its output matches
# ERE, and the copy "bad" is exactly as before (no journal beside it).
refused() {
    local label=$1 re=$2 before after st=0; shift 2
    before=$(snapshot_dir "${NODE_DATA[bad]}")
    run_rewind bad "$@" || st=$?
    is "$st" 1 "$label: refused (exit status 1)"
    like "$(cat "$REWIND_OUT")" "$re" "$label: the message says what, where and what to do"
    last_ok || diag "$(cat "$REWIND_OUT")"
    after=$(snapshot_dir "${NODE_DATA[bad]}")
    is "$(sha256sum <<<"$after")" "$(sha256sum <<<"$before")" "$label: the target is unchanged"
    ok "$label: no journal was created" test ! -e "${NODE_DATA[bad]}.rewind-journal"
}

# The WAL segments of timeline 1 after the divergence point, oldest first.
segno_hex() { printf '%08X%08X' $((16#${1%/*})) $((16#${1#*/} / 16777216)); }
DIV_SEG=000000010000$(segno_hex "$DIVERGE" | cut -c5-)
note "segment of the divergence: $DIV_SEG"
ok "the target has the segment of the divergence" test -f "${NODE_DATA[old]}/pg_wal/$DIV_SEG"

# 1. A record with a bad CRC after the divergence point.
fresh_bad
off=$(( (16#${DIVERGE#*/} % 16777216) + 3 * 8192 + 1060 ))
printf '\xa5\xa5\xa5\xa5' | dd of="${NODE_DATA[bad]}/pg_wal/$DIV_SEG" bs=1 seek="$off" conv=notrunc status=none
# (--method=wal: by default the page-LSN scan takes over, field-pagelsn.t)
refused "damaged WAL record" "error: .*[0-9A-F]+/[0-9A-F]+.*pg_wal/$DIV_SEG" new -R --method=wal
like "$(cat "$REWIND_OUT")" "hint: .*archive.*$DIV_SEG" "damaged WAL record: says what to do"
st=0; run_rewind bad new -n || st=$?
is "$st" 0 "damaged WAL record, --method=auto: the dry run succeeds"
like "$(cat "$REWIND_OUT")" "method: pagelsn \\(the first method that can be proven; the target's WAL after the divergence point cannot be read \\(.*pg_wal/$DIV_SEG" \
    "damaged WAL record, --method=auto: the page-LSN scan, naming the damaged segment"

# 1b. A torn record after the divergence point: its length (xl_tot_len, the
# first 4 bytes of the record header) impossible, then shorter than a header.
lsn_num() { echo $(((16#${1%/*} << 32) | 16#${1#*/})); }
TORN_SEG=00000001$(segno_hex "$TORN_LSN")
ok "the torn record at $TORN_LSN is after the divergence, in $TORN_SEG" \
    test "$(lsn_num "$TORN_LSN")" -gt "$(lsn_num "$DIVERGE")" -a -f "${NODE_DATA[old]}/pg_wal/$TORN_SEG"
# torn LABEL BYTES ERE — xl_tot_len of the record at TORN_LSN set to BYTES
# (printf escapes, little-endian); the message must match ERE too.
torn() {
    local label=$1 bytes=$2 re=$3
    fresh_bad
    # shellcheck disable=SC2059  # the escapes are the point
    printf "$bytes" | dd of="${NODE_DATA[bad]}/pg_wal/$TORN_SEG" bs=1 \
        seek=$((16#${TORN_LSN#*/} % 16777216)) conv=notrunc status=none
    refused "$label" "error: .*pg_wal/$TORN_SEG: .*record length.*$TORN_LSN" new -R --method=wal
    like "$(cat "$REWIND_OUT")" "$re" "$label: says what is wrong with the length"
    like "$(cat "$REWIND_OUT")" "hint: .*archive has an intact $TORN_SEG.*--method=auto" \
        "$label: says what to do"
}
torn "torn record, length 0xFFFFFFF0" '\xf0\xff\xff\xff' "record length 4294967280 at $TORN_LSN too long"
torn "torn record, length 4" '\x04\x00\x00\x00' "invalid record length at $TORN_LSN: wanted 24, got 4"

# 2. A missing segment in the scanned range.
fresh_bad
next_seg=$(find "${NODE_DATA[bad]}/pg_wal" -maxdepth 1 -name '00000001*' -printf '%f\n' \
    | grep -E '^00000001[0-9A-F]{16}$' | LC_ALL=C sort | grep -A1 -x "$DIV_SEG" | tail -n 1)
isnt "$next_seg" "$DIV_SEG" "there is a segment after the divergence ($next_seg)"
rm -f "${NODE_DATA[bad]}/pg_wal/$next_seg"
refused "missing WAL segment" "$next_seg" new -R --method=wal
like "$(cat "$REWIND_OUT")" 'restore_command' "missing WAL segment: suggests restore_command"
like "$(cat "$REWIND_OUT")" '(-c|--restore-target-wal)' "missing WAL segment: suggests -c"

# 3. The source's history file missing, then malformed.
HIST=${NODE_DATA[new]}/pg_wal/00000002.history
fresh_bad
mv "$HIST" "$HIST.saved"
refused "missing history file" '00000002\.history' new -R
mv "$HIST.saved" "$HIST"
cp -p "$HIST" "$HIST.saved"
printf '1\tnot-an-lsn\tbroken\n' >"$HIST"
refused "malformed history file" '00000002\.history' new -R
mv "$HIST.saved" "$HIST"

# 4. The target's pg_control with a bad CRC.
fresh_bad
printf '\x01' | dd of="${NODE_DATA[bad]}/global/pg_control" bs=1 seek=100 conv=notrunc status=none
refused "target pg_control with a bad CRC" 'pg_control.*(CRC|checksum)|(CRC|checksum).*pg_control' new -R

# 5. Source and target from different clusters.
fresh_bad
node_init other
node_start other
refused "source of another cluster" 'different systems' other -R
node_stop other fast

# 6. A running target.
fresh_bad
node_start bad
refused "running target" 'target server is running.*pg_ctl stop|running' new -R
node_stop bad fast
fresh_bad

# 7. A source role without the privileges a rewind needs.
node_psql new "CREATE ROLE weak LOGIN"
before=$(snapshot_dir "${NODE_DATA[bad]}")
st=0; as_pg "$TOOL" --target-pgdata="${NODE_DATA[bad]}" \
    --source-server="host=127.0.0.1 port=${NODE_PORT[new]} user=weak dbname=postgres" \
    >"$SCRATCH/weak.out" 2>&1 || st=$?
is "$st" 1 "source role without privileges: refused"
like "$(cat "$SCRATCH/weak.out")" 'GRANT EXECUTE ON FUNCTION pg_catalog\.pg_ls_dir' \
    "source role without privileges: lists the GRANTs"
last_ok || diag "$(cat "$SCRATCH/weak.out")"
is "$(snapshot_dir "${NODE_DATA[bad]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "source role without privileges: the target is unchanged"

# 8. A target directory that is not a data directory.
as_pg mkdir -p "$SCRATCH/notdata"
st=0; as_pg "$TOOL" --target-pgdata="$SCRATCH/notdata" --source-server="$(source_connstr new)" \
    >"$SCRATCH/notdata.out" 2>&1 || st=$?
is "$st" 1 "not a data directory: refused"
like "$(cat "$SCRATCH/notdata.out")" 'does not look like a PostgreSQL data directory' \
    "not a data directory: says so"
is "$(ls -A "$SCRATCH/notdata")" "" "not a data directory: nothing was created in it"

# 9. Not enough disk space (test hook REWIND_TEST_FREE_BYTES): refused before
# the first change.
before=$(snapshot_dir "${NODE_DATA[bad]}")
st=0; as_pg env REWIND_TEST_FREE_BYTES=4096 "$TOOL" --target-pgdata="${NODE_DATA[bad]}" \
    --source-server="$(source_connstr new)" >"$SCRATCH/nospace.out" 2>&1 || st=$?
is "$st" 1 "not enough disk space: refused"
like "$(cat "$SCRATCH/nospace.out")" 'not enough free disk space to rewind: need .* have 4 kB on the file system of' \
    "not enough disk space: says how much is needed, how much is free, where"
is "$(snapshot_dir "${NODE_DATA[bad]}" | sha256sum)" "$(sha256sum <<<"$before")" \
    "not enough disk space: the target is unchanged"
ok "not enough disk space: no journal was created" test ! -e "${NODE_DATA[bad]}.rewind-journal"

# 10. A source in recovery that cannot serve: a standby with hot_standby off
# accepts no connections.
node_backup_standby new stby
node_conf stby "hot_standby = off"
node_start stby
refused "source that cannot serve (standby, hot_standby = off)" \
    'could not connect to the source.*(not accepting connections|hot standby|starting up)' stby -R
node_stop stby fast

# And the untouched copy still rewinds.
SKIP_REF_REASON="covered by the other scenarios"
rewind_and_verify bad new -R
done_testing

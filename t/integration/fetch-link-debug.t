#!/usr/bin/env bash
# --debug shows the link's use over time: while the plan's contents are
# fetched, "link:" lines give the bytes received from the source per interval
# (about a second each, the last one shorter).  The source writes several WAL
# segments after the divergence, all of which the target lacks and must
# receive; the bytes the link lines add up to must cover them.  What they
# must cover comes from the source itself (pg_ls_waldir), not from rewind.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old --checksums
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, repeat('a', 100) FROM generate_series(1, 20000) g;"
node_backup_standby old new
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new

# several segments of WAL on the new timeline only
node_psql new "INSERT INTO t SELECT g, repeat('n', 200) FROM generate_series(20001, 250000) g"
node_checkpoint new
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id <= 500"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows updated on the old primary"
node_stop old fast

tli=$(node_tli new)
wal_bytes=$(node_psql new "SELECT coalesce(sum(size), 0) FROM pg_catalog.pg_ls_waldir()
  WHERE name ~ ('^' || lpad(to_hex($tli), 8, '0') || '[0-9A-F]{16}\$')")
note "the source's WAL segments on timeline $tli: $wal_bytes bytes"
ok "the source wrote more than one WAL segment after the divergence" test "$wal_bytes" -gt $((16 * 1024 * 1024))

SKIP_REF_REASON="--debug's link lines and --jobs are rewind's own"
rewind_and_verify old new -R --debug --jobs=2

links=$(grep 'debug: .*link: ' "$REWIND_OUT" || true)
note "$links"
like "$links" 'link: [0-9.]+ (kB|MB|GB) received in [0-9]+\.[0-9]{2} s \([0-9.]+ (kB|MB|GB)/s\)' \
    "--debug prints the link's use while fetching"
# kB lines are rounded up, MB and GB lines to a tenth: allow that much
read -r sum slack < <(awk '/link: / {
        for (i = 1; i <= NF; i++) if ($i == "received") { n = $(i - 2); u = $(i - 1) }
        m = (u == "GB") ? 2^30 : (u == "MB") ? 2^20 : 1024; s += n * m; k += m / 10 }
    END { printf "%.0f %.0f\n", s, k }' <<<"$links")
note "link lines add up to $sum bytes (rounding: up to $slack)"
ok "the link lines account for every byte of the source's new WAL ($wal_bytes bytes)" \
    test "$((sum + slack))" -ge "$wal_bytes"

# and at the end the copy's time, the part of it spent fetching, and the rest
copy=$(grep -E 'debug: .*copy: [0-9]+\.[0-9]{2} s, of which [0-9]+\.[0-9]{2} s fetching \([0-9]+ batch(es)?\); no fetch ran for -?[0-9]+\.[0-9]{2} s' "$REWIND_OUT" || true)
note "$copy"
ok "--debug prints how long the copy took and how much of it no fetch ran" test -n "$copy"
# shellcheck disable=SC2016 # $(i + 1) is awk's
ok "the copy's time is the time fetching plus the time no fetch ran" \
    awk '{ for (i = 1; i <= NF; i++) if ($i == "copy:") { t = $(i + 1); f = $(i + 5); r = $(i + 14) } }
        END { d = t - f - r; exit !(t > 0 && f > 0 && f <= t && d < 0.02 && d > -0.02) }' <<<"$copy"
# of the time no fetch ran: waiting for the journal to save the old bytes
# of the next batch, and syncing it before a batch is written
like "$copy" 'no fetch ran for -?[0-9]+\.[0-9]{2} s \([0-9]+\.[0-9]{2} s waiting for old bytes saved in the journal, [0-9]+\.[0-9]{2} s syncing it\)' \
    "--debug says how long the copy waited for the journal"
# shellcheck disable=SC2016 # $(i + 1) is awk's
ok "the waits for the journal are part of the time no fetch ran" \
    awk '{ for (i = 1; i <= NF; i++) if ($i == "copy:") { r = $(i + 14); p = substr($(i + 16), 2); s = $(i + 26) } }
        END { exit !(p + s <= r + 0.02) }' <<<"$copy"
done_testing

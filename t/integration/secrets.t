#!/usr/bin/env bash
# Secrets and files.
#  - The source is reached as a SCRAM-authenticated role whose password holds
#    quotes, backslashes and spaces (pg_hba: scram-sha-256 on 127.0.0.1), its
#    connection string given as a URI; -R must write a primary_conninfo that
#    the server reads back (postgres -C) into a connection string with which
#    psql logs in as that role, and the rewound node must stream from the
#    source.  A copy of the old primary is rewound the same way with the
#    connection string as key=value pairs.
#  - Settings that may hold credentials differ between target and source:
#    no output (text, JSON, --debug, --check, --report) may show their
#    values, only that they differ; an ordinary setting's values are shown.
#  - --report refuses a symbolic link (nothing written through it, the
#    target unchanged) and creates its file with mode 0600.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

command -v jq >/dev/null || { echo "1..0 # SKIP jq is not installed"; exit 0; }

ROLE=rw_secret
PW="it's a \\pass\\\\ word'"          # it's a \pass\\ word'
note "password: $PW"

node_init old
# the role logs in with its password, over TCP and for replication
hba=${NODE_DATA[old]}/pg_hba.conf
{ printf 'host all %s 127.0.0.1/32 scram-sha-256\n' "$ROLE"
  printf 'host replication %s 127.0.0.1/32 scram-sha-256\n' "$ROLE"
  cat "$hba"; } >"$SCRATCH/hba.new"
as_pg cp "$SCRATCH/hba.new" "$hba"
node_conf old "password_encryption = 'scram-sha-256'"
node_start old
node_psql old "CREATE ROLE $ROLE LOGIN SUPERUSER REPLICATION PASSWORD '${PW//\'/\'\'}';
CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
node_failover old new
node_psql new "UPDATE t SET v = 'new' WHERE id % 4 = 0;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id % 3 = 0;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast

# settings whose values must never be shown, different on each side
secret_settings() {
    local side=$1
    node_conf "$2" \
        "restore_command = 'false SECRET-restore-$side %f %p'" \
        "archive_command = 'false SECRET-archive-$side %p'" \
        "archive_cleanup_command = 'false SECRET-cleanup-$side %r'" \
        "recovery_end_command = 'false SECRET-end-$side'" \
        "ssl_passphrase_command = 'echo SECRET-sslpass-$side'" \
        "primary_conninfo = 'host=127.0.0.1 password=SECRET-conninfo-$side'" \
        "app.db_password = 'SECRET-custom-$side'"
}
secret_settings T old
secret_settings S new
node_conf old "work_mem = '5MB'"
node_conf new "work_mem = '6MB'"
node_copy old old2

URI="postgresql://$ROLE:$(jq -rn --arg s "$PW" '$s|@uri')@127.0.0.1:${NODE_PORT[new]}/postgres"
KV_PW=${PW//\\/\\\\}; KV_PW=${KV_PW//\'/\\\'}
KV="host=127.0.0.1 port=${NODE_PORT[new]} user=$ROLE dbname=postgres password='$KV_PW'"
note "URI: $URI"
note "key=value: $KV"
# rewind's runs use these connection strings
SRC_CONNSTR=$URI
source_connstr() { echo "$SRC_CONNSTR"; }

OUTS=()
# run_kept NAME TARGET ARGS... — run the tool; its output, stdout and stderr
# apart, is kept for the search for secrets.  Status in RUN_STATUS.
run_kept() {
    local name=$1 target=$2; shift 2
    RUN_STATUS=0
    as_pg "$TOOL" --target-pgdata="${NODE_DATA[$target]}" --source-server="$(source_connstr)" "$@" \
        >"$SCRATCH/$name.stdout" 2>"$SCRATCH/$name.stderr" || RUN_STATUS=$?
    OUTS+=("$SCRATCH/$name.stdout" "$SCRATCH/$name.stderr")
}

# --- --report: a symbolic link is refused -----------------------------------
as_pg sh -c "echo untouched >'$SCRATCH/victim'"
as_pg ln -s "$SCRATCH/victim" "$SCRATCH/report-link"
before=$(content_fingerprint "${NODE_DATA[old]}")
run_kept report-link old -R --report="$SCRATCH/report-link"
is "$RUN_STATUS" 1 "--report at a symbolic link: the run fails"
like "$(cat "$SCRATCH/report-link.stderr")" "report file \"$SCRATCH/report-link\" is a symbolic link; refusing" \
    "... saying that the report file is a symbolic link"
last_ok || diag "$(cat "$SCRATCH/report-link.stderr")"
is "$(cat "$SCRATCH/victim")" untouched "... and writes nothing through it"
is "$(content_fingerprint "${NODE_DATA[old]}")" "$before" "... and leaves the target unchanged"
ok "... without a journal" test ! -e "${NODE_DATA[old]}.rewind-journal"

# --- every kind of output, with the secrets differing ------------------------
run_kept check-text old --check --debug
like "$(cat "$SCRATCH/check-text.stdout" "$SCRATCH/check-text.stderr")" \
    "config: postgresql.conf differs from the source's: .*restore_command \\(differs; values not shown\\)" \
    "--check: restore_command differs, values not shown"
like "$(cat "$SCRATCH/check-text.stdout" "$SCRATCH/check-text.stderr")" "work_mem \\(target '5MB', source '6MB'\\)" \
    "--check: an ordinary setting's values are shown"
run_kept check-json old --check --format=json
like "$(cat "$SCRATCH/check-json.stdout")" "archive_command \\(differs; values not shown\\)" \
    "--check --format=json: archive_command differs, values not shown"
run_kept dry-json old --dry-run --format=json --debug -c
is "$RUN_STATUS" 0 "dry run, JSON, --debug, -c: exit status 0"
last_ok || diag "$(cat "$SCRATCH/dry-json.stderr")"
like "$(cat "$SCRATCH/dry-json.stderr")" "debug: .*restore_command" "... --debug mentions restore_command"

REPORT=$SCRATCH/report.txt
run_kept run old -R -c --debug --report="$REPORT"
out=$(cat "$SCRATCH/run.stdout" "$SCRATCH/run.stderr")
is "$RUN_STATUS" 0 "rewind -R from the URI: exit status 0"
last_ok || diag "$out"
like "$out" "configuration: postgresql.conf differs from the source's: .*app.db_password \\(differs; values not shown\\)" \
    "... a custom *password* setting differs, values not shown"
like "$out" "ssl_passphrase_command \\(differs; values not shown\\)" "... ssl_passphrase_command likewise"
is "$(stat -c '%a %U' "$REPORT")" "600 $PG_OS_USER" "--report file created with mode 0600"
OUTS+=("$REPORT")

pw_uri=$(jq -rn --arg s "$PW" '$s|@uri')
leaks=""
for f in "${OUTS[@]}"; do
    leaks+=$(grep -HnoE 'SECRET-[a-z]+-[TS]' "$f" || true)
    leaks+=$(grep -HnoF -e "$PW" -e "$KV_PW" -e "$pw_uri" "$f" || true)
done
is "$leaks" "" "no output of ${#OUTS[@]} (text, JSON, --debug, --check, report) shows a secret value"
ok "the outputs were searched (${#OUTS[@]} files)" test "${#OUTS[@]}" -ge 11

# --- the primary_conninfo -R wrote, as the server reads it -------------------
# login_with NODE — psql, with the primary_conninfo the server of NODE reads
# from its files, logs in to the source as the role (password included).
login_with() {
    local pci
    pci=$(as_pg "$PGBIN/postgres" -D "${NODE_DATA[$1]}" -C primary_conninfo)
    as_pg "$PGCLIENT/psql" -X -At -d "$pci dbname=postgres" -c "SELECT current_user" 2>&1
}
is "$(login_with old)" "$ROLE" "the server reads back a primary_conninfo with which $ROLE logs in (URI)"
skip "comparison with pg_rewind" "secrets and conninfo quoting are the tool's own"
# streams_as NODE LABEL — NODE starts and streams from new as the role
streams_as() {
    ok "$2: $1 starts" node_start "$1"
    last_ok || return 0
    ok "$2: $1 streams from new as $ROLE" wait_for_query new \
        "SELECT usename || ' ' || state FROM pg_stat_replication WHERE usename = '$ROLE'" "$ROLE streaming" 30
    node_stop "$1" fast
}
streams_as old URI
verify_standby "tool (URI)" old new

SRC_CONNSTR=$KV
run_kept run-kv old2 -R
is "$RUN_STATUS" 0 "rewind -R from key=value pairs: exit status 0"
last_ok || diag "$(cat "$SCRATCH/run-kv.stderr")"
is "$(login_with old2)" "$ROLE" "the server reads back a primary_conninfo with which $ROLE logs in (key=value)"
streams_as old2 key=value
verify_standby "tool (key=value)" old2 new
done_testing

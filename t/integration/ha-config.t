#!/usr/bin/env bash
# The target's configuration is kept: postgresql.conf (which differs from the
# source's), a file it includes and an include_dir inside the data directory
# stay as they were; a configuration file only the source has in that
# include_dir is not copied.  The run names the differing settings.  A
# max_connections below the source's fails --check (the rewound node would
# refuse to start as a standby) and is a warning in a real run.
set -euo pipefail
# shellcheck source=t/lib/harness.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/harness.sh"

node_init old
node_start old
node_psql old "CREATE TABLE t (id int PRIMARY KEY, v text);
INSERT INTO t SELECT g, 'base' FROM generate_series(1, 5000) g;"
printf "maintenance_work_mem = '33MB'\n" | as_pg tee "${NODE_DATA[old]}/extra.conf" >/dev/null
as_pg mkdir -p "${NODE_DATA[old]}/conf.d"
printf "log_min_duration_statement = 1000\n" | as_pg tee "${NODE_DATA[old]}/conf.d/10-local.conf" >/dev/null
node_conf old "include_if_exists = 'extra.conf'" "include_dir = 'conf.d'"
node_backup_standby old new
printf "maintenance_work_mem = '44MB'\n" | as_pg tee "${NODE_DATA[new]}/extra.conf" >/dev/null
printf "work_mem = '9MB'\n" | as_pg tee "${NODE_DATA[new]}/conf.d/20-source-only.conf" >/dev/null
node_start new
wait_for_catchup new old
node_promote new
node_checkpoint new
node_psql new "UPDATE t SET v = 'new' WHERE id <= 1000;"
node_psql old "UPDATE t SET v = 'OLD-ONLY' WHERE id > 4000;"
expect_gone old postgres "SELECT count(*) FROM t WHERE v = 'OLD-ONLY'" "rows written on the old primary"
node_stop old fast
node_conf old "work_mem = '7MB'" "max_connections = 20"

st=0; run_rewind old new --check || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 3 "--check with max_connections below the source's exits 3"
like "$out" 'check: error +standby_settings: max_connections = 20 on the target, 25 on the source' \
    "... naming max_connections and both values"
like "$out" "check: ok +config: postgresql.conf differs from the source's: .*work_mem \(target '7MB', source not set\)" \
    "... and reports the differing postgresql.conf setting"
like "$out" "check: ok +config: extra.conf differs from the source's: maintenance_work_mem \(target '33MB', source '44MB'\)" \
    "... and the included file's"

node_conf old "max_connections = 30"
st=0; run_rewind old new --check || st=$?
is "$st" 0 "--check passes once max_connections is raised"

snap() { (cd "${NODE_DATA[old]}" && sha256sum postgresql.conf pg_hba.conf pg_ident.conf extra.conf conf.d/*); }
before=$(snap)
st=0; run_rewind old new -R || st=$?
out=$(cat "$REWIND_OUT")
is "$st" 0 "the rewind exits 0"
like "$out" "configuration: postgresql.conf differs from the source's: .*max_connections \(target '30', source '25'\).*; the target's is kept" \
    "... and says which postgresql.conf settings differ"
like "$out" "configuration: conf.d/20-source-only.conf exists only on the source" \
    "... and which files only the source has"
is "$(snap)" "$before" "postgresql.conf, pg_hba.conf, pg_ident.conf and the included files are the target's"
ok "conf.d/20-source-only.conf of the source was not copied" test ! -e "${NODE_DATA[old]}/conf.d/20-source-only.conf"
verify_standby "tool" old new
node_start old
is "$(node_psql old "SHOW maintenance_work_mem")" 33MB "the rewound node uses its own included setting"
node_stop old fast
done_testing

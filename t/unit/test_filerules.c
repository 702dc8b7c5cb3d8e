/*
 * Unit tests of the special-file table (lib/filerules.c) for every major.
 * Memory only.
 */

#include <check.h>

#include "filerules.h"

typedef struct rule_case {
	const char *path;
	file_rule	plain;			/* keep_config = false */
	file_rule	keep;			/* keep_config = true */
} rule_case;

#define N RULE_NORMAL
#define X RULE_EXCLUDE
#define K RULE_KEEP_TARGET
#define C RULE_CONTROL

/* The same in every supported major. */
static const rule_case cases[] = {
	/* excluded directories: the contents go, the directory stays */
	{"pg_stat_tmp", N, N},
	{"pg_stat_tmp/global.stat", X, X},
	{"pg_replslot", N, N},
	{"pg_replslot/slot1/state", X, X},
	{"pg_dynshmem/mmap.123", X, X},
	{"pg_notify/0000", X, X},
	{"pg_serial/0000", X, X},
	{"pg_snapshots/00000003-00000002-1", X, X},
	{"pg_subtrans", N, N},
	{"pg_subtrans/0000", X, X},
	{"pg_wal/archive_status", N, N},
	{"pg_wal/archive_status/000000010000000000000001.ready", X, X},
	{"pg_wal/archive_status/00000002.history.done", X, X},
	/* only at the top level, and only whole names */
	{"base/5/pg_notify/x", N, N},
	{"pg_subtrans_old/0000", N, N},
	{"pg_stat/pgstat.stat", N, N},
	{"pg_stat", N, N},
	/* basenames anywhere */
	{"postgresql.auto.conf.tmp", X, X},
	{"current_logfiles.tmp", X, X},
	{"current_logfiles", N, N},
	{"backup_label", X, X},
	{"backup_label.old", N, N},
	{"tablespace_map", X, X},
	{"tablespace_map.old", N, N},
	{"backup_manifest", X, X},
	{"postmaster.pid", X, X},
	{"postmaster.opts", X, X},
	{"standby.signal", X, X},
	{"recovery.signal", X, X},
	{"pg_tblspc/16400/PG_15_202209061/backup_label", X, X},
	{".DS_Store", X, X},
	{"base/.DS_Store", X, X},
	/* pg_internal.init and its temporary variants */
	{"global/pg_internal.init", X, X},
	{"base/5/pg_internal.init", X, X},
	{"base/5/pg_internal.init.12345", X, X},
	{"base/5/pg_internal.ini", N, N},
	/* temporary files and directories */
	{"base/pgsql_tmp", X, X},
	{"base/pgsql_tmp/pgsql_tmp1234.0", X, X},
	{"pg_tblspc/16400/PG_15_202209061/pgsql_tmp/pgsql_tmp99.1", X, X},
	{"pgsql_tmp", X, X},
	{"base/5/my_pgsql_tmp", N, N},
	/* special files */
	{"global/pg_control", C, C},
	{"base/5/pg_control", N, N},
	{"PG_VERSION", K, K},
	{"base/5/PG_VERSION", K, K},
	{"pg_tblspc/16400/PG_15_202209061/16384/PG_VERSION", K, K},
	/* configuration: kept only when asked */
	{"postgresql.conf", N, K},
	{"postgresql.auto.conf", N, K},
	{"pg_hba.conf", N, K},
	{"pg_ident.conf", N, K},
	{"conf.d/postgresql.conf", N, N},
	{"pg_hba.conf.bak", N, N},
	/* ordinary data */
	{"base/5/1259", N, N},
	{"global/1262_vm", N, N},
	{"global/pg_filenode.map", N, N},
	{"pg_wal/000000010000000000000001", N, N},
	{"pg_wal/00000002.history", N, N},
	{"pg_xact/0000", N, N},
	{"pg_multixact/offsets/0000", N, N},
	{"pg_logical/replorigin_checkpoint", N, N},
	{"pg_twophase/000002E5", N, N},
	{"base", N, N},
	{"pg_wal", N, N},
};

START_TEST(rules_all_versions)
{
	for (size_t v = 0; v < pgver_count(); v++)
	{
		const pg_version_info *ver = pgver_at(v);
		int			major = ver->major;

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			ck_assert_msg(filerule_for(cases[i].path, ver, false) == cases[i].plain,
						  "%d %s", major, cases[i].path);
			ck_assert_msg(filerule_for(cases[i].path, ver, true) == cases[i].keep,
						  "%d %s keep_config", major, cases[i].path);
		}
	}
}
END_TEST

START_TEST(wal_summaries)
{
	static const char *const summary =
		"pg_wal/summaries/0000000100000000010000280000000001752A30.summary";

	for (size_t v = 0; v < pgver_count(); v++)
	{
		const pg_version_info *ver = pgver_at(v);

		ck_assert_int_eq(filerule_for("pg_wal/summaries", ver, false), N);
		ck_assert_int_eq(filerule_for(summary, ver, false), ver->major >= 17 ? X : N);
	}
}
END_TEST

extern Suite *filerules_suite(void);

Suite *filerules_suite(void)
{
	Suite	   *s = suite_create("filerules");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, rules_all_versions);
	tcase_add_test(tc, wal_summaries);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * Unit tests of the version table and PG_VERSION parsing (lib/pgver.c)
 * against the facts of each major.  Memory only.
 */

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "pgver.h"

/*
 * Each major's facts as its own headers state them (XLOG_PAGE_MAGIC,
 * PG_CONTROL_VERSION, CATALOG_VERSION_NO, the pg_control CRC offset),
 * written out here independently of the table in lib/pgver.c.
 */
typedef struct ver_fact {
	int			major;
	uint16_t	magic;
	uint32_t	control_version;
	uint32_t	catversion;
	size_t		crc_offset;
	bool		wal_level_in_ckpt;
	bool		summaries;
	const char *tsdir;
	bool		transaction_timeout;	/* new in 17 (release notes) */
} ver_fact;

static const ver_fact facts[] = {
	{14, 0xD10D, 1300, 202107181, 288, false, false, "PG_14_202107181", false},
	{15, 0xD110, 1300, 202209061, 288, false, false, "PG_15_202209061", false},
	{16, 0xD113, 1300, 202307071, 288, false, false, "PG_16_202307071", false},
	{17, 0xD116, 1700, 202406281, 288, true, true, "PG_17_202406281", true},
	{18, 0xD118, 1800, 202506291, 292, true, true, "PG_18_202506291", true},
};

#define NFACTS (sizeof(facts) / sizeof(facts[0]))

START_TEST(lookup_supported)
{
	const ver_fact *f = &facts[_i];
	const pg_version_info *v = pgver_lookup(f->major);
	char		dir[64];

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->major, f->major);
	ck_assert_uint_eq(v->wal_page_magic, f->magic);
	ck_assert_uint_eq(v->control_version, f->control_version);
	ck_assert_uint_eq(v->catversion, f->catversion);
	ck_assert_uint_eq(v->control_crc_offset, f->crc_offset);
	ck_assert(v->checkpoint_has_wal_level == f->wal_level_in_ckpt);
	ck_assert(v->has_wal_summaries == f->summaries);
	ck_assert(v->has_transaction_timeout == f->transaction_timeout);
	ck_assert(v->control_has_char_signedness == (f->major == 18));
	/* pg_start_backup/pg_stop_backup became pg_backup_start/pg_backup_stop in 15 */
	ck_assert_ptr_nonnull(strstr(v->backup_start_sql, f->major == 14 ? "pg_start_backup(" :
								 "pg_backup_start("));
	ck_assert_ptr_nonnull(strstr(v->backup_stop_sql, f->major == 14 ? "pg_stop_backup(" :
								 "pg_backup_stop("));
	ck_assert_ptr_nonnull(strstr(v->backup_start_fn, f->major == 14 ? "pg_start_backup(" :
								 "pg_backup_start("));
	ck_assert_ptr_nonnull(strstr(v->backup_stop_fn, f->major == 14 ? "pg_stop_backup(" :
								 "pg_backup_stop("));
	pgver_tablespace_dir(dir, sizeof(dir), v->major, v->catversion);
	ck_assert_str_eq(dir, f->tsdir);
}
END_TEST

START_TEST(lookup_unsupported)
{
	ck_assert_ptr_null(pgver_lookup(13));
	ck_assert_ptr_null(pgver_lookup(19));
	ck_assert_ptr_null(pgver_lookup(0));
	ck_assert_ptr_null(pgver_lookup(-15));
	ck_assert_ptr_null(pgver_lookup(facts[0].major - 1));
	ck_assert_ptr_null(pgver_lookup(facts[NFACTS - 1].major + 1));
}
END_TEST

/*
 * The table is the list of supported majors: each of its rows has its facts
 * above (a new major needs them), in ascending order, and the list printed
 * in messages and --help names exactly those.
 */
START_TEST(table_is_the_list)
{
	char		want[PGVER_LIST_LEN] = "", got[PGVER_LIST_LEN];
	size_t		used = 0;

	ck_assert_uint_eq(pgver_count(), NFACTS);
	for (size_t i = 0; i < NFACTS; i++)
	{
		ck_assert_int_eq(pgver_at(i)->major, facts[i].major);
		used += (size_t) snprintf(want + used, sizeof(want) - used, "%s%d",
								  i ? ", " : "", facts[i].major);
	}
	ck_assert_ptr_null(pgver_at(NFACTS));
	pgver_supported_list(got, sizeof(got));
	ck_assert_str_eq(got, want);
	/* a short buffer is cut, never overrun */
	pgver_supported_list(got, 6);
	ck_assert_uint_eq(strlen(got), 5);
	ck_assert(strncmp(got, want, 5) == 0);
}
END_TEST

START_TEST(pg_version_file)
{
	int			major = 0;

	ck_assert(pgver_parse_pg_version("15\n", 3, &major));
	ck_assert_int_eq(major, 15);
	ck_assert(pgver_parse_pg_version("18", 2, &major));
	ck_assert_int_eq(major, 18);
	ck_assert(pgver_parse_pg_version("14\r\n", 4, &major));
	ck_assert_int_eq(major, 14);
	/* len bounds the text: the NUL-terminated tail is not read */
	ck_assert(pgver_parse_pg_version("17\nxyz", 3, &major));
	ck_assert_int_eq(major, 17);
}
END_TEST

START_TEST(pg_version_file_rejects)
{
	static const char *const bad[] = {
		"", "\n", "15\n\n", "15 \n", " 15\n", "15.2\n", "v15\n", "15x", "9.6\n",
	};
	int			major = -1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!pgver_parse_pg_version(bad[i], strlen(bad[i]), &major),
					  "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(major, -1);
}
END_TEST

extern Suite *pgver_suite(void);

Suite *pgver_suite(void)
{
	Suite	   *s = suite_create("pgver");
	TCase	   *tc = tcase_create("core");

	tcase_add_loop_test(tc, lookup_supported, 0, (int) NFACTS);
	tcase_add_test(tc, lookup_unsupported);
	tcase_add_test(tc, table_is_the_list);
	tcase_add_test(tc, pg_version_file);
	tcase_add_test(tc, pg_version_file_rejects);
	suite_add_tcase(s, tc);
	return s;
}

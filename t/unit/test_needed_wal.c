/*
 * Unit tests of the WAL retention decisions (src/plan/check_wal.c):
 * missing and vanished segments, the gap a run refuses.  Memory only.
 */

#include <check.h>
#include <string.h>

#include "plan/needed_wal.h"

#define SEG (16u * 1024 * 1024)

/* Timeline 2 forks off timeline 1 in segment 3; the source is in segment 5. */
typedef struct fixture {
	tl_history	hist;
	file_list	listed;
	needed_wal	in;
} fixture;

static void
fixture_init(fixture *f, const char *const *wal)
{
	static const char hist[] = "1\t0/3500000\tno recovery target specified\n";
	rw_error	err;

	memset(f, 0, sizeof(*f));
	ck_assert(tl_parse(hist, strlen(hist), 2, "00000002.history", &f->hist, &err));
	file_list_add(&f->listed, "base/5/16384", FILE_TYPE_REGULAR, 8192, NULL);
	for (; *wal; wal++)
		file_list_add(&f->listed, *wal, FILE_TYPE_REGULAR, SEG, NULL);
	file_list_sort(&f->listed);
	f->in.source_files = &f->listed;
	f->in.source_history = &f->hist;
	f->in.segsize = SEG;
	f->in.from = 0x3500000;
	f->in.source_end = 0x5800000;
}

static void
fixture_free(fixture *f)
{
	file_list_free(&f->listed);
	tl_free(&f->hist);
}

START_TEST(test_missing_none)
{
	static const char *const wal[] = {"pg_wal/000000010000000000000002",
		"pg_wal/000000020000000000000003", "pg_wal/000000020000000000000004",
	"pg_wal/000000020000000000000005", NULL};
	fixture		f;
	char		first[WAL_FILE_NAME_LEN + 1] = "";

	fixture_init(&f, wal);
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 0);
	ck_assert_str_eq(first, "");
	fixture_free(&f);
}
END_TEST

/*
 * The segment of the switch is read from the newer timeline's file: the
 * older one's does not count, and segments before 'from' are not asked for.
 */
START_TEST(test_missing_counts_needed_names)
{
	static const char *const wal[] = {"pg_wal/000000010000000000000003",
	"pg_wal/000000020000000000000005", NULL};
	fixture		f;
	char		first[WAL_FILE_NAME_LEN + 1];

	fixture_init(&f, wal);
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 2);
	ck_assert_str_eq(first, "000000020000000000000003");
	fixture_free(&f);
}
END_TEST

/*
 * An end exactly at a segment boundary needs nothing of the next segment;
 * the segment of the source's end, which it writes, may not exist yet (just
 * after a segment switch) and is not missing; the one before it is.
 */
START_TEST(test_missing_end_at_boundary)
{
	static const char *const wal[] = {"pg_wal/000000020000000000000003",
		"pg_wal/000000020000000000000004", "pg_wal/000000020000000000000005",
	NULL};
	static const char *const without5[] = {"pg_wal/000000020000000000000003",
	"pg_wal/000000020000000000000004", NULL};
	fixture		f;
	char		first[WAL_FILE_NAME_LEN + 1];

	fixture_init(&f, wal);
	f.in.source_end = 0x6000000;
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 0);
	f.in.source_end = 0x6000028;
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 0);
	fixture_free(&f);
	fixture_init(&f, without5);
	f.in.source_end = 0x6000028;
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 1);
	ck_assert_str_eq(first, "000000020000000000000005");
	f.in.source_end = 0x5000028;
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 0);
	fixture_free(&f);
}
END_TEST

/* Only needed segments among the files that vanished count. */
START_TEST(test_vanished)
{
	static const char *const wal[] = {"pg_wal/000000020000000000000003",
		"pg_wal/000000020000000000000004", "pg_wal/000000020000000000000005",
	NULL};
	fixture		f;
	file_list	gone = {0};
	char		first[WAL_FILE_NAME_LEN + 1] = "";

	fixture_init(&f, wal);
	ck_assert_uint_eq(needed_wal_vanished(&f.in, &gone, first), 0);
	file_list_add(&gone, "base/5/16384", FILE_TYPE_REGULAR, 0, NULL);
	file_list_add(&gone, "pg_wal/000000010000000000000003", FILE_TYPE_REGULAR, 0, NULL);
	file_list_add(&gone, "pg_wal/000000020000000000000004", FILE_TYPE_REGULAR, 0, NULL);
	file_list_add(&gone, "pg_wal/000000020000000000000005", FILE_TYPE_REGULAR, 0, NULL);
	file_list_sort(&gone);
	ck_assert_uint_eq(needed_wal_vanished(&f.in, &gone, first), 2);
	ck_assert_str_eq(first, "000000020000000000000004");
	/* they were listed: the listing alone lacks nothing */
	ck_assert_uint_eq(needed_wal_missing(&f.in, first), 0);
	file_list_free(&gone);
	fixture_free(&f);
}
END_TEST

/* --check: a missing segment without archiving is an error naming it. */
START_TEST(test_finding_names_missing_segment)
{
	static const char *const wal[] = {"pg_wal/000000020000000000000003", NULL};
	fixture		f;
	check_findings findings = {0};

	fixture_init(&f, wal);
	needed_wal_finding(&findings, &f.in);
	ck_assert_uint_eq(findings.n, 1);
	ck_assert_str_eq(findings.items[0].code, "source_wal");
	ck_assert_int_eq(findings.items[0].severity, CHECK_ERROR);
	ck_assert_ptr_nonnull(strstr(findings.items[0].message, "000000020000000000000004"));
	check_free(&findings);
	fixture_free(&f);
}
END_TEST

/* The run's decision and --check's: a restore_command on the target makes it a warning. */
START_TEST(test_gap_depends_on_target_restore_command)
{
	static const char *const wal[] = {"pg_wal/000000020000000000000003", NULL};
	fixture		f;
	rw_error	msg;

	fixture_init(&f, wal);
	f.in.source_end = 0x6800000;	/* 4 and 5 missing; 6 is the source's own */
	ck_assert_int_eq(needed_wal_gap(&f.in, &msg), CHECK_ERROR);
	ck_assert_ptr_nonnull(strstr(msg.msg, "000000020000000000000004 (and 1 more)"));
	ck_assert_ptr_nonnull(strstr(msg.hint, "Nothing was changed"));
	ck_assert_ptr_nonnull(strstr(msg.hint, "restore_command"));
	ck_assert_ptr_nonnull(strstr(msg.hint, "wal_keep_size"));
	f.in.target_restore_command = "cp /arch/%f %p";
	ck_assert_int_eq(needed_wal_gap(&f.in, &msg), CHECK_WARNING);
	ck_assert_ptr_nonnull(strstr(msg.hint, "restore_command must be able"));
	/* a restore_command may hold credentials: its value is never printed */
	ck_assert_ptr_null(strstr(msg.hint, "/arch/"));
	ck_assert_ptr_null(strstr(msg.msg, "/arch/"));
	fixture_free(&f);
}
END_TEST

/* Nothing missing: no message, whatever the target has. */
START_TEST(test_gap_none)
{
	static const char *const wal[] = {"pg_wal/000000020000000000000003",
		"pg_wal/000000020000000000000004", "pg_wal/000000020000000000000005", NULL};
	fixture		f;
	rw_error	msg;

	fixture_init(&f, wal);
	ck_assert_int_eq(needed_wal_gap(&f.in, &msg), CHECK_OK);
	ck_assert_str_eq(msg.msg, "");
	fixture_free(&f);
}
END_TEST

extern Suite *needed_wal_suite(void);

Suite *needed_wal_suite(void)
{
	Suite	   *s = suite_create("needed_wal");
	TCase	   *tc = tcase_create("needed_wal");

	tcase_add_test(tc, test_missing_none);
	tcase_add_test(tc, test_missing_counts_needed_names);
	tcase_add_test(tc, test_missing_end_at_boundary);
	tcase_add_test(tc, test_vanished);
	tcase_add_test(tc, test_finding_names_missing_segment);
	tcase_add_test(tc, test_gap_depends_on_target_restore_command);
	tcase_add_test(tc, test_gap_none);
	suite_add_tcase(s, tc);
	return s;
}

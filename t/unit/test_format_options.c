/*
 * --format and --report on the command line.
 */
#include <check.h>
#include <string.h>

#include "run/options.h"

START_TEST(format_and_report)
{
	char	   *a1[] = {"rewind", "-D", "/d", "--source-pgdata=/s", NULL};
	char	   *a2[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "--format=json",
	"--report", "/tmp/r.txt", NULL};
	char	   *a3[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "--format", "xml", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(options_parse(4, a1, &o, &err));
	ck_assert_int_eq(o.format, FORMAT_TEXT);
	ck_assert_ptr_null(o.report_file);
	ck_assert(options_parse(7, a2, &o, &err));
	ck_assert_int_eq(o.format, FORMAT_JSON);
	ck_assert_str_eq(o.report_file, "/tmp/r.txt");
	ck_assert(!options_parse(6, a3, &o, &err));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "xml"));
}
END_TEST

extern Suite *format_options_suite(void);

Suite *format_options_suite(void)
{
	Suite	   *s = suite_create("format_options");
	TCase	   *tc = tcase_create("parse");

	tcase_add_test(tc, format_and_report);
	suite_add_tcase(s, tc);
	return s;
}

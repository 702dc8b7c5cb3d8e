/*
 * Unit tests of the command line (src/run/options.c): both spellings of
 * each option, usage errors, --help anywhere.  Memory only.
 */

#include <check.h>
#include <string.h>

#include "run/options.h"

/* argv ends with NULL; argc is counted */
static bool
parse(rewind_options *o, rw_error *err, char **argv)
{
	int			argc = 0;

	while (argv[argc])
		argc++;
	return options_parse(argc, argv, o, err);
}

START_TEST(both_spellings)
{
	char	   *a1[] = {"rewind", "--target-pgdata=/d", "--source-server", "host=x", "-n", "-P", NULL};
	char	   *a2[] = {"rewind", "-D", "/d", "--source-server=host=x port=5", "-R", "-c",
	"--config-file", "/etc/pg.conf", "--debug", "--no-ensure-shutdown", "-N", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, a1));
	ck_assert_str_eq(o.target_pgdata, "/d");
	ck_assert_str_eq(o.source_server, "host=x");
	ck_assert(o.dry_run && o.progress && !o.write_recovery_conf && o.ensure_shutdown);

	ck_assert(parse(&o, &err, a2));
	ck_assert_str_eq(o.source_server, "host=x port=5");
	ck_assert_str_eq(o.config_file, "/etc/pg.conf");
	ck_assert(o.write_recovery_conf && o.restore_target_wal && o.debug && o.no_sync);
	ck_assert(!o.ensure_shutdown);
}
END_TEST

START_TEST(help_anywhere)
{
	char	   *a[] = {"rewind", "-D", "/d", "-?", NULL};
	char	   *b[] = {"rewind", "--help", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, a));
	ck_assert(o.show_help);
	ck_assert(parse(&o, &err, b));
	ck_assert(o.show_help);
}
END_TEST

START_TEST(usage_errors)
{
	char	   *no_target[] = {"rewind", "--source-server=x", NULL};
	char	   *no_source[] = {"rewind", "-D", "/d", NULL};
	char	   *two_sources[] = {"rewind", "-D", "/d", "--source-server=x", "--source-pgdata=/s", NULL};
	char	   *r_without_server[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "-R", NULL};
	char	   *unknown[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "--frobnicate", NULL};
	char	   *missing_value[] = {"rewind", "--source-pgdata=/s", "-D", NULL};
	char	   *extra[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "stray", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(!parse(&o, &err, no_target));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "target"));
	ck_assert(!parse(&o, &err, no_source));
	ck_assert_ptr_nonnull(strstr(err.msg, "no source"));
	ck_assert(!parse(&o, &err, two_sources));
	ck_assert(!parse(&o, &err, r_without_server));
	ck_assert(!parse(&o, &err, unknown));
	ck_assert_ptr_nonnull(strstr(err.msg, "--frobnicate"));
	ck_assert(!parse(&o, &err, missing_value));
	ck_assert_ptr_nonnull(strstr(err.msg, "requires a value"));
	ck_assert(!parse(&o, &err, extra));
	ck_assert_ptr_nonnull(strstr(err.msg, "stray"));
}
END_TEST

START_TEST(check_slot_copy_config)
{
	char	   *a[] = {"rewind", "-D", "/d", "--source-server=host=x", "--check", "--slot", "node_2",
	"--copy-config", NULL};
	char	   *bad_slot[] = {"rewind", "-D", "/d", "--source-server=host=x", "--slot=Node-2", NULL};
	char	   *slot_dir[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "--slot=a", NULL};
	char	   *check_dry[] = {"rewind", "-D", "/d", "--source-pgdata=/s", "--check", "-n", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, a));
	ck_assert(o.check && o.copy_config);
	ck_assert_str_eq(o.slot, "node_2");
	ck_assert(!parse(&o, &err, bad_slot));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
	ck_assert(!parse(&o, &err, slot_dir));
	ck_assert(!parse(&o, &err, check_dry));
}
END_TEST

START_TEST(salvage_dir)
{
	char	   *dry[] = {"rewind", "-D", "/d", "--source-server=x", "-n", "--salvage", "/out", NULL};
	char	   *empty[] = {"rewind", "-D", "/d", "--source-server=x", "--salvage=", NULL};
	char	   *check[] = {"rewind", "-D", "/d", "--source-server=x", "--check", "--salvage=/o", NULL};
	char	   *rollback[] = {"rewind", "-D", "/d", "--rollback", "--salvage=/o", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, dry));
	ck_assert(o.dry_run);
	ck_assert_str_eq(o.salvage_dir, "/out");
	ck_assert(!parse(&o, &err, empty));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
	ck_assert(!parse(&o, &err, check));
	ck_assert_ptr_nonnull(strstr(err.msg, "--salvage cannot be used with --check"));
	ck_assert(!parse(&o, &err, rollback));
	ck_assert_ptr_nonnull(strstr(err.msg, "--rollback"));
}
END_TEST

START_TEST(timeout_seconds)
{
	char	   *dflt[] = {"rewind", "-D", "/d", "--source-server=x", NULL};
	char	   *set[] = {"rewind", "-D", "/d", "--source-server=x", "--timeout=30", NULL};
	char	   *spaced[] = {"rewind", "-D", "/d", "--source-server=x", "--timeout", "86400", NULL};
	char	   *zero[] = {"rewind", "-D", "/d", "--source-server=x", "--timeout=0", NULL};
	char	   *big[] = {"rewind", "-D", "/d", "--source-server=x", "--timeout=86401", NULL};
	char	   *word[] = {"rewind", "-D", "/d", "--source-server=x", "--timeout=5s", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, dflt));
	ck_assert_int_eq(o.timeout, 180);
	ck_assert(parse(&o, &err, set));
	ck_assert_int_eq(o.timeout, 30);
	ck_assert(parse(&o, &err, spaced));
	ck_assert_int_eq(o.timeout, 86400);
	ck_assert(!parse(&o, &err, zero));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid --timeout \"0\""));
	ck_assert(!parse(&o, &err, big));
	ck_assert(!parse(&o, &err, word));
	ck_assert_ptr_nonnull(strstr(err.msg, "\"5s\""));
}
END_TEST

START_TEST(method)
{
	char	   *dflt[] = {"rewind", "-D", "/d", "--source-server=x", NULL};
	char	   *wal[] = {"rewind", "-D", "/d", "--source-server=x", "--method=wal", NULL};
	char	   *spaced[] = {"rewind", "-D", "/d", "--source-server=x", "--method", "auto", NULL};
	char	   *pagelsn[] = {"rewind", "-D", "/d", "--source-server=x", "--method=pagelsn", NULL};
	char	   *compare[] = {"rewind", "-D", "/d", "--source-server=x", "--method", "compare", NULL};
	char	   *bad[] = {"rewind", "-D", "/d", "--source-server=x", "--method=WAL", NULL};
	char	   *empty[] = {"rewind", "-D", "/d", "--source-server=x", "--method=", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, dflt));
	ck_assert_int_eq(o.method, METHOD_AUTO);
	ck_assert(parse(&o, &err, wal));
	ck_assert_int_eq(o.method, METHOD_WAL);
	ck_assert(parse(&o, &err, spaced));
	ck_assert_int_eq(o.method, METHOD_AUTO);
	ck_assert(parse(&o, &err, pagelsn));
	ck_assert_int_eq(o.method, METHOD_PAGELSN);
	ck_assert(parse(&o, &err, compare));
	ck_assert_int_eq(o.method, METHOD_COMPARE);
	ck_assert(!parse(&o, &err, bad));
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid --method \"WAL\""));
	ck_assert(!parse(&o, &err, empty));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
}
END_TEST

START_TEST(max_rate)
{
	char	   *dflt[] = {"rewind", "-D", "/d", "--source-server=x", NULL};
	char	   *kb[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate=100", NULL};
	char	   *k[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate=32k", NULL};
	char	   *m[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate", "1024M", NULL};
	char	   *low[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate=31k", NULL};
	char	   *high[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate=1025M", NULL};
	char	   *unit[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate=5G", NULL};
	char	   *neg[] = {"rewind", "-D", "/d", "--source-server=x", "--max-rate=-64", NULL};
	rewind_options o;
	rw_error	err;

	ck_assert(parse(&o, &err, dflt));
	ck_assert_uint_eq(o.max_rate, 0);
	ck_assert(parse(&o, &err, kb));
	ck_assert_uint_eq(o.max_rate, 100 * 1024);
	ck_assert(parse(&o, &err, k));
	ck_assert_uint_eq(o.max_rate, 32 * 1024);
	ck_assert(parse(&o, &err, m));
	ck_assert_uint_eq(o.max_rate, 1024ULL * 1024 * 1024);
	ck_assert(!parse(&o, &err, low));
	ck_assert_int_eq(err.kind, RW_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid --max-rate \"31k\""));
	ck_assert(!parse(&o, &err, high));
	ck_assert(!parse(&o, &err, unit));
	ck_assert(!parse(&o, &err, neg));
}
END_TEST

extern Suite *options_suite(void);

Suite *options_suite(void)
{
	Suite	   *s = suite_create("options");
	TCase	   *tc = tcase_create("parse");

	tcase_add_test(tc, both_spellings);
	tcase_add_test(tc, help_anywhere);
	tcase_add_test(tc, check_slot_copy_config);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, timeout_seconds);
	tcase_add_test(tc, salvage_dir);
	tcase_add_test(tc, method);
	tcase_add_test(tc, max_rate);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * The free-space check: each file system's free space against what the
 * rewind puts there (journal, data directory, pg_wal, tablespaces).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run/execute.h"
#include "xalloc.h"

extern Suite *space_suite(void);

#define MB (1024u * 1024)

/* Journal and data directory on one file system: their needs add up. */
START_TEST(same_file_system_adds_up)
{
	fs_space	fs[] = {
		{.dev = 1, .where = "/srv", .free = 10 * MB, .journal_bytes = 6 * MB},
		{.dev = 1, .where = "/srv/data", .free = 10 * MB, .new_bytes = 5 * MB},
	};
	rw_error	err;

	ck_assert(!execute_space_fits(fs, 2, &err));
	ck_assert_int_eq(err.kind, RW_ENOSPACE);
	ck_assert_msg(strstr(err.msg, "need 11.0 MB") != NULL && strstr(err.msg, "\"/srv\"") != NULL,
				  "%s", err.msg);
}
END_TEST

/* A tablespace on a file system of its own is counted there, not on pgdata's. */
START_TEST(tablespace_on_its_own_file_system)
{
	fs_space	fs[] = {
		{.dev = 1, .where = "/srv", .free = 10 * MB, .journal_bytes = 3 * MB},
		{.dev = 1, .where = "/srv/data", .free = 10 * MB, .new_bytes = 3 * MB},
		{.dev = 2, .where = "/ts1", .free = 8 * MB, .new_bytes = 6 * MB},
	};
	rw_error	err;

	/* 12 MB in all, more than either has free, but each fits */
	ck_assert_msg(execute_space_fits(fs, 3, &err), "%s", err.msg);
}
END_TEST

START_TEST(full_tablespace_file_system_named)
{
	fs_space	fs[] = {
		{.dev = 1, .where = "/srv", .free = 100 * MB, .journal_bytes = 3 * MB},
		{.dev = 1, .where = "/srv/data", .free = 100 * MB, .new_bytes = 3 * MB},
		{.dev = 2, .where = "/ts1", .free = 20 * MB, .new_bytes = 6 * MB},
		{.dev = 2, .where = "/ts2", .free = 20 * MB, .new_bytes = 15 * MB},
	};
	rw_error	err;

	/* two tablespaces on one full file system: 21 MB there, 20 MB free */
	ck_assert(!execute_space_fits(fs, 4, &err));
	ck_assert_msg(strstr(err.msg, "need 21.0 MB (21.0 MB of new data)") != NULL &&
				  strstr(err.msg, "\"/ts1\"") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.hint, "the target was not changed") != NULL, "%s", err.hint);
}
END_TEST

/*
 * Through execute_has_space with a real plan: a data directory in /tmp
 * and a tablespace link (created by the plan) to /dev/shm, a tmpfs.  Every
 * file system is said to have 8 MB free; 6 MB go to each.  Counting the
 * tablespace's data on the data directory's file system would refuse.
 */
START_TEST(plan_places_tablespace_data)
{
	char		tmpl[] = "/tmp/rewind-space-XXXXXX";
	char		shm_tmpl[] = "/dev/shm/rewind-space-XXXXXX";
	char	   *dir = mkdtemp(tmpl);
	char	   *ts = mkdtemp(shm_tmpl);
	char	   *data = xasprintf("%s/data", dir);
	struct stat a, b;
	plan_entry	e[] = {
		{.path = "base/5/16384", .action = ACT_COPY, .source_size = 6 * MB - 2 * MB},
		{.path = "pg_tblspc/16500", .action = ACT_CREATE_LINK, .link_target = ts},
		{.path = "pg_tblspc/16500/PG_15_202209061/5/16385", .action = ACT_COPY,
		.source_size = 6 * MB},
	};
	plan		p = {.entries = e, .n = 3};
	space_estimate est;
	rw_error	err;
	char	   *cmd;

	ck_assert_ptr_nonnull(ts);
	ck_assert_int_eq(mkdir(data, 0700), 0);
	ck_assert_int_eq(stat(dir, &a), 0);
	ck_assert_int_eq(stat(ts, &b), 0);
	if (a.st_dev == b.st_dev)
		ck_abort_msg("/tmp and /dev/shm are one file system here: nothing to test");
	execute_estimate(&p, &est);
	/* only the data: journal overhead and finalize bytes stay on pgdata's */
	est.journal_bytes = 1 * MB;
	est.new_bytes = 6 * MB - 2 * MB + 6 * MB + 1 * MB;
	setenv("REWIND_TEST_FREE_BYTES", "8388608", 1);
	ck_assert_msg(execute_has_space(data, &est, &err), "%s", err.msg);
	/* the tablespace's file system full: refused, naming where it is */
	est.new_bytes += 3 * MB;
	e[2].source_size += 3 * MB;
	ck_assert(!execute_has_space(data, &est, &err));
	unsetenv("REWIND_TEST_FREE_BYTES");
	ck_assert_msg(strstr(err.msg, ts) != NULL && strstr(err.msg, "need 9216 kB") != NULL,
				  "%s", err.msg);
	cmd = xasprintf("rm -rf '%s' '%s'", dir, ts);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
	free(data);
}
END_TEST

Suite *space_suite(void)
{
	Suite	   *s = suite_create("space");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, same_file_system_adds_up);
	tcase_add_test(tc, tablespace_on_its_own_file_system);
	tcase_add_test(tc, full_tablespace_file_system_named);
	tcase_add_test(tc, plan_places_tablespace_data);
	suite_add_tcase(s, tc);
	return s;
}

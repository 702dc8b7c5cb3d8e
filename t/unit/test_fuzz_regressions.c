#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xalloc.h"

/* the fuzz targets' entry points, built without libFuzzer */
#include "../../fuzz/fuzz_control.c"
#include "../../fuzz/fuzz_history.c"
#include "../../fuzz/fuzz_source_reply.c"
#include "../../fuzz/fuzz_wal.c"

extern Suite *fuzz_regressions_suite(void);

/* Replay every saved input of one target (run from the source tree). */
static int
replay(const char *target, int (*one) (const uint8_t *, size_t))
{
	char	   *dir = xasprintf("fuzz/regressions/%s", target);
	DIR		   *d = opendir(dir);
	struct dirent *e;
	int			n = 0;

	while (d && (e = readdir(d)) != NULL)
	{
		char	   *path;
		uint8_t    *data;
		size_t		len;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		data = read_whole_file(path, &len);
		ck_assert_ptr_nonnull(data);
		one(data, len);
		free(data);
		free(path);
		n++;
	}
	if (d)
		closedir(d);
	free(dir);
	return n;
}

START_TEST(replay_all)
{
	int			n = replay("fuzz_wal", fuzz_wal_one) +
		replay("fuzz_control", fuzz_control_one) +
		replay("fuzz_history", fuzz_history_one) +
		replay("fuzz_source_reply", fuzz_source_reply_one);

	ck_assert_int_ge(n, 0);
}
END_TEST

/* The entry points also take the fixtures without complaint. */
START_TEST(fixtures_through_targets)
{
	size_t		len;
	uint8_t    *ctl = fixture_read("pg15/pg_control", &len);
	uint8_t    *hist = fixture_read("pg15-promoted/wal/00000002.history", &len);

	if (ctl)
		ck_assert_int_eq(fuzz_control_one(ctl, 8192), 0);
	if (hist)
		ck_assert_int_eq(fuzz_history_one(hist, len), 0);
	free(ctl);
	free(hist);
}
END_TEST

Suite *
fuzz_regressions_suite(void)
{
	Suite	   *s = suite_create("fuzz_regressions");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, replay_all);
	tcase_add_test(tc, fixtures_through_targets);
	suite_add_tcase(s, tc);
	return s;
}

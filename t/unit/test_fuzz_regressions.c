/*
 * The inputs kept by "make fuzz" (fuzz/regressions/<target>/: the minimised
 * corpus of each target, and every crash or timeout) replayed through the
 * targets' entry points, and each parser's result checked against what
 * fuzz/expect.py derived for that input without rewind's code (the CRC
 * computed there and cross-checked with pg_controldata; PostgreSQL's rules
 * for history files):
 *  - pg_control: parsed as exactly the majors expected, refused with a
 *    message otherwise;
 *  - timeline history: refused with a message whenever PostgreSQL refuses
 *    it; when both accept it, the same timelines and switch points.
 * WAL and source replies are replayed through their entry points, whose
 * own checks abort on a wrong result (fuzz/fuzz_source_reply.c), and the
 * WAL reader must end every input with a record or a message.
 * Run from the source tree.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "testutil.h"
#include "timeline.h"
#include "xalloc.h"

/* the fuzz targets' entry points, built without libFuzzer */
#include "../../fuzz/fuzz_control.c"
#include "../../fuzz/fuzz_history.c"
#include "../../fuzz/fuzz_source_reply.c"
#include "../../fuzz/fuzz_wal.c"

extern Suite *fuzz_regressions_suite(void);

#define REGRESSIONS "fuzz/regressions"

/* Replay every saved input of one target; returns how many there are. */
static int
replay(const char *target, int (*one) (const uint8_t *, size_t))
{
	char	   *dir = xasprintf(REGRESSIONS "/%s", target);
	DIR		   *d = opendir(dir);
	struct dirent *e;
	int			n = 0;

	ck_assert_msg(d != NULL, "no %s (run the unit tests from the source tree)", dir);
	while ((e = readdir(d)) != NULL)
	{
		char	   *path;
		uint8_t    *data;
		size_t		len;

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		data = read_whole_file(path, &len);
		ck_assert_ptr_nonnull(data);
		ck_assert_int_eq(one(data, len), 0);
		free(data);
		free(path);
		n++;
	}
	closedir(d);
	free(dir);
	return n;
}

/* The lines of fuzz/regressions/<target>.expected; *n of them. */
static char **
expected_lines(const char *target, size_t *n)
{
	char	   *path = xasprintf(REGRESSIONS "/%s.expected", target);
	size_t		len;
	char	   *text = (char *) read_whole_file(path, &len);
	char	  **lines = NULL;
	size_t		cap = 0;

	ck_assert_msg(text != NULL, "%s is missing (fuzz/expect.py makes it)", path);
	*n = 0;
	for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
	{
		xgrow((void **) &lines, &cap, *n + 1, sizeof(char *));
		lines[(*n)++] = xstrdup(l);
	}
	free(text);
	free(path);
	return lines;
}

static uint8_t *
kept_input(const char *target, const char *name, size_t *len)
{
	char	   *path = xasprintf(REGRESSIONS "/%s/%s", target, name);
	uint8_t    *data = read_whole_file(path, len);

	ck_assert_msg(data != NULL, "%s is listed as expected but missing", path);
	free(path);
	return data;
}

START_TEST(every_target_has_inputs)
{
	ck_assert_int_gt(replay("fuzz_wal", fuzz_wal_one), 0);
	ck_assert_int_gt(replay("fuzz_control", fuzz_control_one), 0);
	ck_assert_int_gt(replay("fuzz_history", fuzz_history_one), 0);
	ck_assert_int_gt(replay("fuzz_source_reply", fuzz_source_reply_one), 0);
}
END_TEST

START_TEST(control_results)
{
	size_t		n, nok = 0, nbad = 0;
	char	  **lines = expected_lines("fuzz_control", &n);

	ck_assert_int_eq((int) n, replay("fuzz_control", fuzz_control_one));
	for (size_t i = 0; i < n; i++)
	{
		char		name[128], want[5][4];
		size_t		len;
		uint8_t    *data;

		ck_assert_int_eq(sscanf(lines[i], "%127s %3s %3s %3s %3s %3s", name, want[0], want[1],
								want[2], want[3], want[4]), 6);
		data = kept_input("fuzz_control", name, &len);
		for (int major = 14; major <= 18; major++)
		{
			pg_control	c;
			rw_error	err = {0};
			bool		ok = control_parse(data, len, major, "fuzz", &c, &err);

			ck_assert_msg(ok == (strcmp(want[major - 14], "ok") == 0),
						  "%s as PostgreSQL %d: expected %s, control_parse says %s (%s)",
						  name, major, want[major - 14], ok ? "ok" : "bad", err.msg);
			ck_assert_msg(ok || err.msg[0] != '\0', "%s: refused without a message", name);
			if (ok)
				nok++;
			else
				nbad++;
		}
		free(data);
		free(lines[i]);
	}
	free(lines);
	/* both outcomes are exercised */
	ck_assert_uint_gt(nok, 0);
	ck_assert_uint_gt(nbad, 0);
}
END_TEST

/* "tli:X/X,..." of the entries before the last (the child timeline's own). */
static char *
entries_text(const tl_history *h)
{
	char	   *s = xstrdup("");

	for (size_t i = 0; i + 1 < h->n; i++)
	{
		char	   *t = xasprintf("%s%s%u:%X/%X", s, i ? "," : "", h->entries[i].tli,
								  (unsigned) (h->entries[i].end >> 32), (unsigned) h->entries[i].end);

		free(s);
		s = t;
	}
	if (s[0] == '\0')
	{
		free(s);
		s = xstrdup("-");
	}
	return s;
}

START_TEST(history_results)
{
	size_t		n, agree = 0, stricter = 0;
	char	  **lines = expected_lines("fuzz_history", &n);

	ck_assert_int_eq((int) n, replay("fuzz_history", fuzz_history_one));
	for (size_t i = 0; i < n; i++)
	{
		char		name[128], want[4];
		char	   *entries = xmalloc(strlen(lines[i]) + 1);
		size_t		len;
		uint8_t    *data;
		tl_history	h;
		rw_error	err = {0};
		bool		ok;

		ck_assert_int_eq(sscanf(lines[i], "%127s %3s %s", name, want, entries), 3);
		data = kept_input("fuzz_history", name, &len);
		ok = tl_parse((const char *) data, len, 7, name, &h, &err);
		if (strcmp(want, "bad") == 0)
			ck_assert_msg(!ok, "%s: PostgreSQL refuses this history, tl_parse accepts it", name);
		if (ok)
		{
			char	   *got = entries_text(&h);

			ck_assert_msg(strcmp(got, entries) == 0, "%s: PostgreSQL reads %s, tl_parse %s",
						  name, entries, got);
			free(got);
			tl_free(&h);
			agree++;
		}
		else
		{
			ck_assert_msg(err.msg[0] != '\0', "%s: refused without a message", name);
			if (strcmp(want, "ok") == 0)
				stricter++;
			else
				agree++;
		}
		free(data);
		free(entries);
		free(lines[i]);
	}
	free(lines);
	printf("fuzz_history: %zu inputs read as PostgreSQL reads them, %zu refused that "
		   "PostgreSQL would take\n", agree, stricter);
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

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, every_target_has_inputs);
	tcase_add_test(tc, control_results);
	tcase_add_test(tc, history_results);
	tcase_add_test(tc, fixtures_through_targets);
	suite_add_tcase(s, tc);
	return s;
}

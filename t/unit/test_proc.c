/*
 * Unit tests of running several helper programs at once
 * (src/util/proc.c: proc_run_all), with /bin/sh as the program.  Our
 * stderr is caught in a temporary file while a run shows its children's.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/proc.h"
#include "xalloc.h"

extern Suite *proc_suite(void);

/* /bin/sh -c script, as an argv proc_run_all takes */
static char **
sh(const char *script)
{
	char	  **argv = xcalloc(4, sizeof(char *));

	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *) script;
	return argv;
}

typedef struct run_result {
	bool		ok;
	char	   *outs[4];
	int			statuses[4];
	rw_error	err;
	char	   *shown;			/* what the children wrote to our stderr, malloc'd */
} run_result;

/* proc_run_all of the n scripts, our stderr caught meanwhile */
static void
run_scripts(const char *const *scripts, size_t n, run_result *r)
{
	char	  **argvs[4];
	FILE	   *caught = tmpfile();
	int			saved = dup(STDERR_FILENO);
	long		len;

	ck_assert_ptr_nonnull(caught);
	ck_assert_int_ge(saved, 0);
	for (size_t i = 0; i < n; i++)
		argvs[i] = sh(scripts[i]);
	fflush(stderr);
	ck_assert_int_ge(dup2(fileno(caught), STDERR_FILENO), 0);
	r->ok = proc_run_all(argvs, n, r->outs, r->statuses, &r->err);
	fflush(stderr);
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	len = ftell(caught);
	ck_assert_int_ge(len, 0);
	r->shown = xcalloc((size_t) len + 1, 1);
	rewind(caught);
	ck_assert_uint_eq(fread(r->shown, 1, (size_t) len, caught), (size_t) len);
	fclose(caught);
	for (size_t i = 0; i < n; i++)
		free(argvs[i]);
}

/* Each program's output and status in its own place, whatever order they end in. */
START_TEST(outputs_and_statuses_in_order)
{
	const char *const scripts[] = {
		"sleep 0.2; echo first",
		"echo second; exit 3",
		"printf ''",
	};
	run_result	r;

	run_scripts(scripts, 3, &r);
	ck_assert(r.ok);
	ck_assert_str_eq(r.outs[0], "first\n");
	ck_assert_str_eq(r.outs[1], "second\n");
	ck_assert_str_eq(r.outs[2], "");
	ck_assert_int_eq(r.statuses[0], 0);
	ck_assert_int_eq(r.statuses[1], 3);
	ck_assert_int_eq(r.statuses[2], 0);
	for (int i = 0; i < 3; i++)
		free(r.outs[i]);
	free(r.shown);
}
END_TEST

/*
 * stderr as one after another would show it: every program's up to the
 * first that fails, that one's included, none after it, even those that
 * end first.
 */
START_TEST(stderr_shown_up_to_the_first_failure)
{
	const char *const scripts[] = {
		"sleep 0.2; echo 'one warns' >&2",
		"sleep 0.1; echo 'two fails' >&2; exit 1",
		"echo 'three fails too' >&2; exit 1",
		"echo 'four warns' >&2",
	};
	run_result	r;

	run_scripts(scripts, 4, &r);
	ck_assert(r.ok);
	ck_assert_str_eq(r.shown, "one warns\ntwo fails\n");
	ck_assert_int_eq(r.statuses[1], 1);
	ck_assert_int_eq(r.statuses[2], 1);
	for (int i = 0; i < 4; i++)
		free(r.outs[i]);
	free(r.shown);
}
END_TEST

/* More output than a pipe holds, on both pipes of every program: no deadlock, nothing lost. */
START_TEST(large_outputs_read_whole)
{
	const char *const script =
		"i=0; while [ $i -lt 20000 ]; do echo 0123456789; echo abcdefghij >&2; i=$((i+1)); done";
	const char *const scripts[] = {script, script};
	run_result	r;

	run_scripts(scripts, 2, &r);
	ck_assert(r.ok);
	for (int i = 0; i < 2; i++)
	{
		ck_assert_uint_eq(strlen(r.outs[i]), 20000 * 11);
		free(r.outs[i]);
	}
	ck_assert_uint_eq(strlen(r.shown), 2 * 20000 * 11);
	free(r.shown);
}
END_TEST

/* A program that cannot be run fails the whole, naming it; no output is returned. */
START_TEST(missing_program_fails)
{
	char	   *missing[] = {"/nonexistent/rewind-test-program", NULL};
	char	  **argvs[2] = {sh("echo fine"), missing};
	char	   *outs[2] = {NULL, NULL};
	int			statuses[2];
	rw_error	err;

	ck_assert(!proc_run_all(argvs, 2, outs, statuses, &err));
	ck_assert_str_eq(err.msg, "could not execute \"/nonexistent/rewind-test-program\"");
	ck_assert_ptr_null(outs[0]);
	ck_assert_ptr_null(outs[1]);
	free(argvs[0]);
}
END_TEST

Suite *
proc_suite(void)
{
	Suite	   *s = suite_create("proc");
	TCase	   *tc = tcase_create("run_all");

	tcase_add_test(tc, outputs_and_statuses_in_order);
	tcase_add_test(tc, stderr_shown_up_to_the_first_failure);
	tcase_add_test(tc, large_outputs_read_whole);
	tcase_add_test(tc, missing_program_fails);
	suite_add_tcase(s, tc);
	return s;
}

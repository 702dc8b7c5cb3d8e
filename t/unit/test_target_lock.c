/*
 * Unit tests of the one-run-at-a-time lock (src/target/target_lock.c),
 * with a second process as the other locker.  Writes in a mkdtemp
 * directory only.
 */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target/target_lock.h"
#include "xalloc.h"

extern Suite *target_lock_suite(void);

/*
 * A child process takes the lock of dir and waits to be killed; returns its
 * pid once it holds the lock (it writes a byte into the pipe then).
 */
static pid_t
child_holding_lock(const char *dir)
{
	int			p[2];
	pid_t		pid;
	char		c;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
	{
		target_lock *l;
		rw_error	err;

		close(p[0]);
		if (!target_lock_acquire(dir, "rewind", &l, &err))
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

/* While another process holds it, the lock is refused naming that pid. */
START_TEST(second_locker_refused_until_holder_dies)
{
	char		tmpl[] = "/tmp/rewind-lock-XXXXXX";
	char	   *dir = xstrdup(mkdtemp(tmpl));
	char	   *slash = xasprintf("%s/", dir);
	char	   *lockfile = xasprintf("%s.rewind-lock", dir);
	char	   *pidtext;
	pid_t		holder = child_holding_lock(dir);
	target_lock *l = NULL;
	rw_error	err;
	struct stat st;

	/* another spelling of the same directory is the same target */
	ck_assert(!target_lock_acquire(slash, "--rollback", &l, &err));
	ck_assert_ptr_null(l);
	ck_assert_int_eq(err.kind, RW_ESTATE);
	pidtext = xasprintf("(pid %ld, rewind since ", (long) holder);
	ck_assert_msg(strstr(err.msg, pidtext) != NULL, "message: %s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "--rollback refused"));
	ck_assert_int_eq(stat(lockfile, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* a dry run is refused the same way, without taking the lock */
	ck_assert(!target_lock_check_free(dir, "dry run", &err));
	ck_assert_msg(strstr(err.msg, pidtext) != NULL, "message: %s", err.msg);

	/* killed: the kernel releases the lock; its file stays, and is taken over */
	ck_assert_int_eq(kill(holder, SIGKILL), 0);
	ck_assert_int_eq(waitpid(holder, NULL, 0), holder);
	ck_assert_int_eq(stat(lockfile, &st), 0);
	ck_assert_msg(target_lock_check_free(dir, "dry run", &err), "%s", err.msg);
	ck_assert_msg(target_lock_acquire(dir, "--rollback", &l, &err), "%s", err.msg);
	target_lock_release(l);
	ck_assert_int_ne(stat(lockfile, &st), 0);
	/* a dry run leaves no lock file behind */
	ck_assert_msg(target_lock_check_free(dir, "dry run", &err), "%s", err.msg);
	ck_assert_int_ne(stat(lockfile, &st), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(pidtext);
	free(lockfile);
	free(slash);
	free(dir);
}
END_TEST

START_TEST(missing_directory_fails)
{
	target_lock *l = NULL;
	rw_error	err;

	ck_assert(!target_lock_acquire("/nonexistent/rewind-lock-test", "rewind", &l, &err));
	ck_assert_ptr_null(l);
	ck_assert_ptr_nonnull(strstr(err.msg, "/nonexistent/rewind-lock-test"));
}
END_TEST

Suite *
target_lock_suite(void)
{
	Suite	   *s = suite_create("target_lock");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, second_locker_refused_until_holder_dies);
	tcase_add_test(tc, missing_directory_fails);
	suite_add_tcase(s, tc);
	return s;
}

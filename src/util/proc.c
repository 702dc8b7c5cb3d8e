/*
 * Running helper programs (postgres --single, postgres -C,
 * restore_command) and collecting their output and status.  Forks and
 * execs; touches no file itself.
 */

#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xalloc.h"

static void
child_exec(char *const argv[], int out_fd)
{
	int			null_fd = open("/dev/null", O_RDWR);

	if (null_fd >= 0)
		dup2(null_fd, STDIN_FILENO);
	dup2(out_fd >= 0 ? out_fd : null_fd, STDOUT_FILENO);
	execvp(argv[0], argv);
	_exit(127);
}

static char *
read_all(int fd)
{
	char	   *buf = NULL;
	size_t		cap = 0, n = 0;

	for (;;)
	{
		ssize_t		got;

		xgrow((void **) &buf, &cap, n + 4096 + 1, 1);
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t) got;
	}
	buf[n] = '\0';
	return buf;
}

/*
 * Status 127 is the child's answer when exec failed; a shell gives the same
 * for an unknown command, which is an ordinary failure of that command.
 */
static bool
run(char *const argv[], char **out, int *status, bool exec_127_fails,
	rw_error *err)
{
	int			pipefd[2] = {-1, -1};
	pid_t		pid;
	int			wstatus;
	char	   *output = NULL;

	if (out && pipe(pipefd) != 0)
		return rw_fail_errno(err, errno, "could not create pipe to run \"%s\"", argv[0]);
	pid = fork();
	if (pid < 0)
	{
		int			saved = errno;

		if (out)
		{
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return rw_fail_errno(err, saved, "could not start \"%s\"", argv[0]);
	}
	if (pid == 0)
	{
		if (out)
			close(pipefd[0]);
		child_exec(argv, out ? pipefd[1] : -1);
	}
	if (out)
	{
		close(pipefd[1]);
		output = read_all(pipefd[0]);
		close(pipefd[0]);
	}
	while (waitpid(pid, &wstatus, 0) < 0)
	{
		if (errno != EINTR)
		{
			free(output);
			return rw_fail_errno(err, errno, "could not wait for \"%s\"", argv[0]);
		}
	}
	*status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
	if (exec_127_fails && *status == 127)
	{
		free(output);
		return rw_fail(err, RW_EIO, "could not execute \"%s\"", argv[0]);
	}
	if (out)
		*out = output;
	return true;
}

bool
proc_run(char *const argv[], char **out, int *status, rw_error *err)
{
	return run(argv, out, status, true, err);
}

bool
proc_run_shell(const char *command, int *status, rw_error *err)
{
	char	   *argv[] = {"/bin/sh", "-c", (char *) command, NULL};

	return run(argv, NULL, status, false, err);
}

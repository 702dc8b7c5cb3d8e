/*
 * Running helper programs (postgres --single, postgres -C,
 * restore_command) and collecting their output and status.  Forks and
 * execs; touches no file itself.
 */

#include "util/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
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

/* --- several programs at once --------------------------------------------- */

/* What one child of proc_run_all wrote; fd -1 once at its end. */
typedef struct child_pipe {
	int			fd;
	char	   *data;
	size_t		len;
	size_t		cap;
} child_pipe;

typedef struct child {
	pid_t		pid;
	child_pipe	pipes[2];		/* stdout, stderr */
} child;

/* Start argv with stdout and stderr into pipes (closed on exec in others). */
static bool
start_child(char *const argv[], child *ch, rw_error *err)
{
	int			out[2], errp[2];

	if (pipe2(out, O_CLOEXEC) != 0)
		return rw_fail_errno(err, errno, "could not create pipe to run \"%s\"", argv[0]);
	if (pipe2(errp, O_CLOEXEC) != 0)
	{
		int			saved = errno;

		close(out[0]);
		close(out[1]);
		return rw_fail_errno(err, saved, "could not create pipe to run \"%s\"", argv[0]);
	}
	ch->pid = fork();
	if (ch->pid == 0)
	{
		dup2(errp[1], STDERR_FILENO);
		child_exec(argv, out[1]);
	}
	close(out[1]);
	close(errp[1]);
	ch->pipes[0].fd = out[0];
	ch->pipes[1].fd = errp[0];
	if (ch->pid < 0)
	{
		int			saved = errno;

		close(out[0]);
		close(errp[0]);
		return rw_fail_errno(err, saved, "could not start \"%s\"", argv[0]);
	}
	return true;
}

/* Read every pipe of the n children to its end, whichever writes first. */
static void
read_children(child *ch, size_t n)
{
	struct pollfd *fds = xcalloc(2 * n, sizeof(struct pollfd));
	child_pipe **map = xcalloc(2 * n, sizeof(child_pipe *));

	for (;;)
	{
		nfds_t		nfds = 0;

		for (size_t i = 0; i < n; i++)
			for (int k = 0; k < 2; k++)
				if (ch[i].pipes[k].fd >= 0)
				{
					fds[nfds].fd = ch[i].pipes[k].fd;
					fds[nfds].events = POLLIN;
					map[nfds++] = &ch[i].pipes[k];
				}
		if (nfds == 0)
			break;
		if (poll(fds, nfds, -1) < 0)
		{
			if (errno == EINTR)
				continue;
			/* cannot wait: read each in turn, which ends as well */
			for (nfds_t i = 0; i < nfds; i++)
				fds[i].revents = POLLIN;
		}
		for (nfds_t i = 0; i < nfds; i++)
		{
			child_pipe *p = map[i];
			ssize_t		got;

			if (fds[i].revents == 0)
				continue;
			xgrow((void **) &p->data, &p->cap, p->len + 4096 + 1, 1);
			got = read(p->fd, p->data + p->len, p->cap - p->len - 1);
			if (got > 0)
				p->len += (size_t) got;
			p->data[p->len] = '\0';
			if (got == 0 || (got < 0 && errno != EINTR))
			{
				close(p->fd);
				p->fd = -1;
			}
		}
	}
	free(map);
	free(fds);
}

/* Wait for the child; its exit status, or -1 when killed by a signal. */
static int
reap_child(const child *ch)
{
	int			wstatus;

	while (waitpid(ch->pid, &wstatus, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

bool
proc_run_all(char **const *argvs, size_t n, char **outs, int *statuses, rw_error *err)
{
	child	   *ch = xcalloc(n, sizeof(child));
	size_t		started = 0;
	bool		ok = true;
	bool		shown_failure = false;

	while (started < n && start_child(argvs[started], &ch[started], err))
		started++;
	read_children(ch, started);
	for (size_t i = 0; i < started; i++)
	{
		statuses[i] = reap_child(&ch[i]);
		/* stderr as one after another would have shown it, up to the first failure */
		if (!shown_failure && ch[i].pipes[1].len > 0)
			fwrite(ch[i].pipes[1].data, 1, ch[i].pipes[1].len, stderr);
		free(ch[i].pipes[1].data);
		if (ok && started == n && statuses[i] == 127)
			ok = rw_fail(err, RW_EIO, "could not execute \"%s\"", argvs[i][0]);
		shown_failure = shown_failure || statuses[i] != 0;
		/* a program that printed nothing gives "" */
		outs[i] = ch[i].pipes[0].data ? ch[i].pipes[0].data : xstrdup("");
	}
	if (!ok || started < n)
		for (size_t i = 0; i < n; i++)
		{
			if (i < started)
				free(outs[i]);
			outs[i] = NULL;
		}
	free(ch);
	return ok && started == n;
}

bool
proc_run_shell(const char *command, int *status, rw_error *err)
{
	char	   *argv[] = {"/bin/sh", "-c", (char *) command, NULL};

	return run(argv, NULL, status, false, err);
}

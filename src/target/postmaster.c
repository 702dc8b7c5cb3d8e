/*
 * Is a postmaster alive on the target, and is it on its way out?  From
 * postmaster.pid, pg_control and a signal 0 to the pid; waits a bounded
 * time for one that is shutting down.  Reads only; signals nothing else.
 */

#include "target/postmaster.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "xalloc.h"

/* postmaster.pid: line 8 is the postmaster's status (PostgreSQL 10 and later). */
#define PID_LINE_STATUS 8

long
postmaster_live_pid(const char *pgdata)
{
	char	   *path = xasprintf("%s/postmaster.pid", pgdata);
	uint8_t    *data;
	size_t		len;
	long		pid;
	rw_error	ignored;
	bool		read = file_read_all(path, &data, &len, &ignored);

	free(path);
	if (!read)
		return 0;				/* no pid file: not running */
	pid = strtol((const char *) data, NULL, 10);
	free(data);
	return (pid > 0 && (kill((pid_t) pid, 0) == 0 || errno == EPERM)) ? pid : 0;
}

/* Does postmaster.pid's status line say "stopping"? */
static bool
pid_file_says_stopping(const char *pgdata)
{
	char	   *path = xasprintf("%s/postmaster.pid", pgdata);
	uint8_t    *data;
	size_t		len;
	rw_error	ignored;
	const char *line;
	bool		stopping = false;

	if (file_read_all(path, &data, &len, &ignored))
	{
		line = (const char *) data;
		for (int i = 1; i < PID_LINE_STATUS && line != NULL; i++)
		{
			line = strchr(line, '\n');
			if (line)
				line++;
		}
		stopping = line != NULL && strncmp(line, "stopping", strlen("stopping")) == 0;
		free(data);
	}
	free(path);
	return stopping;
}

/*
 * pg_control says the server shut down (or is writing its shutdown
 * checkpoint): a postmaster still alive is only exiting.  A server that
 * stops at a recovery target leaves "starting" or "standby" in
 * postmaster.pid, so the pid file alone does not tell.
 */
static bool
control_says_shut_down(const char *pgdata, int major)
{
	char	   *path = xasprintf("%s/global/pg_control", pgdata);
	uint8_t    *data;
	size_t		len;
	rw_error	ignored;
	pg_control	c;
	bool		down = false;

	if (file_read_all(path, &data, &len, &ignored))
	{
		down = control_parse(data, len, major, "target pg_control", &c, &ignored) &&
			(c.state == DBSTATE_SHUTDOWNED || c.state == DBSTATE_SHUTDOWNED_IN_RECOVERY ||
			 c.state == DBSTATE_SHUTDOWNING);
		free(data);
	}
	free(path);
	return down;
}

static double
now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static bool
shutting_down(const char *pgdata, int major)
{
	return pid_file_says_stopping(pgdata) || control_says_shut_down(pgdata, major);
}

static bool
refuse_running(const char *pgdata, long pid, rw_error *err)
{
	rw_fail(err, RW_ESTATE, "target server is running (postmaster PID %ld, \"%s/postmaster.pid\")",
			pid, pgdata);
	rw_hint(err, "Stop it first, e.g. pg_ctl stop -D \"%s\" -m fast.", pgdata);
	return false;
}

bool
postmaster_wait_gone(const char *pgdata, int major, int wait_secs, rw_error *err)
{
	long		pid = postmaster_live_pid(pgdata);
	double		deadline;
	const struct timespec tick = {0, 100 * 1000 * 1000};

	if (pid == 0)
		return true;
	if (!shutting_down(pgdata, major))
		return refuse_running(pgdata, pid, err);
	log_info("target server is shutting down (postmaster PID %ld); waiting up to %d s for it "
			 "to exit", pid, wait_secs);
	deadline = now_secs() + wait_secs;
	while ((pid = postmaster_live_pid(pgdata)) != 0 && now_secs() < deadline)
	{
		/* pg_control said "shut down" but the server was only starting */
		if (!shutting_down(pgdata, major))
			return refuse_running(pgdata, pid, err);
		nanosleep(&tick, NULL);
	}
	if (pid == 0)
	{
		log_info("target server has exited");
		return true;
	}
	rw_fail(err, RW_ESTATE, "target server is still shutting down after %d s (postmaster PID %ld, "
			"\"%s/postmaster.pid\")", wait_secs, pid, pgdata);
	rw_hint(err, "Nothing was changed. A smart shutdown waits for every client to disconnect: "
			"close them, or stop it with pg_ctl stop -D \"%s\" -m fast; then run again "
			"(--shutdown-wait=SECONDS waits longer).", pgdata);
	return false;
}

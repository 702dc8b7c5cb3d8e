/*
 * One run at a time on a target: the fcntl lock on
 * <pgdata>.rewind-lock (target_lock.h).  Creates, writes and removes that
 * one file; nothing else.
 */

#include "target/target_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "xalloc.h"

#define LOCK_SUFFIX ".rewind-lock"

/* Another process may unlink the file between our open and lock: retry. */
#define LOCK_ATTEMPTS 10

struct target_lock {
	int			fd;
	char	   *path;
};

static struct flock
whole_file(short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	return fl;
}

/* What the holder wrote into the file ("rewind since ..."), or "". */
static void
read_holder(int fd, char *buf, size_t size)
{
	ssize_t		n = pread(fd, buf, size - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static bool
refuse(const char *pgdata, const char *path, const char *what, int fd, pid_t pid,
	   rw_error *err)
{
	char		holder[256];

	read_holder(fd, holder, sizeof(holder));
	rw_fail(err, RW_ESTATE, "%s refused: another process (pid %ld%s%s) is rewinding or rolling "
			"back \"%s\" (it holds the lock \"%s\")", what, (long) pid,
			holder[0] ? ", " : "", holder, pgdata, path);
	rw_hint(err, "Wait for pid %ld to end; a second run at the same time would undo its work. "
			"The lock is released when that process ends, however it ends.", (long) pid);
	return false;
}

/* Write "WHAT since TIME" into the file we hold, for a refused run's message. */
static void
describe_self(int fd, const char *what)
{
	char		line[200], when[64];
	time_t		now = time(NULL);
	struct tm	tm;
	int			n;

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime_r(&now, &tm));
	n = snprintf(line, sizeof(line), "%s since %s\n", what, when);
	/* only a courtesy for the message of a refused run: failures are harmless */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, line, (size_t) n, 0) < 0)
		log_debug("could not describe this run in its lock file");
}

/* "<real path of pgdata>.rewind-lock", malloc'd; NULL (err set) on failure. */
static char *
lock_path(const char *pgdata, rw_error *err)
{
	char		real[PATH_MAX];

	/* the real path: "-D /data/" and "-D /link-to-data" are the same target */
	if (realpath(pgdata, real) == NULL)
	{
		rw_fail_errno(err, errno, "could not access target data directory \"%s\"", pgdata);
		return NULL;
	}
	return xasprintf("%s%s", real, LOCK_SUFFIX);
}

bool
target_lock_check_free(const char *pgdata, const char *what, rw_error *err)
{
	char	   *path = lock_path(pgdata, err);
	int			fd;
	struct flock fl = whole_file(F_WRLCK);
	bool		ok = true;

	if (path == NULL)
		return false;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		ok = refuse(pgdata, path, what, fd, fl.l_pid, err);
	if (fd >= 0)
		close(fd);
	free(path);
	return ok;
}

bool
target_lock_acquire(const char *pgdata, const char *what, target_lock **out, rw_error *err)
{
	char	   *path = lock_path(pgdata, err);

	*out = NULL;
	if (path == NULL)
		return false;
	for (int attempt = 0; attempt < LOCK_ATTEMPTS; attempt++)
	{
		int			fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		struct flock fl = whole_file(F_WRLCK);
		struct stat held, now;

		if (fd < 0)
		{
			rw_fail_errno(err, errno, "could not open the lock file \"%s\"", path);
			rw_hint(err, "The lock file is created beside the data directory, as the journal "
					"is: the directory that holds the data directory must be writable.");
			free(path);
			return false;
		}
		if (fcntl(fd, F_SETLK, &fl) != 0)
		{
			int			e = errno;

			if (e != EACCES && e != EAGAIN)
			{
				close(fd);
				rw_fail_errno(err, e, "could not lock \"%s\"", path);
				free(path);
				return false;
			}
			fl = whole_file(F_WRLCK);
			if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			{
				refuse(pgdata, path, what, fd, fl.l_pid, err);
				close(fd);
				free(path);
				return false;
			}
			close(fd);			/* released in between: try again */
			continue;
		}
		/* the holder we waited for may have removed the file we locked */
		if (fstat(fd, &held) == 0 && stat(path, &now) == 0 &&
			held.st_dev == now.st_dev && held.st_ino == now.st_ino)
		{
			describe_self(fd, what);
			*out = xmalloc(sizeof(**out));
			(*out)->fd = fd;
			(*out)->path = path;
			log_debug("locked the target: \"%s\"", path);
			return true;
		}
		close(fd);
	}
	rw_fail(err, RW_ESTATE, "could not lock \"%s\": it was removed and created again %d times",
			path, LOCK_ATTEMPTS);
	rw_hint(err, "Other processes are starting on this target right now; run again once they end.");
	free(path);
	return false;
}

void
target_lock_release(target_lock *lock)
{
	if (lock == NULL)
		return;
	/* unlinked while still held, so no other process locks a file on its way out */
	if (unlink(lock->path) != 0)
		log_debug("could not remove the lock file \"%s\": %s", lock->path, strerror(errno));
	close(lock->fd);
	free(lock->path);
	free(lock);
}

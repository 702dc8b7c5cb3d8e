#include "apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

struct target_writer {
	char	   *pgdata;
	bool		dry_run;

	int			fd;				/* file being written, or -1 */
	char	   *fd_path;		/* its relative path */

	char	  **touched;		/* relative paths to fsync (files and directories) */
	size_t		ntouched;
	size_t		touched_cap;
};

target_writer *
tw_open(const char *pgdata, bool dry_run)
{
	target_writer *w = xcalloc(1, sizeof(*w));

	w->pgdata = xstrdup(pgdata);
	w->dry_run = dry_run;
	w->fd = -1;
	return w;
}

static void
close_current(target_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->fd_path);
	w->fd_path = NULL;
}

void
tw_close(target_writer *w)
{
	if (w == NULL)
		return;
	close_current(w);
	for (size_t i = 0; i < w->ntouched; i++)
		free(w->touched[i]);
	free(w->touched);
	free(w->pgdata);
	free(w);
}

static char *
full_path(const target_writer *w, const char *path)
{
	return xasprintf("%s/%s", w->pgdata, path);
}

static void
touch(target_writer *w, const char *path)
{
	if (w->ntouched > 0 && strcmp(w->touched[w->ntouched - 1], path) == 0)
		return;
	xgrow((void **) &w->touched, &w->touched_cap, w->ntouched + 1, sizeof(char *));
	w->touched[w->ntouched++] = xstrdup(path);
}

/* The directory holding path changed: remember it for the final sync. */
static void
touch_parent(target_writer *w, const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		touch(w, ".");
	else
	{
		char	   *parent = xstrdup(path);

		parent[slash - path] = '\0';
		touch(w, parent);
		free(parent);
	}
}

static bool
guard(const target_writer *w, rw_error *err)
{
	if (w->dry_run)
		return rw_fail(err, RW_EINTERNAL, "attempt to modify the target during a dry run");
	return true;
}

static bool
open_for_write(target_writer *w, const char *path, int extra_flags, rw_error *err)
{
	char	   *full;

	if (w->fd >= 0 && extra_flags == 0 && strcmp(w->fd_path, path) == 0)
		return true;
	close_current(w);
	full = full_path(w, path);
	w->fd = open(full, O_WRONLY | O_CREAT | O_CLOEXEC | extra_flags, 0600);
	if (w->fd < 0)
	{
		rw_fail_errno(err, errno, "could not open target file \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	w->fd_path = xstrdup(path);
	touch(w, path);
	if (extra_flags & O_TRUNC)
		touch_parent(w, path);
	return true;
}

bool
tw_write(target_writer *w, const char *path, uint64_t offset, const uint8_t *data,
		 size_t len, rw_error *err)
{
	size_t		done = 0;

	if (!guard(w, err) || !open_for_write(w, path, 0, err))
		return false;
	while (done < len)
	{
		ssize_t		n = pwrite(w->fd, data + done, len - done, (off_t) (offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rw_fail_errno(err, errno, "could not write target file \"%s/%s\" at offset %llu",
								 w->pgdata, path, (unsigned long long) (offset + done));
		done += (size_t) n;
	}
	return true;
}

bool
tw_create_empty(target_writer *w, const char *path, rw_error *err)
{
	return guard(w, err) && open_for_write(w, path, O_TRUNC, err);
}

bool
tw_truncate(target_writer *w, const char *path, uint64_t size, rw_error *err)
{
	char	   *full;

	if (!guard(w, err))
		return false;
	full = full_path(w, path);
	if (truncate(full, (off_t) size) != 0)
	{
		rw_fail_errno(err, errno, "could not truncate target file \"%s\" to %llu bytes",
					  full, (unsigned long long) size);
		free(full);
		return false;
	}
	free(full);
	touch(w, path);
	return true;
}

bool
tw_remove_file(target_writer *w, const char *path, rw_error *err)
{
	char	   *full;

	if (!guard(w, err))
		return false;
	if (w->fd_path && strcmp(w->fd_path, path) == 0)
		close_current(w);
	full = full_path(w, path);
	if (unlink(full) != 0 && errno != ENOENT)
	{
		rw_fail_errno(err, errno, "could not remove target file \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	touch_parent(w, path);
	return true;
}

bool
tw_remove_dir(target_writer *w, const char *path, rw_error *err)
{
	char	   *full;

	if (!guard(w, err))
		return false;
	full = full_path(w, path);
	if (rmdir(full) != 0 && errno != ENOENT)
	{
		rw_fail_errno(err, errno, "could not remove target directory \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	touch_parent(w, path);
	return true;
}

bool
tw_create_dir(target_writer *w, const char *path, rw_error *err)
{
	char	   *full;

	if (!guard(w, err))
		return false;
	full = full_path(w, path);
	if (mkdir(full, 0700) != 0 && errno != EEXIST)
	{
		rw_fail_errno(err, errno, "could not create target directory \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	touch(w, path);
	touch_parent(w, path);
	return true;
}

bool
tw_create_symlink(target_writer *w, const char *path, const char *link_target,
				  rw_error *err)
{
	char	   *full;

	if (!guard(w, err))
		return false;
	full = full_path(w, path);
	if (symlink(link_target, full) != 0)
	{
		rw_fail_errno(err, errno, "could not create symbolic link \"%s\" to \"%s\"",
					  full, link_target);
		free(full);
		return false;
	}
	free(full);
	touch_parent(w, path);
	return true;
}

static bool
write_all_fd(int fd, const uint8_t *data, size_t len)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = write(fd, data + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		done += (size_t) n;
	}
	return true;
}

bool
tw_replace_file(target_writer *w, const char *path, const uint8_t *data, size_t len,
				rw_error *err)
{
	char	   *full, *tmp;
	int			fd;

	if (!guard(w, err))
		return false;
	if (w->fd_path && strcmp(w->fd_path, path) == 0)
		close_current(w);
	full = full_path(w, path);
	tmp = xasprintf("%s.rewind-tmp", full);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !write_all_fd(fd, data, len) || fsync(fd) != 0)
	{
		rw_fail_errno(err, errno, "could not write target file \"%s\"", tmp);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(tmp);
		free(full);
		return false;
	}
	close(fd);
	if (rename(tmp, full) != 0)
	{
		rw_fail_errno(err, errno, "could not rename \"%s\" to \"%s\"", tmp, full);
		unlink(tmp);
		free(tmp);
		free(full);
		return false;
	}
	free(tmp);
	free(full);
	touch(w, path);
	touch_parent(w, path);
	return true;
}

static int
compare_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sort and drop duplicates, then fsync each path that still exists. */
bool
tw_sync(target_writer *w, rw_error *err)
{
	size_t		n = 0;

	if (!guard(w, err))
		return false;
	close_current(w);
	qsort(w->touched, w->ntouched, sizeof(char *), compare_str);
	for (size_t i = 0; i < w->ntouched; i++)
	{
		if (n > 0 && strcmp(w->touched[n - 1], w->touched[i]) == 0)
		{
			free(w->touched[i]);
			continue;
		}
		w->touched[n++] = w->touched[i];
	}
	w->ntouched = n;

	for (size_t i = 0; i < w->ntouched; i++)
	{
		char	   *full = full_path(w, w->touched[i]);
		int			fd = open(full, O_RDONLY | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT)
		{
			free(full);
			continue;			/* removed later in the run */
		}
		if (fd < 0 || fsync(fd) != 0)
		{
			rw_fail_errno(err, errno, "could not fsync \"%s\"", full);
			if (fd >= 0)
				close(fd);
			free(full);
			return false;
		}
		close(fd);
		free(full);
	}
	return true;
}

size_t
tw_touched_count(const target_writer *w)
{
	return w->ntouched;
}

/*
 * The salvage directory (salvage_dir.h): refused unless new or empty and
 * outside the target; files created without following links, mode 0600,
 * and synced with their directories.  Writes only inside DIR.
 */
#include "salvage/salvage_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
dir_is_empty(const char *dir, bool *empty, rw_error *err)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return rw_fail_errno(err, errno, "could not open salvage directory \"%s\"", dir);
	*empty = true;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			*empty = false;
	closedir(d);
	return true;
}

/* Is dir (existing or not: its parent is resolved) inside pgdata? */
static bool
inside(const char *dir, const char *pgdata, bool *in, rw_error *err)
{
	char		parent[PATH_MAX];
	char		real_parent[PATH_MAX];
	char		real_data[PATH_MAX];
	char	   *slash;
	size_t		n;

	*in = false;
	snprintf(parent, sizeof(parent), "%s", dir);
	while ((n = strlen(parent)) > 1 && parent[n - 1] == '/')
		parent[n - 1] = '\0';
	slash = strrchr(parent, '/');
	if (slash == NULL)
		snprintf(parent, sizeof(parent), ".");
	else if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (realpath(parent, real_parent) == NULL)
		return rw_fail_errno(err, errno, "could not find the parent of salvage directory \"%s\"",
							 dir);
	if (realpath(pgdata, real_data) == NULL)
		return true;			/* the target's own checks say what is wrong */
	n = strlen(real_data);
	*in = strncmp(real_parent, real_data, n) == 0 &&
		(real_parent[n] == '\0' || real_parent[n] == '/');
	return true;
}

bool
salvage_dir_check(const char *dir, const char *pgdata, rw_error *err)
{
	struct stat st;
	bool		empty = false;
	bool		in;

	if (!inside(dir, pgdata, &in, err))
		return false;
	if (in)
	{
		rw_fail(err, RW_EUSAGE, "salvage directory \"%s\" is inside the target data directory",
				dir);
		rw_hint(err, "The rewind would overwrite it; give --salvage a directory elsewhere.");
		return false;
	}
	if (lstat(dir, &st) != 0)
	{
		if (errno == ENOENT)
			return true;
		return rw_fail_errno(err, errno, "could not check salvage directory \"%s\"", dir);
	}
	if (!S_ISDIR(st.st_mode))
	{
		rw_fail(err, RW_EUSAGE, "salvage directory \"%s\" exists and is not a directory", dir);
		rw_hint(err, "Give --salvage a new or empty directory.");
		return false;
	}
	if (!dir_is_empty(dir, &empty, err))
		return false;
	if (!empty)
	{
		rw_fail(err, RW_EUSAGE, "salvage directory \"%s\" is not empty", dir);
		rw_hint(err, "Give --salvage a new or empty directory; nothing was changed.");
		return false;
	}
	return true;
}

bool
salvage_dir_make(const char *dir, const char *pgdata, rw_error *err)
{
	if (!salvage_dir_check(dir, pgdata, err))
		return false;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return rw_fail_errno(err, errno, "could not create salvage directory \"%s\"", dir);
	return true;
}

void
salvage_name_part(const char *name, char *out, size_t outlen)
{
	size_t		n = 0;

	for (const char *p = name; *p && n + 4 < outlen; p++)
	{
		if (*p == '/' || *p == '%' || (p == name && *p == '.'))
			n += (size_t) snprintf(out + n, outlen - n, "%%%02X", (unsigned char) *p);
		else
			out[n++] = *p;
	}
	out[n] = '\0';
}

bool
salvage_path(char *out, size_t outlen, const char *dir, const char *name, rw_error *err)
{
	int			n = snprintf(out, outlen, "%s/%s", dir, name);

	if (n < 0 || (size_t) n >= outlen)
		return rw_fail(err, RW_EUSAGE, "salvage path \"%s/%s\" is too long", dir, name);
	return true;
}

FILE *
salvage_file_create(const char *path, rw_error *err)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE	   *f;

	if (fd < 0)
	{
		rw_fail_errno(err, errno, "could not create salvage file \"%s\"", path);
		return NULL;
	}
	if ((f = fdopen(fd, "w")) == NULL)
	{
		rw_fail_errno(err, errno, "could not create salvage file \"%s\"", path);
		close(fd);
	}
	return f;
}

bool
salvage_file_finish(FILE *f, const char *path, rw_error *err)
{
	int			e = 0;

	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0)
		e = errno ? errno : EIO;
	if (fclose(f) != 0 && e == 0)
		e = errno;
	if (e != 0)
		return rw_fail_errno(err, e, "could not write salvage file \"%s\"", path);
	return true;
}

bool
salvage_dir_sync(const char *dir, rw_error *err)
{
	int			fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int			e;

	if (fd < 0)
		return rw_fail_errno(err, errno, "could not open directory \"%s\"", dir);
	e = fsync(fd) != 0 ? errno : 0;
	close(fd);
	if (e != 0)
		return rw_fail_errno(err, e, "could not sync directory \"%s\"", dir);
	return true;
}

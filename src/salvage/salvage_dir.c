/*
 * The salvage directory (salvage_dir.h): refused unless new or empty (but
 * for an interrupted run's temporary files, cleared) and outside the target; files created without following links, mode 0600,
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

#include "util/log.h"

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * Is DIR/name the temporary directory an interrupted run left: named
 * SALVAGE_SPILL_DIR, a directory (not a link) holding nothing but regular
 * files named by decimal numbers?  Anything else in it: not ours.
 */
static bool
spill_leftover(const char *dir, const char *name, bool *ours, rw_error *err)
{
	char		path[PATH_MAX];
	struct stat st;
	DIR		   *d;
	struct dirent *e;

	*ours = false;
	if (strcmp(name, SALVAGE_SPILL_DIR) != 0)
		return true;
	if (!salvage_path(path, sizeof(path), dir, name, err))
		return false;
	if (lstat(path, &st) != 0)
		return rw_fail_errno(err, errno, "could not check \"%s\"", path);
	if (!S_ISDIR(st.st_mode))
		return true;
	if ((d = opendir(path)) == NULL)
		return rw_fail_errno(err, errno, "could not open \"%s\"", path);
	*ours = true;
	while (*ours && (e = readdir(d)) != NULL)
	{
		char		file[PATH_MAX + 512];
		struct stat fst;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		*ours = all_digits(e->d_name) && strlen(e->d_name) <= 10 &&
			lstat(file, &fst) == 0 && S_ISREG(fst.st_mode);
	}
	closedir(d);
	return true;
}

/* Is dir empty, but for an interrupted run's temporary directory? */
static bool
dir_is_empty(const char *dir, bool *empty, bool *leftover, rw_error *err)
{
	DIR		   *d = opendir(dir);
	struct dirent *e;
	bool		ok = true;

	if (d == NULL)
		return rw_fail_errno(err, errno, "could not open salvage directory \"%s\"", dir);
	*empty = true;
	*leftover = false;
	while (ok && (e = readdir(d)) != NULL)
	{
		bool		ours = false;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		ok = spill_leftover(dir, e->d_name, &ours, err);
		if (ours)
			*leftover = true;
		else
			*empty = false;
	}
	closedir(d);
	return ok;
}

/* Remove the temporary directory an interrupted run left in dir. */
static bool
clear_leftover(const char *dir, rw_error *err)
{
	char		path[PATH_MAX];
	DIR		   *d;
	struct dirent *e;

	if (!salvage_path(path, sizeof(path), dir, SALVAGE_SPILL_DIR, err))
		return false;
	if ((d = opendir(path)) == NULL)
		return rw_fail_errno(err, errno, "could not open \"%s\"", path);
	while ((e = readdir(d)) != NULL)
	{
		char		file[PATH_MAX + 512];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (unlink(file) != 0)
		{
			int			e2 = errno;

			closedir(d);
			return rw_fail_errno(err, e2, "could not remove \"%s\"", file);
		}
	}
	closedir(d);
	if (rmdir(path) != 0)
		return rw_fail_errno(err, errno, "could not remove \"%s\"", path);
	log_info("salvage directory \"%s\": removed the temporary files of an interrupted run",
			 dir);
	return salvage_dir_sync(dir, err);
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
	bool		leftover = false;
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
	if (!dir_is_empty(dir, &empty, &leftover, err))
		return false;
	if (!empty)
	{
		rw_fail(err, RW_EUSAGE, "salvage directory \"%s\" is not empty", dir);
		if (leftover)
			rw_hint(err, "It holds the files of an interrupted run (" SALVAGE_SPILL_DIR
					") and others: remove it or give --salvage a new directory; nothing "
					"was changed.");
		else
			rw_hint(err, "Give --salvage a new or empty directory; nothing was changed.");
		return false;
	}
	return true;
}

/* Does dir hold an interrupted run's temporary directory (dir checked)? */
static bool
has_leftover(const char *dir, bool *leftover, rw_error *err)
{
	bool		empty;

	*leftover = false;
	if (access(dir, F_OK) != 0)
		return true;
	return dir_is_empty(dir, &empty, leftover, err);
}

bool
salvage_dir_make(const char *dir, const char *pgdata, rw_error *err)
{
	bool		leftover;

	if (!salvage_dir_check(dir, pgdata, err) || !has_leftover(dir, &leftover, err))
		return false;
	if (leftover && !clear_leftover(dir, err))
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

/*
 * The listing of a data directory on this machine (the target's, or a
 * directory source's): a recursive walk that reads directories and
 * symlinks, nothing else.
 */
#include "source/filelist_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

/*
 * Read a symlink's target into a malloc'd string.  Returns NULL with errno
 * set on failure.
 */
static char *
read_link(const char *path)
{
	size_t		cap = 256;

	for (;;)
	{
		char	   *buf = xmalloc(cap);
		ssize_t		n = readlink(path, buf, cap);

		if (n < 0)
		{
			int			save = errno;

			free(buf);
			errno = save;
			return NULL;
		}
		if ((size_t) n < cap)
		{
			buf[n] = '\0';
			return buf;
		}
		/* possibly truncated: try again with more room */
		free(buf);
		cap *= 2;
	}
}

/* A link we follow once: directly under pg_tblspc/, or pg_wal at the top. */
static bool
followed_link(const char *reldir, const char *name)
{
	if (reldir[0] == '\0')
		return strcmp(name, "pg_wal") == 0;
	return strcmp(reldir, "pg_tblspc") == 0;
}

static bool list_dir(const char *datadir, const char *reldir, file_list *out,
					 rw_error *err);

/*
 * Add one symlink.  A followed link whose target is a directory gets its
 * contents listed below it; a dangling one is listed alone.
 */
static bool
add_link(const char *datadir, const char *reldir, const char *name,
		 const char *relpath, const char *full, file_list *out, rw_error *err)
{
	char	   *target = read_link(full);
	struct stat st;
	bool		ok = true;

	if (target == NULL)
	{
		if (errno == ENOENT)
			return true;		/* vanished */
		return rw_fail_errno(err, errno, "could not read symbolic link \"%s\"", full);
	}
	file_list_add(out, relpath, FILE_TYPE_SYMLINK, 0, target);
	free(target);

	if (followed_link(reldir, name) && stat(full, &st) == 0 && S_ISDIR(st.st_mode))
		ok = list_dir(datadir, relpath, out, err);
	return ok;
}

/*
 * Add one directory entry (and, for a directory, what is below it).  It is
 * stat'ed relative to its directory's descriptor dfd: the kernel does not
 * walk the whole path again for each of a database's many files.
 */
static bool
add_entry(const char *datadir, int dfd, const char *reldir, const char *name,
		  const char *relpath, file_list *out, rw_error *err)
{
	struct stat st;
	char	   *full;
	bool		ok = true;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
	{
		if (errno == ENOENT)
			return true;		/* vanished */
		full = xasprintf("%s/%s", datadir, relpath);
		ok = rw_fail_errno(err, errno, "could not stat \"%s\"", full);
		free(full);
		return ok;
	}
	if (S_ISREG(st.st_mode))
		file_list_add(out, relpath, FILE_TYPE_REGULAR, (uint64_t) st.st_size, NULL);
	else if (S_ISDIR(st.st_mode))
	{
		file_list_add(out, relpath, FILE_TYPE_DIRECTORY, 0, NULL);
		ok = list_dir(datadir, relpath, out, err);
	}
	else if (S_ISLNK(st.st_mode))
	{
		full = xasprintf("%s/%s", datadir, relpath);
		ok = add_link(datadir, reldir, name, relpath, full, out, err);
		free(full);
	}
	/* sockets, fifos and devices have no place in a data directory: ignored */
	return ok;
}

/* List the directory datadir/reldir ("" for the root) recursively. */
static bool
list_dir(const char *datadir, const char *reldir, file_list *out, rw_error *err)
{
	char	   *full;
	char	   *relpath;		/* "reldir/" then each entry's name */
	size_t		prefix;
	DIR		   *dir;
	bool		ok = true;

	full = (reldir[0] == '\0') ? xstrdup(datadir) : xasprintf("%s/%s", datadir, reldir);
	dir = opendir(full);
	if (dir == NULL)
	{
		/* a subdirectory that vanished is skipped; a missing root is not */
		if (errno != ENOENT || reldir[0] == '\0')
			ok = rw_fail_errno(err, errno, "could not open directory \"%s\"", full);
		free(full);
		return ok;
	}
	prefix = strlen(reldir) + (reldir[0] != '\0');
	relpath = xmalloc(prefix + NAME_MAX + 1);
	memcpy(relpath, reldir, prefix);
	if (prefix > 0)
		relpath[prefix - 1] = '/';
	for (;;)
	{
		struct dirent *de;

		errno = 0;
		de = readdir(dir);
		if (de == NULL)
		{
			if (errno != 0)
				ok = rw_fail_errno(err, errno, "could not read directory \"%s\"", full);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		strcpy(relpath + prefix, de->d_name);
		if (!add_entry(datadir, dirfd(dir), reldir, de->d_name, relpath, out, err))
		{
			ok = false;
			break;
		}
	}
	closedir(dir);
	free(relpath);
	free(full);
	return ok;
}

bool
file_list_local(const char *datadir, file_list *out, rw_error *err)
{
	if (!list_dir(datadir, "", out, err))
		return false;
	file_list_sort(out);
	return true;
}

/*
 * A data directory's listing (filelist.h): the container (add, sort,
 * find) and the walk of a local directory, following only the links a data
 * directory may have.  Reads directories; writes nothing.
 */

#include "source/filelist.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xalloc.h"

void
file_list_add(file_list *l, const char *path, file_type type, uint64_t size,
			  const char *link_target)
{
	file_entry *e;

	xgrow((void **) &l->items, &l->cap, l->n + 1, sizeof(file_entry));
	e = &l->items[l->n++];
	e->path = xstrdup(path);
	e->type = type;
	e->size = (type == FILE_TYPE_REGULAR) ? size : 0;
	e->link_target = (link_target != NULL) ? xstrdup(link_target) : NULL;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const file_entry *) a)->path, ((const file_entry *) b)->path);
}

void
file_list_sort(file_list *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(file_entry), entry_cmp);
}

const file_entry *
file_list_find(const file_list *l, const char *path)
{
	file_entry	key = {.path = (char *) path};

	if (l->n == 0)
		return NULL;
	return bsearch(&key, l->items, l->n, sizeof(file_entry), entry_cmp);
}

void
file_list_free(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
	{
		free(l->items[i].path);
		free(l->items[i].link_target);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->cap = 0;
}

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

/* Add one directory entry (and, for a directory, what is below it). */
static bool
add_entry(const char *datadir, const char *reldir, const char *name,
		  file_list *out, rw_error *err)
{
	char	   *relpath;
	char	   *full;
	struct stat st;
	bool		ok = true;

	relpath = (reldir[0] == '\0') ? xstrdup(name) : xasprintf("%s/%s", reldir, name);
	full = xasprintf("%s/%s", datadir, relpath);

	if (lstat(full, &st) != 0)
	{
		if (errno != ENOENT)
			ok = rw_fail_errno(err, errno, "could not stat \"%s\"", full);
	}
	else if (S_ISLNK(st.st_mode))
		ok = add_link(datadir, reldir, name, relpath, full, out, err);
	else if (S_ISDIR(st.st_mode))
	{
		file_list_add(out, relpath, FILE_TYPE_DIRECTORY, 0, NULL);
		ok = list_dir(datadir, relpath, out, err);
	}
	else if (S_ISREG(st.st_mode))
		file_list_add(out, relpath, FILE_TYPE_REGULAR, (uint64_t) st.st_size, NULL);
	/* sockets, fifos and devices have no place in a data directory: ignored */

	free(relpath);
	free(full);
	return ok;
}

/* List the directory datadir/reldir ("" for the root) recursively. */
static bool
list_dir(const char *datadir, const char *reldir, file_list *out, rw_error *err)
{
	char	   *full;
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
		if (!add_entry(datadir, reldir, de->d_name, out, err))
		{
			ok = false;
			break;
		}
	}
	closedir(dir);
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

/*
 * Errors of calls on the target's files (writer.c, rollback.c): the errno
 * message, or, when a symbolic link was in the way, one that names it.
 * Only looks at the file system (lstat); changes nothing.
 */
#include "target/target_fail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xalloc.h"

/*
 * The symbolic link that made a call on path fail with ELOOP, malloc'd, or
 * NULL: the deepest name of path that is one (the links above it, pg_wal or
 * a tablespace, or above the data directory, are where it is followed).
 */
static char *
link_in_the_way(const char *path)
{
	char	   *p = xstrdup(path);
	char	   *slash;
	struct stat st;

	do
	{
		if (p[0] != '\0' && lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			return p;
		slash = strrchr(p, '/');
		if (slash)
			*slash = '\0';
	} while (slash);
	free(p);
	return NULL;
}

/* The link in the way of one of the quoted paths of msg, as link_in_the_way. */
static char *
link_in_message(const char *msg)
{
	const char *q = strchr(msg, '"');

	while (q != NULL && strchr(q + 1, '"') != NULL)
	{
		const char *end = strchr(q + 1, '"');
		char	   *path = xasprintf("%.*s", (int) (end - q - 1), q + 1);
		char	   *link = link_in_the_way(path);

		free(path);
		if (link)
			return link;
		q = strchr(end + 1, '"');
	}
	return NULL;
}

bool
target_fail(rw_error *err, int errnum, const char *fmt,...)
{
	char		what[sizeof(err->msg)];
	va_list		ap;
	char	   *link;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	link = errnum == ELOOP ? link_in_message(what) : NULL;
	if (link == NULL)
		return rw_fail_errno(err, errnum, "%s", what);
	rw_fail(err, RW_ESTATE, "%s: \"%s\" is a symbolic link", what, link);
	rw_hint(err, "rewind follows no symbolic link in the data directory but pg_wal and "
			"pg_tblspc/<oid>, so that it never changes a file outside it. Put the real "
			"directory (or file) back in place of \"%s\".", link);
	free(link);
	return false;
}

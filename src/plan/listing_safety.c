/*
 * What a source may list, and where a rewind may write (listing_safety.h):
 * paths and tablespace links checked before anything is planned from them.
 * Reads tablespace directories on this host; changes nothing.
 */

#include "plan/listing_safety.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source_reply.h"
#include "xalloc.h"

/* Longer paths are no PostgreSQL file's. */
#define LISTED_PATH_MAX 1024

static bool
has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* "pg_tblspc/<oid>": a tablespace OID, 1 to 4294967295, no leading zero. */
static bool
is_tablespace_link_path(const char *path)
{
	const char *oid;
	size_t		n;

	if (strncmp(path, "pg_tblspc/", strlen("pg_tblspc/")) != 0)
		return false;
	oid = path + strlen("pg_tblspc/");
	n = strlen(oid);
	return n > 0 && n <= 10 && oid[0] != '0' && strspn(oid, "0123456789") == n &&
		strtoull(oid, NULL, 10) <= 0xFFFFFFFFULL;
}

/* An absolute path with no empty, "." or ".." part; never "/" itself (no
 * tablespace or WAL directory lives at the root of the file system). */
static bool
clean_absolute(const char *path)
{
	return path != NULL && path[0] == '/' && strlen(path) < LISTED_PATH_MAX &&
		!has_control_chars(path) && reply_path_ok(path + 1);
}

static bool
entry_safe(const file_entry *e, rw_error *err)
{
	if (!reply_path_ok(e->path) || has_control_chars(e->path) ||
		strlen(e->path) >= LISTED_PATH_MAX)
		return rw_fail(err, RW_ESOURCE, "the source lists a path that is not a plain relative "
					   "path inside its data directory: \"%s\"", e->path);
	if (e->type != FILE_TYPE_SYMLINK)
		return true;
	if (!is_tablespace_link_path(e->path) && strcmp(e->path, "pg_wal") != 0)
		return rw_fail(err, RW_ESOURCE, "the source lists a symbolic link \"%s\" -> \"%s\": "
					   "only tablespace links (pg_tblspc/<oid>) are accepted",
					   e->path, e->link_target ? e->link_target : "");
	if (!clean_absolute(e->link_target))
		return rw_fail(err, RW_ESOURCE, "the source lists tablespace link \"%s\" to \"%s\", "
					   "not a plain absolute path", e->path,
					   e->link_target ? e->link_target : "");
	return true;
}

bool
listing_source_safe(const file_list *source, rw_error *err)
{
	for (size_t i = 0; i < source->n; i++)
	{
		if (!entry_safe(&source->items[i], err))
		{
			rw_hint(err, "The source is damaged or is not the server it claims to be; check "
					"--source-server (use sslmode=verify-full to authenticate it).");
			return false;
		}
		if (i > 0 && strcmp(source->items[i - 1].path, source->items[i].path) == 0)
			return rw_fail(err, RW_ESOURCE, "the source lists \"%s\" twice",
						   source->items[i].path);
	}
	return true;
}

/* Is dir an empty directory?  Sets errno when it cannot be read. */
static bool
empty_dir(const char *dir, bool *empty)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;

	*empty = true;
	if (d == NULL)
		return false;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
		{
			*empty = false;
			break;
		}
	closedir(d);
	return true;
}

static bool
location_free(const plan_entry *e, const char *tsdir, rw_error *err)
{
	char	   *dir = xasprintf("%s/%s", e->link_target, tsdir);
	struct stat st;
	bool		empty = false;
	bool		ok = true;

	if (lstat(dir, &st) != 0)
	{
		if (errno != ENOENT)
			ok = rw_fail_errno(err, errno, "could not check tablespace directory \"%s\"", dir);
	}
	else if (S_ISDIR(st.st_mode) && !empty_dir(dir, &empty))
		ok = rw_fail_errno(err, errno, "could not read tablespace directory \"%s\"", dir);
	else if (!S_ISDIR(st.st_mode) || !empty)
	{
		ok = rw_fail(err, RW_ESTATE, "tablespace directory \"%s\" (for \"%s\", which the "
					 "rewind must create) already exists and is not this cluster's: on a shared "
					 "host it may be another cluster's, the source's own", dir, e->path);
		rw_hint(err, "The target must not write into another cluster's tablespace. Rewind on "
				"a host of its own (the same location is then the target's), or make the node "
				"a new standby (pg_basebackup --tablespace-mapping). The target was not "
				"changed.");
	}
	free(dir);
	return ok;
}

bool
listing_tablespaces_free(const plan *p, const char *tsdir, rw_error *err)
{
	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];

		if (e->action != ACT_CREATE_LINK)
			continue;
		/* a source's pg_wal link is listed, but only a tablespace's is ever made */
		if (!is_tablespace_link_path(e->path) || !clean_absolute(e->link_target))
			return rw_fail(err, RW_ESOURCE, "the rewind would create symbolic link \"%s\" -> "
						   "\"%s\" in the target: only tablespace links are made", e->path,
						   e->link_target ? e->link_target : "");
		if (!location_free(e, tsdir, err))
			return false;
	}
	return true;
}

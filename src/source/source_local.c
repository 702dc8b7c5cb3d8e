/*
 * A cleanly stopped data directory on this machine as the source.  It
 * only reads below that directory.
 */
#include "source/source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/filelist_local.h"
#include "util/digest.h"
#include "pgver.h"
#include "xalloc.h"

typedef struct local_source {
	source		base;			/* first, so a source * is a local_source * */
	char	   *datadir;		/* owned */
} local_source;

static char *
full_path(const local_source *ls, const char *path)
{
	return xasprintf("%s/%s", ls->datadir, path);
}

/* Read from fd until EOF into a malloc'd, NUL-terminated buffer. */
static bool
read_all(int fd, const char *full, uint8_t **data, size_t *len, rw_error *err)
{
	struct stat st;
	uint8_t    *buf = NULL;
	size_t		cap = 0;
	size_t		n = 0;

	/* the size is only a hint: the file may change while we read it */
	if (fstat(fd, &st) != 0)
		return rw_fail_errno(err, errno, "could not stat file \"%s\"", full);
	xgrow((void **) &buf, &cap, (size_t) st.st_size + 1, 1);
	for (;;)
	{
		ssize_t		got;

		if (n + 1 >= cap)
			xgrow((void **) &buf, &cap, cap * 2, 1);
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0)
		{
			if (errno == EINTR)
				continue;
			free(buf);
			return rw_fail_errno(err, errno, "could not read file \"%s\"", full);
		}
		if (got == 0)
			break;
		n += (size_t) got;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return true;
}

static bool
local_read_file(source *s, const char *path, bool missing_ok, uint8_t **data,
				size_t *len, bool *missing, rw_error *err)
{
	local_source *ls = (local_source *) s;
	char	   *full = full_path(ls, path);
	int			fd;
	bool		ok;

	*data = NULL;
	*len = 0;
	*missing = false;
	fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
	{
		if (errno == ENOENT && missing_ok)
		{
			*missing = true;
			ok = true;
		}
		else
			ok = rw_fail_errno(err, errno, "could not open file \"%s\"", full);
		free(full);
		return ok;
	}
	ok = read_all(fd, full, data, len, err);
	close(fd);
	free(full);
	if (ok)
		s->bytes_fetched += *len;
	return ok;
}

static bool
local_list_files(source *s, file_list *out, rw_error *err)
{
	return file_list_local(((local_source *) s)->datadir, out, err);
}

/* pread up to len bytes at offset; fewer only at end of file. */
static bool
read_range(int fd, const char *full, uint64_t offset, uint32_t len,
		   uint8_t *buf, size_t *got, rw_error *err)
{
	size_t		n = 0;

	while (n < len)
	{
		ssize_t		r = pread(fd, buf + n, len - n, (off_t) (offset + n));

		if (r < 0)
		{
			if (errno == EINTR)
				continue;
			return rw_fail_errno(err, errno,
								 "could not read file \"%s\" at offset %llu",
								 full, (unsigned long long) (offset + n));
		}
		if (r == 0)
			break;
		n += (size_t) r;
	}
	*got = n;
	return true;
}

/* The file the previous range read, kept open for the next one. */
typedef struct open_file {
	const char *path;			/* ranges[i].path, not owned; NULL at first */
	char	   *full;			/* owned */
	int			fd;				/* -1 when the file does not exist */
} open_file;

static void
open_file_close(open_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->full);
	f->full = NULL;
	f->fd = -1;
}

/* Make f the open file of path, reusing it for consecutive ranges. */
static bool
open_for_range(const local_source *ls, const char *path, open_file *f,
			   rw_error *err)
{
	if (f->path != NULL && strcmp(f->path, path) == 0)
		return true;
	open_file_close(f);
	f->path = path;
	f->full = full_path(ls, path);
	f->fd = open(f->full, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 && errno != ENOENT)
		return rw_fail_errno(err, errno, "could not open file \"%s\"", f->full);
	return true;
}

static bool
local_fetch_one(local_source *ls, const fetch_range *r, size_t index,
				open_file *f, uint8_t *buf, fetch_sink sink, void *ctx,
				rw_error *err)
{
	size_t		got = 0;

	if (!open_for_range(ls, r->path, f, err))
		return false;
	if (f->fd < 0)
		return sink(ctx, index, NULL, 0, true, err);
	if (!read_range(f->fd, f->full, r->offset, r->len, buf, &got, err))
		return false;
	ls->base.bytes_fetched += got;
	return sink(ctx, index, buf, got, false, err);
}

static bool
local_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink,
			void *ctx, rw_error *err)
{
	local_source *ls = (local_source *) s;
	open_file	f = {NULL, NULL, -1};
	uint8_t    *buf;
	bool		ok = true;

	if (!source_ranges_fit(ranges, n, err))
		return false;

	buf = xmalloc(FETCH_RANGE_MAX);
	for (size_t i = 0; i < n && ok; i++)
		ok = local_fetch_one(ls, &ranges[i], i, &f, buf, sink, ctx, err);
	open_file_close(&f);
	free(buf);
	return ok;
}

static bool
local_hash_ranges(source *s, const fetch_range *ranges, size_t n, source_digest *out,
				  rw_error *err)
{
	local_source *ls = (local_source *) s;
	open_file	f = {NULL, NULL, -1};
	bool		ok = true;

	for (size_t i = 0; i < n && ok; i++)
	{
		out[i].missing = false;
		ok = open_for_range(ls, ranges[i].path, &f, err);
		if (ok && f.fd < 0)
			out[i].missing = true;
		else if (ok)
			ok = digest_fd_range(f.fd, f.full, ranges[i].offset, ranges[i].len,
								 out[i].sha256, err);
	}
	open_file_close(&f);
	return ok;
}

static bool
local_hash_blocks(source *s, const fetch_range *ranges, size_t n, source_block_digests *out,
				  rw_error *err)
{
	local_source *ls = (local_source *) s;
	open_file	f = {NULL, NULL, -1};
	uint8_t    *buf;
	bool		ok = true;

	if (!source_ranges_fit(ranges, n, err))
		return false;
	buf = xmalloc(FETCH_RANGE_MAX);
	for (size_t i = 0; i < n && ok; i++)
	{
		out[i].missing = false;
		out[i].nblocks = 0;
		ok = open_for_range(ls, ranges[i].path, &f, err);
		if (ok && f.fd < 0)
			out[i].missing = true;
		else if (ok)
			ok = digest_fd_blocks(f.fd, f.full, ranges[i].offset, ranges[i].len, BLCKSZ, buf,
								  out[i].sha256, &out[i].nblocks, err);
	}
	open_file_close(&f);
	free(buf);
	return ok;
}

/* A directory cannot tell more than its control file, which the caller reads. */
static bool
local_wal_position(source *s, source_wal_position *out, rw_error *err)
{
	(void) s;
	(void) err;
	out->in_recovery = false;
	out->lsn = LSN_INVALID;
	out->tli = 0;
	return true;
}

static bool
local_check_server(source *s, bool base_backup, rw_error *err)
{
	(void) s;
	(void) base_backup;
	(void) err;
	return true;
}

static void
local_close(source *s)
{
	local_source *ls = (local_source *) s;

	free(ls->datadir);
	free(ls);
}

static const source_ops local_ops = {
	.read_file = local_read_file,
	.list_files = local_list_files,
	.fetch = local_fetch,
	.hash_ranges = local_hash_ranges,
	.hash_blocks = local_hash_blocks,
	.wal_position = local_wal_position,
	.check_server = local_check_server,
	/* no catalog, no WAL retention, no conninfo: those stay NULL */
	.close = local_close,
};

source *
source_local_open(const char *datadir, rw_error *err)
{
	local_source *ls;
	struct stat st;

	if (stat(datadir, &st) != 0)
	{
		rw_fail_errno(err, errno, "could not open source data directory \"%s\"", datadir);
		return NULL;
	}
	if (!S_ISDIR(st.st_mode))
	{
		rw_fail(err, RW_EUSAGE, "source data directory \"%s\" is not a directory", datadir);
		return NULL;
	}
	ls = xcalloc(1, sizeof(local_source));
	ls->base.ops = &local_ops;
	ls->datadir = xstrdup(datadir);
	ls->base.stopped = true;
	snprintf(ls->base.description, sizeof(ls->base.description),
			 "directory %s", datadir);
	return &ls->base;
}

/*
 * The removed versions kept by block, spilled to temporary files in the
 * salvage directory beyond a bound (salvage_spill.h).  Writes only there.
 */
#include "salvage/salvage_spill.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "salvage/salvage_dir.h"
#include "xalloc.h"

static int
cmp_removal(const void *x, const void *y)
{
	const removal *a = x,
			   *b = y;

	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	return a->lsn < b->lsn ? -1 : a->lsn > b->lsn;
}

static void
sort_removals(removal *v, size_t n)
{
	if (n > 0)
		qsort(v, n, sizeof(removal), cmp_removal);
}

void
removal_store_init(removal_store *s, const char *parent, size_t buffer)
{
	memset(s, 0, sizeof(*s));
	s->parent = parent;
	s->buffer = buffer > 0 ? buffer : SPILL_BUFFER;
	s->loaded = UINT32_MAX;
}

static void
bucket_path(const removal_store *s, uint32_t bucket, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s/%u", s->dir, (unsigned) bucket);
}

/* Append the buffer to the files of its ranges, and empty it. */
static bool
spill(removal_store *s, rw_error *err)
{
	if (!s->spilled)
	{
		if ((size_t) snprintf(s->dir, sizeof(s->dir), "%s/%s", s->parent, SALVAGE_SPILL_DIR) >=
			sizeof(s->dir))
			return rw_fail(err, RW_EUSAGE, "salvage directory path too long");
		if (mkdir(s->dir, 0700) != 0)
			return rw_fail_errno(err, errno, "could not create \"%s\"", s->dir);
		s->spilled = true;
	}
	sort_removals(s->v, s->n);
	for (size_t i = 0, j; i < s->n; i = j)
	{
		uint32_t	bucket = s->v[i].block / SPILL_BUCKET_BLOCKS;
		char		path[4200];
		const char *p;
		size_t		left;
		int			fd;

		for (j = i; j < s->n && s->v[j].block / SPILL_BUCKET_BLOCKS == bucket; j++)
			;
		bucket_path(s, bucket, path, sizeof(path));
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return rw_fail_errno(err, errno, "could not open \"%s\"", path);
		for (p = (const char *) &s->v[i], left = (j - i) * sizeof(removal); left > 0;)
		{
			ssize_t		w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
			{
				int			e = w < 0 ? errno : ENOSPC;

				close(fd);
				return rw_fail_errno(err, e, "could not write \"%s\"", path);
			}
			p += w;
			left -= (size_t) w;
		}
		if (close(fd) != 0)
			return rw_fail_errno(err, errno, "could not write \"%s\"", path);
	}
	s->n = 0;
	if (s->kill_after_spill)
		raise(SIGKILL);
	return true;
}

bool
removal_add(removal_store *s, const removal *r, rw_error *err)
{
	if (s->n >= s->buffer && !spill(s, err))
		return false;
	xgrow((void **) &s->v, &s->cap, s->n + 1, sizeof(removal));
	s->v[s->n++] = *r;
	return true;
}

bool
removal_finish(removal_store *s, rw_error *err)
{
	if (s->spilled)
		return spill(s, err);
	sort_removals(s->v, s->n);
	return true;
}

/* Read the file of range bucket into v (none: empty). */
static bool
load(removal_store *s, uint32_t bucket, rw_error *err)
{
	char		path[4200];
	struct stat st;
	size_t		got = 0,
				size;
	int			fd;

	s->n = 0;
	s->loaded = bucket;
	bucket_path(s, bucket, path, sizeof(path));
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? true : rw_fail_errno(err, errno, "could not open \"%s\"", path);
	if (fstat(fd, &st) != 0)
	{
		int			e = errno;

		close(fd);
		return rw_fail_errno(err, e, "could not stat \"%s\"", path);
	}
	if (st.st_size % sizeof(removal) != 0)
	{
		close(fd);
		return rw_fail(err, RW_EINTERNAL, "\"%s\" ends with a partial entry", path);
	}
	size = (size_t) st.st_size;
	xgrow((void **) &s->v, &s->cap, size / sizeof(removal), sizeof(removal));
	while (got < size)
	{
		ssize_t		r = read(fd, (char *) s->v + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
		{
			int			e = r < 0 ? errno : EIO;

			close(fd);
			return rw_fail_errno(err, e, "could not read \"%s\"", path);
		}
		got += (size_t) r;
	}
	close(fd);
	s->n = size / sizeof(removal);
	sort_removals(s->v, s->n);
	return true;
}

bool
removal_block(removal_store *s, uint32_t block, const removal **out, size_t *n,
			  rw_error *err)
{
	size_t		lo = 0,
				hi;

	*out = NULL;
	*n = 0;
	if (s->spilled && s->loaded != block / SPILL_BUCKET_BLOCKS &&
		!load(s, block / SPILL_BUCKET_BLOCKS, err))
		return false;
	for (hi = s->n; lo < hi;)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (s->v[mid].block < block)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + *n < s->n && s->v[lo + *n].block == block)
		(*n)++;
	*out = *n > 0 ? &s->v[lo] : NULL;
	return true;
}

void
removal_store_free(removal_store *s)
{
	if (s->spilled)
	{
		DIR		   *d = opendir(s->dir);
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL)
		{
			char		path[4400];

			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
			unlink(path);
		}
		if (d != NULL)
			closedir(d);
		rmdir(s->dir);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

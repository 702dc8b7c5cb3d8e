/*
 * The source's WAL, read through the source a chunk (FETCH_RANGE_MAX) at a
 * time: a scan reads pages in order, so one chunk in memory serves a run
 * of page reads and a segment is never held whole.
 */
#include "source/source_wal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct source_wal {
	source	   *src;
	const tl_history *history;
	uint32_t	segsize;
	uint32_t	page_size;
	uint8_t    *chunk;			/* FETCH_RANGE_MAX bytes */
	lsn_t		chunk_start;	/* LSN of chunk[0]; LSN_INVALID: empty */
	size_t		chunk_len;
	uint64_t	bytes_read;
};

source_wal *
source_wal_open(source *src, const tl_history *history, uint32_t segsize, uint32_t page_size)
{
	source_wal *w = xcalloc(1, sizeof(*w));

	w->src = src;
	w->history = history;
	w->segsize = segsize;
	w->page_size = page_size;
	w->chunk = xmalloc(FETCH_RANGE_MAX);
	w->chunk_start = LSN_INVALID;
	return w;
}

void
source_wal_close(source_wal *w)
{
	if (w == NULL)
		return;
	free(w->chunk);
	free(w);
}

uint64_t
source_wal_bytes_read(const source_wal *w)
{
	return w->bytes_read;
}

typedef struct chunk_fill {
	source_wal *w;
	bool		missing;
} chunk_fill;

static bool
chunk_sink(void *ctx, size_t index, const uint8_t *data, size_t len, bool missing,
		   rw_error *err)
{
	chunk_fill *f = ctx;

	(void) index;
	(void) err;
	f->missing = missing;
	if (!missing)
	{
		if (len > FETCH_RANGE_MAX - f->w->chunk_len)
			len = FETCH_RANGE_MAX - f->w->chunk_len;
		memcpy(f->w->chunk + f->w->chunk_len, data, len);
		f->w->chunk_len += len;
		f->w->bytes_read += len;
	}
	return true;
}

/* Fetch the chunk of the segment file that holds lsn. */
static bool
fetch_chunk(source_wal *w, lsn_t lsn, rw_error *err)
{
	uint64_t	segno = lsn_segno(lsn, w->segsize);
	uint64_t	in_seg = lsn - segno_start(segno, w->segsize);
	uint64_t	offset = in_seg - in_seg % FETCH_RANGE_MAX;
	char		name[WAL_FILE_NAME_LEN + 1];
	char		path[sizeof("pg_wal/") + WAL_FILE_NAME_LEN];
	fetch_range r;
	chunk_fill	f = {.w = w};

	wal_file_name(name, tl_tli_for_segment(w->history, segno, w->segsize), segno, w->segsize);
	snprintf(path, sizeof(path), "pg_wal/%s", name);
	r.path = path;
	r.offset = offset;
	r.len = (uint32_t) (w->segsize - offset < FETCH_RANGE_MAX ? w->segsize - offset :
						FETCH_RANGE_MAX);
	w->chunk_start = LSN_INVALID;
	w->chunk_len = 0;
	if (!w->src->ops->fetch(w->src, &r, 1, chunk_sink, &f, err))
		return false;
	if (f.missing)
		return rw_fail(err, RW_EMISSING, "WAL file \"%s\" is not in the source's pg_wal", path);
	w->chunk_start = segno_start(segno, w->segsize) + offset;
	return true;
}

static bool
read_page(void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err)
{
	source_wal *w = ctx;

	if (w->chunk_start == LSN_INVALID || page_lsn < w->chunk_start ||
		page_lsn >= w->chunk_start + FETCH_RANGE_MAX)
	{
		if (!fetch_chunk(w, page_lsn, err))
			return false;
	}
	if (page_lsn + w->page_size > w->chunk_start + w->chunk_len)
	{
		char		name[WAL_FILE_NAME_LEN + 1];
		uint64_t	segno = lsn_segno(page_lsn, w->segsize);

		wal_file_name(name, tl_tli_for_segment(w->history, segno, w->segsize), segno,
					  w->segsize);
		return rw_fail(err, RW_EMISSING, "WAL file \"pg_wal/%s\" of the source ends before "
					   LSN_FMT, name, LSN_ARGS(page_lsn + w->page_size));
	}
	memcpy(buf, w->chunk + (page_lsn - w->chunk_start), w->page_size);
	return true;
}

wal_page_reader
source_wal_page_reader(source_wal *w)
{
	wal_page_reader r = {.read_page = read_page,.ctx = w};

	return r;
}

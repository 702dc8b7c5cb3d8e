/*
 * Pruned removed versions from the source's copy of the page, when it
 * provably still holds them (salvage_source.h).  Reads blocks through the
 * source interface; writes nothing.
 */
#include "salvage/salvage_source.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "relpath.h"
#include "walreader.h"			/* FORK_MAIN */
#include "xalloc.h"

/* xids below this are special (bootstrap, frozen): older than any other */
#define FIRST_NORMAL_XID 3

/* The two reads of the block. */
typedef struct block_reads {
	uint8_t    *buf[2];
	uint32_t	blcksz;
	bool		whole[2];
} block_reads;

static bool
take_block(void *ctx, size_t index, const uint8_t *data, size_t len, bool missing,
		   rw_error *err)
{
	block_reads *r = ctx;

	(void) err;
	if (index < 2 && !missing && len == r->blcksz)
	{
		memcpy(r->buf[index], data, len);
		r->whole[index] = true;
	}
	return true;
}

bool
salvage_source_block(source *src, const salvage_relfile *rf, relfile_locator loc,
					 uint32_t blkno, lsn_t diverge, uint8_t *page, bool *usable,
					 rw_error *err)
{
	char		rel[PATH_MAX];
	fetch_range ranges[2];
	block_reads r = {.buf = {page, xmalloc(rf->blcksz)}, .blcksz = rf->blcksz};
	lsn_t		page_lsn;

	*usable = false;
	relpath_format(rel, sizeof(rel), rf->tsdir, loc, FORK_MAIN, blkno / rf->relseg_size);
	for (int i = 0; i < 2; i++)
	{
		ranges[i].path = rel;
		ranges[i].offset = (uint64_t) (blkno % rf->relseg_size) * rf->blcksz;
		ranges[i].len = rf->blcksz;
	}
	if (!src->ops->fetch(src, ranges, 2, take_block, &r, err))
	{
		free(r.buf[1]);
		rw_context(err, "reading block %u of relation file %u from the source",
				   (unsigned) blkno, (unsigned) loc.rel);
		return false;
	}
	page_lsn = ((lsn_t) get32(page) << 32) | get32(page + 4);
	*usable = r.whole[0] && r.whole[1] && memcmp(page, r.buf[1], rf->blcksz) == 0 &&
		page_lsn >= diverge;
	free(r.buf[1]);
	return true;
}

/* Consecutive blocks read whole. */
typedef struct run_reads {
	uint8_t    *buf;
	uint32_t	blcksz;
	bool	   *whole;
	size_t		n;
} run_reads;

static bool
take_run(void *ctx, size_t index, const uint8_t *data, size_t len, bool missing, rw_error *err)
{
	run_reads  *r = ctx;

	(void) err;
	if (index < r->n && !missing && len == r->blcksz)
	{
		memcpy(r->buf + index * r->blcksz, data, len);
		r->whole[index] = true;
	}
	return true;
}

bool
salvage_source_blocks(source *src, const salvage_relfile *rf, relfile_locator loc,
					  uint32_t first, uint32_t n, uint8_t *buf, uint32_t *got, rw_error *err)
{
	fetch_range *ranges = xcalloc(n, sizeof(fetch_range));
	char	   *paths = xmalloc((size_t) n * PATH_MAX);
	run_reads	r = {.buf = buf, .blcksz = rf->blcksz, .whole = xcalloc(n, sizeof(bool)), .n = n};
	bool		ok;

	for (uint32_t i = 0; i < n; i++)
	{
		uint32_t	blkno = first + i;

		relpath_format(paths + (size_t) i * PATH_MAX, PATH_MAX, rf->tsdir, loc, FORK_MAIN,
					   blkno / rf->relseg_size);
		ranges[i].path = paths + (size_t) i * PATH_MAX;
		ranges[i].offset = (uint64_t) (blkno % rf->relseg_size) * rf->blcksz;
		ranges[i].len = rf->blcksz;
	}
	ok = src->ops->fetch(src, ranges, n, take_run, &r, err);
	if (!ok)
		rw_context(err, "reading blocks %u to %u of relation file %u from the source",
				   (unsigned) first, (unsigned) (first + n - 1), (unsigned) loc.rel);
	for (*got = 0; ok && *got < n && r.whole[*got]; (*got)++)
		;
	free(r.whole);
	free(paths);
	free(ranges);
	return ok;
}

/* a before b, 32-bit xids compared modulo 2^32 as PostgreSQL does */
static bool
xid_precedes(uint32_t a, uint32_t b)
{
	if (a < FIRST_NORMAL_XID || b < FIRST_NORMAL_XID)
		return a < b;
	return (int32_t) (a - b) < 0;
}

bool
salvage_source_version(const uint8_t *page, uint32_t blcksz, uint16_t offset,
					   uint32_t first_new_xid, page_tuple *out)
{
	uint32_t	xmin;

	if (!page_tuple_at(page, blcksz, offset, out))
		return false;
	xmin = TUPLE_XMIN(out->data);
	return xmin != 0 && xid_precedes(xmin, first_new_xid);
}

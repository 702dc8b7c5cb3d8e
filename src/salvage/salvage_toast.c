/*
 * Out-of-line values from the target's own TOAST relations
 * (salvage_toast.h): the wanted value ids, one scan to find their chunks,
 * then each value assembled on request; a value the target no longer has
 * from the source's copy.  Reads the target's files and the source's
 * blocks.
 */
#include "salvage/salvage_toast.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "salvage/salvage_page.h"
#include "salvage/salvage_source.h"
#include "varlena.h"
#include "xalloc.h"

/*
 * A chunk row: chunk_id oid, chunk_seq int4, chunk_data bytea (never
 * compressed, a 1-byte or 4-byte varlena header).  *data points into t.
 */
static bool
chunk_of(const page_tuple *t, uint32_t *valueid, uint32_t *seq, const uint8_t **data,
		 size_t *len)
{
	const uint8_t *d;

	if ((size_t) TUPLE_HOFF(t->data) + 9 > t->len)
		return false;
	d = t->data + TUPLE_HOFF(t->data);
	*valueid = get32(d);
	*seq = get32(d + 4);
	return varlena_inline(d + 8, t->len - TUPLE_HOFF(t->data) - 8, data, len);
}

void
salvage_toast_want(salvage_toast *t, const uint8_t *data, size_t len)
{
	uint32_t	valueid;

	if (!varlena_toast_valueid(data, len, &valueid))
		return;
	xgrow((void **) &t->want, &t->capwant, t->nwant + 1, sizeof(uint32_t));
	t->want[t->nwant++] = valueid;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a,
				y = *(const uint32_t *) b;

	return x < y ? -1 : x > y;
}

static int
cmp_pos(const void *a, const void *b)
{
	const toast_chunk_pos *x = a,
			   *y = b;

	if (x->valueid != y->valueid)
		return x->valueid < y->valueid ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * One scan of the TOAST relation: where every chunk of the values in
 * want[0..nwant) (sorted, distinct) lies, appended to *pos, sorted by value
 * and chunk number.
 */
static bool
collect_chunks(const salvage_toast *t, const uint32_t *want, size_t nwant,
			   toast_chunk_pos **pos, size_t *n, size_t *cap, rw_error *err)
{
	uint8_t    *page = xmalloc(t->rf->blcksz);
	page_tuple *tups = xmalloc(t->rf->blcksz / 4 * sizeof(page_tuple));
	bool		present = true,
				ok = true;

	for (uint32_t blk = 0; ok && present; blk++)
	{
		size_t		nt;

		ok = salvage_read_block(t->rf, t->loc, blk, page, &present, err);
		nt = ok && present ? page_tuples(page, t->rf->blcksz, tups, t->rf->blcksz / 4) : 0;
		for (size_t i = 0; i < nt; i++)
		{
			uint32_t	valueid,
						seq;
			const uint8_t *data;
			size_t		len;

			if (!chunk_of(&tups[i], &valueid, &seq, &data, &len) ||
				bsearch(&valueid, want, nwant, sizeof(uint32_t), cmp_u32) == NULL)
				continue;
			xgrow((void **) pos, cap, *n + 1, sizeof(toast_chunk_pos));
			(*pos)[(*n)++] = (toast_chunk_pos) {valueid, seq, blk, tups[i].offset};
		}
	}
	if (ok && *n > 0)
		qsort(*pos, *n, sizeof(toast_chunk_pos), cmp_pos);
	free(tups);
	free(page);
	return ok;
}

bool
salvage_toast_index(salvage_toast *t, rw_error *err)
{
	size_t		n = 0;

	if (t->nwant == 0 || t->loc.rel == 0)
		return true;
	qsort(t->want, t->nwant, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < t->nwant; i++)
		if (n == 0 || t->want[n - 1] != t->want[i])
			t->want[n++] = t->want[i];
	t->nwant = n;
	return collect_chunks(t, t->want, t->nwant, &t->chunks, &t->nchunks, &t->capchunks, err);
}

void
salvage_toast_free(salvage_toast *t)
{
	free(t->want);
	free(t->chunks);
	t->want = NULL;
	t->chunks = NULL;
	t->nwant = t->capwant = t->nchunks = t->capchunks = 0;
}

/*
 * Copy the chunks of valueid in order from the positions pos[0..n) (sorted
 * by chunk number; a dead copy of a chunk may follow its live one).
 */
static bool
copy_chunks(const salvage_toast *t, const toast_chunk_pos *pos, size_t n, uint32_t valueid,
			uint8_t *out, size_t size, size_t *got, rw_error *err)
{
	uint8_t    *page = xmalloc(t->rf->blcksz);
	uint32_t	loaded = UINT32_MAX;
	uint32_t	next = 0;
	bool		ok = true;

	*got = 0;
	for (size_t i = 0; ok && i < n; i++)
	{
		bool		present = true;
		page_tuple	tup;
		uint32_t	id,
					seq;
		const uint8_t *data;
		size_t		len;

		if (pos[i].seq != next)
			continue;			/* a second copy, or a gap (found short below) */
		if (pos[i].blkno != loaded)
		{
			ok = salvage_read_block(t->rf, t->loc, pos[i].blkno, page, &present, err);
			loaded = pos[i].blkno;
		}
		if (!ok || !present || !page_tuple_at(page, t->rf->blcksz, pos[i].offset, &tup) ||
			!chunk_of(&tup, &id, &seq, &data, &len) || id != valueid || *got + len > size)
			break;
		memcpy(out + *got, data, len);
		*got += len;
		next++;
	}
	free(page);
	return ok;
}

/* A chunk of a value from the source, copied. */
typedef struct source_chunk {
	uint32_t	seq;
	size_t		len;
	uint8_t    *data;
} source_chunk;

static int
cmp_seq(const void *a, const void *b)
{
	const source_chunk *x = a,
			   *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

#define SOURCE_BATCH 32			/* blocks asked for at once */

/*
 * The chunks of valueid in the source's copy of the TOAST relation whose
 * xmin was assigned before the divergence point (salvage_toast.h), in
 * order into out; *got: the bytes assembled.
 */
static bool
source_value(const salvage_toast *t, uint32_t valueid, uint8_t *out, size_t size,
			 size_t *got, rw_error *err)
{
	uint32_t	blcksz = t->rf->blcksz;
	uint8_t    *buf = xmalloc((size_t) SOURCE_BATCH * blcksz);
	source_chunk *v = NULL;
	size_t		n = 0,
				cap = 0;
	uint32_t	nread = SOURCE_BATCH,
				next = 0;
	bool		ok = true;

	for (uint32_t first = 0; ok && nread == SOURCE_BATCH; first += SOURCE_BATCH)
	{
		ok = salvage_source_blocks(t->src, t->rf, t->loc, first, SOURCE_BATCH, buf, &nread,
								   err);
		for (uint32_t b = 0; ok && b < nread; b++)
			for (uint32_t off = 1; off <= blcksz / 4; off++)
			{
				page_tuple	tup;
				uint32_t	id,
							seq;
				const uint8_t *data;
				size_t		len;

				if (!salvage_source_version(buf + (size_t) b * blcksz, blcksz, (uint16_t) off,
											t->first_new_xid, &tup) ||
					!chunk_of(&tup, &id, &seq, &data, &len) || id != valueid)
					continue;
				xgrow((void **) &v, &cap, n + 1, sizeof(source_chunk));
				v[n].seq = seq;
				v[n].len = len;
				v[n].data = xmalloc(len + 1);
				memcpy(v[n].data, data, len);
				n++;
			}
	}
	if (n > 0)
		qsort(v, n, sizeof(source_chunk), cmp_seq);
	*got = 0;
	for (size_t i = 0; i < n; i++)
	{
		if (v[i].seq == next && *got + v[i].len <= size)
		{
			memcpy(out + *got, v[i].data, v[i].len);
			*got += v[i].len;
			next++;
		}
		free(v[i].data);
	}
	free(v);
	free(buf);
	return ok;
}

bool
salvage_toast_fetch(const salvage_toast *t, uint32_t toastrelid, uint32_t valueid, uint8_t *out,
					size_t size, rw_error *err)
{
	toast_chunk_pos key = {valueid, 0, 0, 0};
	const toast_chunk_pos *hit;
	toast_chunk_pos *found = NULL;
	size_t		n = 0,
				got = 0;
	bool		ok;

	if (t->loc.rel == 0)
		return rw_fail(err, RW_ECORRUPT, "a value is stored out of line but the table has no "
					   "TOAST relation in the source's catalog");
	/* the first chunk of the value in the index, then its run */
	hit = t->nchunks == 0 ? NULL :
		bsearch(&key, t->chunks, t->nchunks, sizeof(toast_chunk_pos), cmp_pos);
	if (hit != NULL)
		for (n = 1; hit + n < t->chunks + t->nchunks && hit[n].valueid == valueid; n++)
			;
	else
	{
		/* a value not noted before the index (a version taken from an
		 * image or the source): a scan of its own */
		size_t		cap = 0;

		if (!collect_chunks(t, &valueid, 1, &found, &n, &cap, err))
			return false;
	}
	ok = copy_chunks(t, hit ? hit : found, n, valueid, out, size, &got, err);
	free(found);
	if (ok && got != size && t->src != NULL)
	{
		size_t		in_target = got;

		ok = source_value(t, valueid, out, size, &got, err);
		if (ok && got != size)
			return rw_fail(err, RW_ECORRUPT, "TOAST value %u of relation %u: %zu of its %zu "
						   "bytes found in the target's TOAST relation, %zu in the source's",
						   (unsigned) valueid, (unsigned) toastrelid, in_target, size, got);
	}
	if (ok && got != size)
		ok = rw_fail(err, RW_ECORRUPT, "TOAST value %u of relation %u: %zu of its %zu bytes "
					 "found in the target's TOAST relation", (unsigned) valueid,
					 (unsigned) toastrelid, got, size);
	return ok;
}

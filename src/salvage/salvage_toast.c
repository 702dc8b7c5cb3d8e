#include "salvage/salvage_toast.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "salvage/salvage_page.h"
#include "xalloc.h"

typedef struct chunk {
	uint32_t	seq;
	uint8_t    *data;
	size_t		len;
} chunk;

static int
cmp_chunk(const void *a, const void *b)
{
	uint32_t	x = ((const chunk *) a)->seq,
				y = ((const chunk *) b)->seq;

	return x < y ? -1 : x > y;
}

/*
 * A chunk row: chunk_id oid, chunk_seq int4, chunk_data bytea (never
 * compressed, a 1-byte or 4-byte varlena header).
 */
static bool
chunk_of(const page_tuple *t, uint32_t valueid, chunk *c)
{
	const uint8_t *d;
	size_t		avail,
				hdr,
				len;

	if ((size_t) TUPLE_HOFF(t->data) + 9 > t->len)
		return false;
	d = t->data + TUPLE_HOFF(t->data);
	avail = t->len - TUPLE_HOFF(t->data) - 8;
	if (get32(d) != valueid)
		return false;
	c->seq = get32(d + 4);
	d += 8;
	if (d[0] & 1)
	{
		hdr = 1;
		len = d[0] >> 1;
	}
	else
	{
		if (avail < 4)
			return false;
		hdr = 4;
		len = get32(d) >> 2;
	}
	if (len < hdr || len > avail)
		return false;
	c->data = xmalloc(len - hdr);
	memcpy(c->data, d + hdr, len - hdr);
	c->len = len - hdr;
	return true;
}

static void
free_chunks(chunk *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cs[i].data);
	free(cs);
}

bool
salvage_toast_fetch(const salvage_toast *t, uint32_t toastrelid, uint32_t valueid, uint8_t *out,
					size_t size, rw_error *err)
{
	uint8_t    *page = xmalloc(t->rf->blcksz);
	page_tuple *tups = xmalloc(t->rf->blcksz / 4 * sizeof(page_tuple));
	chunk	   *cs = NULL;
	size_t		n = 0,
				cap = 0,
				got = 0;
	bool		present = true,
				ok = true;

	if (t->loc.rel == 0)
		ok = rw_fail(err, RW_ECORRUPT, "a value is stored out of line but the table has no "
					 "TOAST relation in the source's catalog");
	for (uint32_t blk = 0; ok && present; blk++)
	{
		size_t		nt;

		ok = salvage_read_block(t->rf, t->loc, blk, page, &present, err);
		nt = ok && present ? page_tuples(page, t->rf->blcksz, tups, t->rf->blcksz / 4) : 0;
		for (size_t i = 0; i < nt; i++)
		{
			xgrow((void **) &cs, &cap, n + 1, sizeof(chunk));
			if (chunk_of(&tups[i], valueid, &cs[n]))
				n++;
		}
	}
	if (ok && n > 0)
		qsort(cs, n, sizeof(chunk), cmp_chunk);
	/* the same chunk may be there twice (a dead copy): take each once */
	for (size_t i = 0; ok && i < n; i++)
	{
		if (i > 0 && cs[i].seq == cs[i - 1].seq)
			continue;
		if (cs[i].seq != (i == 0 ? 0 : cs[i - 1].seq + 1) || got + cs[i].len > size)
			break;
		memcpy(out + got, cs[i].data, cs[i].len);
		got += cs[i].len;
	}
	if (ok && got != size)
		ok = rw_fail(err, RW_ECORRUPT, "TOAST value %u of relation %u: %zu of its %zu bytes "
					 "found in the target's TOAST relation", (unsigned) valueid,
					 (unsigned) toastrelid, got, size);
	free_chunks(cs, n);
	free(tups);
	free(page);
	return ok;
}

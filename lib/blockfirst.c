/*
 * The first reference to each block in a stretch of WAL, and whether it
 * restores the whole page (blockfirst.h).  Pure: memory only, no I/O.
 */

#include "blockfirst.h"

#include <stdlib.h>

#include "xalloc.h"

typedef struct first_ref {
	relfile_locator loc;
	uint32_t	blkno;
	bool		used;
	bool		whole;
} first_ref;

/* Open addressing, kept at most half full. */
struct blockfirst {
	first_ref  *slots;
	size_t		nslots;			/* a power of two */
	size_t		n;
};

static uint64_t
ref_hash(relfile_locator loc, uint32_t blkno)
{
	uint64_t	h = ((uint64_t) loc.spc << 32 | loc.db) * UINT64_C(0x9E3779B97F4A7C15);

	h ^= ((uint64_t) loc.rel << 32 | blkno) * UINT64_C(0xC2B2AE3D27D4EB4F);
	return h ^ (h >> 31);
}

static first_ref *
find(first_ref *slots, size_t nslots, relfile_locator loc, uint32_t blkno)
{
	size_t		mask = nslots - 1;
	size_t		i = (size_t) ref_hash(loc, blkno) & mask;

	while (slots[i].used &&
		   !(slots[i].blkno == blkno && relfile_locator_equal(slots[i].loc, loc)))
		i = (i + 1) & mask;
	return &slots[i];
}

static void
grow(blockfirst *f)
{
	size_t		nslots = f->nslots * 2;
	first_ref  *slots = xcalloc(nslots, sizeof(first_ref));

	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i].used)
			*find(slots, nslots, f->slots[i].loc, f->slots[i].blkno) = f->slots[i];
	free(f->slots);
	f->slots = slots;
	f->nslots = nslots;
}

blockfirst *
blockfirst_new(void)
{
	blockfirst *f = xcalloc(1, sizeof(blockfirst));

	f->nslots = 1024;
	f->slots = xcalloc(f->nslots, sizeof(first_ref));
	return f;
}

void
blockfirst_free(blockfirst *f)
{
	if (!f)
		return;
	free(f->slots);
	free(f);
}

void
blockfirst_note(blockfirst *f, relfile_locator rel, uint32_t blkno, bool whole)
{
	first_ref  *s = find(f->slots, f->nslots, rel, blkno);

	if (s->used)
		return;
	s->used = true;
	s->loc = rel;
	s->blkno = blkno;
	s->whole = whole;
	if (++f->n * 2 > f->nslots)
		grow(f);
}

void
blockfirst_add_to(const blockfirst *f, blockmap *dst, bool whole)
{
	for (size_t i = 0; i < f->nslots; i++)
		if (f->slots[i].used && f->slots[i].whole == whole)
			blockmap_add(dst, f->slots[i].loc, f->slots[i].blkno);
}

uint64_t
blockfirst_count(const blockfirst *f, bool whole)
{
	uint64_t	n = 0;

	for (size_t i = 0; i < f->nslots; i++)
		n += f->slots[i].used && f->slots[i].whole == whole;
	return n;
}

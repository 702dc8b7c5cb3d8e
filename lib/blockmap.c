/*
 * The block map: the changed blocks of relation main forks, fed by the
 * WAL scan, read by the plan (blockmap.h).  Pure: memory only, no I/O.
 */

#include "blockmap.h"

#include <stdlib.h>

#include "locmap.h"
#include "xalloc.h"

/*
 * A relation's block list is compacted (sorted, deduplicated) once it holds
 * twice as many entries as after its last compaction, and never below this
 * many: a block changed a million times then costs no more than a few.
 */
#define COMPACT_MIN 1024

typedef struct rel_blocks {
	relfile_locator loc;
	uint32_t   *blocks;
	size_t		n;
	size_t		cap;
	size_t		compact_at;		/* compact when n reaches this */
} rel_blocks;

/* Relations live in a plain array (sorted by locator after finish). */
struct blockmap {
	rel_blocks *rels;
	size_t		nrels;
	size_t		relcap;
	locmap		index;			/* locator -> index in rels */
};

blockmap *
blockmap_new(void)
{
	return xcalloc(1, sizeof(blockmap));
}

void
blockmap_free(blockmap *m)
{
	if (m == NULL)
		return;
	for (size_t r = 0; r < m->nrels; r++)
		free(m->rels[r].blocks);
	free(m->rels);
	locmap_free(&m->index);
	free(m);
}

static rel_blocks *
get_rel(blockmap *m, relfile_locator loc)
{
	size_t		i;
	rel_blocks *r;

	if (locmap_get(&m->index, loc, &i))
		return &m->rels[i];

	xgrow((void **) &m->rels, &m->relcap, m->nrels + 1, sizeof(rel_blocks));
	r = &m->rels[m->nrels++];
	r->loc = loc;
	r->blocks = NULL;
	r->n = r->cap = 0;
	r->compact_at = COMPACT_MIN;
	locmap_put(&m->index, loc, m->nrels - 1);
	return r;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *) a;
	uint32_t	y = *(const uint32_t *) b;

	return (x > y) - (x < y);
}

static void
compact(rel_blocks *r)
{
	size_t		out = 0;

	qsort(r->blocks, r->n, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < r->n; i++)
		if (out == 0 || r->blocks[out - 1] != r->blocks[i])
			r->blocks[out++] = r->blocks[i];
	r->n = out;
	r->compact_at = out * 2 > COMPACT_MIN ? out * 2 : COMPACT_MIN;
}

void
blockmap_add(blockmap *m, relfile_locator rel, uint32_t blkno)
{
	rel_blocks *r = get_rel(m, rel);

	if (r->n >= r->compact_at)
		compact(r);
	xgrow((void **) &r->blocks, &r->cap, r->n + 1, sizeof(uint32_t));
	r->blocks[r->n++] = blkno;
}

static int
cmp_rel(const void *a, const void *b)
{
	const relfile_locator *x = &((const rel_blocks *) a)->loc;
	const relfile_locator *y = &((const rel_blocks *) b)->loc;

	if (x->spc != y->spc)
		return x->spc < y->spc ? -1 : 1;
	if (x->db != y->db)
		return x->db < y->db ? -1 : 1;
	if (x->rel != y->rel)
		return x->rel < y->rel ? -1 : 1;
	return 0;
}

void
blockmap_finish(blockmap *m)
{
	for (size_t r = 0; r < m->nrels; r++)
		compact(&m->rels[r]);
	if (m->nrels > 1)			/* rels may still be NULL */
		qsort(m->rels, m->nrels, sizeof(rel_blocks), cmp_rel);
	/* sorting moved the entries: index them again */
	for (size_t r = 0; r < m->nrels; r++)
		locmap_put(&m->index, m->rels[r].loc, r);
}

const uint32_t *
blockmap_blocks(const blockmap *m, relfile_locator rel, size_t *n)
{
	size_t		i;
	const rel_blocks *r;

	if (!locmap_get(&m->index, rel, &i))
	{
		*n = 0;
		return NULL;
	}
	r = &m->rels[i];
	*n = r->n;
	return r->blocks;
}

size_t
blockmap_relation_count(const blockmap *m)
{
	return m->nrels;
}

relfile_locator
blockmap_relation(const blockmap *m, size_t i, const uint32_t **blocks,
				  size_t *n)
{
	*blocks = m->rels[i].blocks;
	*n = m->rels[i].n;
	return m->rels[i].loc;
}

uint64_t
blockmap_total_blocks(const blockmap *m)
{
	uint64_t	total = 0;

	for (size_t r = 0; r < m->nrels; r++)
		total += m->rels[r].n;
	return total;
}

void
blockmap_add_all(blockmap *dst, const blockmap *src)
{
	for (size_t r = 0; r < src->nrels; r++)
		for (size_t i = 0; i < src->rels[r].n; i++)
			blockmap_add(dst, src->rels[r].loc, src->rels[r].blocks[i]);
}

uint64_t
blockmap_count_missing(const blockmap *a, const blockmap *b)
{
	uint64_t	missing = 0;

	for (size_t r = 0; r < a->nrels; r++)
	{
		size_t		nb, j = 0;
		const uint32_t *bb = blockmap_blocks(b, a->rels[r].loc, &nb);

		/* both lists are sorted: one merge pass */
		for (size_t i = 0; i < a->rels[r].n; i++)
		{
			uint32_t	blk = a->rels[r].blocks[i];

			while (j < nb && bb[j] < blk)
				j++;
			if (j == nb || bb[j] != blk)
				missing++;
		}
	}
	return missing;
}

/*
 * One pass over the target's WAL for the salvage (salvage_wal.h): the
 * removals by lost committed transactions, the slots written after the
 * divergence, and the full-page images that still show pruned versions.
 * Reads the target's WAL through the WAL reader; writes nothing.
 */
#include "salvage/salvage_wal.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "datum.h"				/* varlena_decompress */
#include "util/test_hooks.h"
#include "walrec.h"
#include "xalloc.h"

/* heap record layouts (main data) */
#define HEAP_INIT_PAGE 0x80
#define HEAP_DELETE_IS_SUPER 0x08
#define HEAP_INSERT_SIZE 3
#define HEAP_DELETE_SIZE 8
#define HEAP_UPDATE_SIZE 14

#define FIRST_NORMAL_XID 3

static int
cmp_pos(const wal_image *a, relfile_locator loc, uint32_t blkno)
{
	if (a->loc.spc != loc.spc)
		return a->loc.spc < loc.spc ? -1 : 1;
	if (a->loc.db != loc.db)
		return a->loc.db < loc.db ? -1 : 1;
	if (a->loc.rel != loc.rel)
		return a->loc.rel < loc.rel ? -1 : 1;
	if (a->blkno != blkno)
		return a->blkno < blkno ? -1 : 1;
	return 0;
}

static int
cmp_image(const void *x, const void *y)
{
	const wal_image *a = x,
			   *b = y;
	int			c = cmp_pos(a, b->loc, b->blkno);

	if (c != 0)
		return c;
	return a->lsn < b->lsn ? -1 : a->lsn > b->lsn;
}

static void
sort_images(wal_image_list *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof(wal_image), cmp_image);
}

static void
add_image(wal_image_list *s, relfile_locator loc, uint32_t blkno, lsn_t lsn)
{
	wal_image  *e;

	xgrow((void **) &s->v, &s->cap, s->n + 1, sizeof(wal_image));
	e = &s->v[s->n++];
	e->loc = loc;
	e->blkno = blkno;
	e->lsn = lsn;
}

static const wal_blockref *
block_id(const wal_record *rec, uint8_t id)
{
	for (int i = 0; i < rec->nblocks; i++)
		if (rec->blocks[i].id == id)
			return &rec->blocks[i];
	return NULL;
}

static relfile_locator
loc_of(const wal_blockref *b)
{
	relfile_locator loc = {b->spc, b->db, b->rel};

	return loc;
}

/* The number of block blkno of loc in the scan; false when it visits none. */
static bool
block_number(const salvage_wal *w, relfile_locator loc, uint32_t blkno, uint32_t *out)
{
	const ledger_rel *rel = ledger_find_rel(w->ledger, loc);
	const uint32_t *blocks;
	size_t		nb,
				lo = 0,
				hi;

	if (rel == NULL)
		return false;
	blocks = blockmap_blocks(w->map, loc, &nb);
	for (hi = nb; lo < hi;)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (blocks[mid] < blkno)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == nb || blocks[lo] != blkno)
		return false;
	*out = salvage_wal_block_number(w, (size_t) (rel - ledger_get(w->ledger)->rels), lo);
	return true;
}

/* A row was written into slot offset of block g after the divergence. */
static void
mark_written(salvage_wal *w, uint32_t g, uint16_t offset)
{
	if (offset == 0 || offset > w->slot_bits)
		return;					/* not a heap tuple's slot */
	if (w->written[g] == NULL)
		w->written[g] = xcalloc((w->slot_bits + 7) / 8, 1);
	w->written[g][(offset - 1) / 8] |= (uint8_t) (1u << ((offset - 1) % 8));
}

static bool
was_written(const salvage_wal *w, uint32_t g, uint16_t offset)
{
	return offset > 0 && offset <= w->slot_bits && w->written[g] != NULL &&
		(w->written[g][(offset - 1) / 8] & (1u << ((offset - 1) % 8))) != 0;
}

static void
written(salvage_wal *w, const wal_blockref *b, uint16_t offset)
{
	uint32_t	g;

	if (block_number(w, loc_of(b), b->blkno, &g))
		mark_written(w, g, offset);
}

/* A removal by a committed lost xact, unless the slot's row is a newer one. */
static bool
removed(salvage_wal *w, relfile_locator loc, uint32_t blkno, uint16_t offset,
		const wal_record *rec, rw_error *err)
{
	removal		r = {.offset = offset, .xid = rec->xid, .lsn = rec->lsn};

	if (!block_number(w, loc, blkno, &r.block) || was_written(w, r.block, offset))
		return true;
	return removal_add(&w->removed, &r, err);
}

/* The rows a heap record writes and removes, after the divergence point. */
static bool
heap_slots(const pg_version_info *ver, const wal_record *rec, salvage_wal *w, rw_error *err)
{
	const wal_blockref *b = block_id(rec, 0);
	const wal_blockref *old;
	const uint8_t *d = rec->main_data;
	bool		committed = ledger_committed_xact(w->ledger, rec->xid) != NULL;
	uint32_t	n;
	rw_error	scratch;

	if (b == NULL || b->fork != FORK_MAIN || ledger_find_rel(w->ledger, loc_of(b)) == NULL)
		return true;
	switch (walrec_kind(ver, rec))
	{
		case WK_HEAP_INSERT:
			if (rec->main_len >= HEAP_INSERT_SIZE)
				written(w, b, get16(d));
			break;
		case WK_HEAP2_MULTI_INSERT:
			if (!walrec_multi_insert_ntuples(rec, &n, &scratch) ||
				(!(rec->info & HEAP_INIT_PAGE) && rec->main_len < 4 + 2 * (uint64_t) n))
				break;
			for (uint32_t i = 0; i < n; i++)
				written(w, b, (rec->info & HEAP_INIT_PAGE) ? (uint16_t) (i + 1) :
						get16(d + 4 + 2 * i));
			break;
		case WK_HEAP_DELETE:
			if (rec->main_len >= HEAP_DELETE_SIZE && committed && !(d[7] & HEAP_DELETE_IS_SUPER))
				return removed(w, loc_of(b), b->blkno, get16(d + 4), rec, err);
			break;
		case WK_HEAP_UPDATE:
		case WK_HEAP_HOT_UPDATE:
			if (rec->main_len < HEAP_UPDATE_SIZE)
				break;
			/* the old row is on block 1, or on block 0 when it is the same page */
			old = block_id(rec, 1);
			if (committed && !removed(w, loc_of(b), old ? old->blkno : b->blkno, get16(d + 4),
									  rec, err))
				return false;
			written(w, b, get16(d + 12));
			break;
		default:
			break;
	}
	return true;
}

/* A record before the divergence point that writes a row into block 0. */
static void
pre_divergence_write(const pg_version_info *ver, const wal_record *rec, salvage_wal *w)
{
	const wal_blockref *b = block_id(rec, 0);
	uint32_t	g;

	if (b == NULL || b->fork != FORK_MAIN)
		return;
	switch (walrec_kind(ver, rec))
	{
		case WK_HEAP_INSERT:
		case WK_HEAP2_MULTI_INSERT:
		case WK_HEAP_UPDATE:
		case WK_HEAP_HOT_UPDATE:
			if (block_number(w, loc_of(b), b->blkno, &g))
				w->last_write[g] = rec->lsn;
			break;
		default:
			break;
	}
}

uint32_t
salvage_wal_block_number(const salvage_wal *w, size_t ri, size_t bi)
{
	return (uint32_t) (w->rel_base[ri] + bi);
}

lsn_t
salvage_wal_last_write(const salvage_wal *w, uint32_t g)
{
	return w->last_write[g];
}

/* Number the blocks the scan visits. */
static void
number_blocks(salvage_wal *w, uint32_t blcksz)
{
	const ledger_result *lr = ledger_get(w->ledger);

	w->rel_base = xcalloc(lr->nrels + 1, sizeof(size_t));
	for (size_t i = 0; i < lr->nrels; i++)
	{
		size_t		nb;

		(void) blockmap_blocks(w->map, lr->rels[i].loc, &nb);
		w->rel_base[i] = w->nblocks;
		w->nblocks += nb;
	}
	w->written = xcalloc(w->nblocks + 1, sizeof(uint8_t *));
	w->last_write = xcalloc(w->nblocks + 1, sizeof(lsn_t));
	/* MaxHeapTuplesPerPage: a page header, then a line pointer and the
	 * smallest tuple (its header, aligned to 8) per slot */
	w->slot_bits = (blcksz - 24) / (24 + 4);
}

/* A multixact created, with its updater (those with none are left out). */
static void
multixact_created(const wal_record *rec, salvage_wal *w)
{
	uint32_t	multi,
				updater;
	rw_error	bad;

	if (!walrec_multixact_create(rec, &multi, &updater, &bad) || updater == 0)
		return;
	xgrow((void **) &w->multis.v, &w->multis.cap, w->multis.n + 1, sizeof(multi_updater));
	w->multis.v[w->multis.n].multi = multi;
	w->multis.v[w->multis.n].updater = updater;
	w->multis.n++;
}

static int
cmp_multi_updater(const void *x, const void *y)
{
	const multi_updater *a = x,
			   *b = y;

	return a->multi < b->multi ? -1 : a->multi > b->multi;
}

/* An xid past the newest one seen before the divergence point. */
static void
xid_seen(salvage_wal *w, uint32_t xid)
{
	if (xid >= FIRST_NORMAL_XID && (int32_t) (xid - w->first_new_xid) >= 0)
		w->first_new_xid = xid + 1 < FIRST_NORMAL_XID ? FIRST_NORMAL_XID : xid + 1;
}

bool
salvage_wal_collect(wal_reader *r, const pg_version_info *ver, lsn_t redo, lsn_t end,
					uint32_t next_xid, const ledger *l, const blockmap *map, uint32_t blcksz,
					const char *dir, salvage_wal *out, rw_error *err)
{
	const wal_record *rec;
	wal_read_status st;
	lsn_t		diverge = ledger_get(l)->diverge;
	rw_error	why;

	memset(out, 0, sizeof(*out));
	out->ledger = l;
	out->map = map;
	removal_store_init(&out->removed, dir, (size_t) test_hook_salvage_buffer());
	out->removed.kill_after_spill = test_hook_salvage_kill();
	number_blocks(out, blcksz);
	out->first_new_xid = next_xid < FIRST_NORMAL_XID ? FIRST_NORMAL_XID : next_xid;
	rw_error_clear(&why);
	for (st = walreader_read_at(r, redo, &rec, &why); st == WAL_READ_OK && rec->lsn < end;
		 st = walreader_next(r, &rec, &why))
	{
		for (int i = 0; i < rec->nblocks; i++)
		{
			const wal_blockref *b = &rec->blocks[i];

			if (b->has_image && b->fork == FORK_MAIN && ledger_find_rel(l, loc_of(b)) != NULL)
				add_image(&out->images, loc_of(b), b->blkno, rec->lsn);
		}
		if (walrec_kind(ver, rec) == WK_MULTIXACT_CREATE)
			multixact_created(rec, out);
		if (rec->lsn >= diverge)
		{
			if (!heap_slots(ver, rec, out, err))
				return false;
		}
		else
		{
			xid_seen(out, rec->xid);
			pre_divergence_write(ver, rec, out);
		}
	}
	/* the scan read this WAL to its end already: only a failing read matters */
	if (st == WAL_READ_ERROR)
	{
		*err = why;
		return false;
	}
	sort_images(&out->images);
	if (out->multis.n > 0)
		qsort(out->multis.v, out->multis.n, sizeof(multi_updater), cmp_multi_updater);
	return removal_finish(&out->removed, err);
}

void
salvage_wal_free(salvage_wal *w)
{
	for (size_t i = 0; w->written && i < w->nblocks; i++)
		free(w->written[i]);
	free(w->written);
	free(w->last_write);
	free(w->rel_base);
	free(w->images.v);
	free(w->multis.v);
	removal_store_free(&w->removed);
	memset(w, 0, sizeof(*w));
}

const wal_image *
salvage_wal_block(const wal_image_list *s, relfile_locator loc, uint32_t blkno, size_t *n)
{
	size_t		lo = 0,
				hi = s->n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (cmp_pos(&s->v[mid], loc, blkno) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (*n = 0; lo + *n < s->n && cmp_pos(&s->v[lo + *n], loc, blkno) == 0; (*n)++)
		;
	return *n > 0 ? &s->v[lo] : NULL;
}

typedef enum image_restore {
	IMAGE_RESTORED,
	IMAGE_ZSTD,					/* compressed with a method not read here:
								 * zstd, the only other one (15+) */
	IMAGE_DAMAGED
} image_restore;

/* Restore the image of block b into page. */
static image_restore
restore(const pg_version_info *ver, const wal_blockref *b, uint8_t *page, uint32_t blcksz)
{
	uint8_t    *raw = NULL;
	const uint8_t *img = b->image;
	size_t		len = b->image_len;
	image_restore res = IMAGE_DAMAGED;

	if (b->hole_length > blcksz || (size_t) b->hole_offset > blcksz - b->hole_length)
		return IMAGE_DAMAGED;
	if (b->image_compressed)
	{
		int			method = (b->bimg_info & ver->bimg_pglz) ? 0 :
			(ver->bimg_lz4 && (b->bimg_info & ver->bimg_lz4)) ? 1 : -1;
		rw_error	why;

		if (method < 0)
			return IMAGE_ZSTD;
		raw = xmalloc(blcksz);
		if (!varlena_decompress(method, b->image, b->image_len, raw, blcksz - b->hole_length,
								&why))
		{
			free(raw);
			return IMAGE_DAMAGED;
		}
		img = raw;
		len = blcksz - b->hole_length;
	}
	if (len + b->hole_length == blcksz)
	{
		memcpy(page, img, b->hole_offset);
		memset(page + b->hole_offset, 0, b->hole_length);
		memcpy(page + b->hole_offset + b->hole_length, img + b->hole_offset,
			   len - b->hole_offset);
		res = IMAGE_RESTORED;
	}
	free(raw);
	return res;
}

bool
salvage_wal_image(wal_reader *r, const pg_version_info *ver, const wal_image_list *images,
				  relfile_locator loc, uint32_t blkno, lsn_t lsn, uint8_t *page, uint32_t blcksz,
				  lsn_t *have, bool *found, bool *zstd, rw_error *err)
{
	size_t		n;
	const wal_image *v = salvage_wal_block(images, loc, blkno, &n);

	*found = false;
	*zstd = false;
	for (size_t i = n; i-- > 0;)
		if (v[i].lsn <= lsn)
		{
			if (v[i].lsn == *have)
			{
				*found = true;
				return true;
			}
			break;
		}
	/* newest first: an image that cannot be restored leaves an older one */
	for (size_t i = n; i-- > 0 && !*found;)
	{
		const wal_record *rec;
		rw_error	why;

		if (v[i].lsn > lsn)
			continue;
		rw_error_clear(&why);
		if (walreader_read_at(r, v[i].lsn, &rec, &why) != WAL_READ_OK)
		{
			*err = why;
			return false;
		}
		for (int b = 0; b < rec->nblocks && !*found; b++)
		{
			const wal_blockref *br = &rec->blocks[b];

			if (br->has_image && br->fork == FORK_MAIN && br->blkno == blkno &&
				br->rel == loc.rel && br->db == loc.db && br->spc == loc.spc)
			{
				image_restore res = restore(ver, br, page, blcksz);

				*found = res == IMAGE_RESTORED;
				*zstd = *zstd || res == IMAGE_ZSTD;
			}
		}
		*have = *found ? v[i].lsn : LSN_INVALID;
	}
	return true;
}

/*
 * The row versions from before the divergence point that lost committed
 * transactions removed, one small entry each, kept by block so that memory
 * does not grow with their number: up to SPILL_BUFFER entries stay in
 * memory; beyond that they go to temporary files in DIR, one per range of
 * SPILL_BUCKET_BLOCKS blocks, and the scan, which visits the blocks in
 * order, loads one range at a time.  A block holds at most a page's worth
 * of line pointers of such versions, so a range loaded holds at most
 * SPILL_BUCKET_BLOCKS pages' worth (512 x 291 entries, 3.4 MB, with 8 kB
 * pages).
 *
 * Blocks are numbered by their place in the scan: the changed blocks of
 * each relation with lost row changes (blockmap order), relation after
 * relation (ledger order).
 */
#ifndef RW_SALVAGE_SPILL_H
#define RW_SALVAGE_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"

#define SPILL_BUFFER (1u << 18)		/* entries in memory before spilling (6 MB) */
#define SPILL_BUCKET_BLOCKS 512

/* A removed version: its block (numbered as above), slot, remover, LSN. */
typedef struct removal {
	uint32_t	block;
	uint16_t	offset;
	uint32_t	xid;			/* the (sub)transaction that removed it */
	lsn_t		lsn;
} removal;

typedef struct removal_store {
	char		dir[4096];		/* for the temporary files; "" until spilled */
	const char *parent;			/* DIR */
	removal    *v;				/* the buffer, then the range loaded */
	size_t		n,
				cap,
				buffer;			/* entries v holds before spilling */
	bool		spilled;
	uint32_t	loaded;			/* range in v once spilled; UINT32_MAX: none */
	bool		kill_after_spill;	/* test hook: SIGKILL after the first spill */
} removal_store;

/* buffer: entries kept in memory before spilling, 0 for SPILL_BUFFER. */
void		removal_store_init(removal_store *s, const char *parent, size_t buffer);

/* Add one (collection, in WAL order). */
bool		removal_add(removal_store *s, const removal *r, rw_error *err);

/* After the last one: ready for removal_block. */
bool		removal_finish(removal_store *s, rw_error *err);

/*
 * The removals of block (in slot, then LSN order): *n of them from *out,
 * valid until the next call.  Blocks are asked for in increasing order.
 */
bool		removal_block(removal_store *s, uint32_t block, const removal **out, size_t *n,
						  rw_error *err);

/* Free it and remove the temporary files. */
void		removal_store_free(removal_store *s);

#endif

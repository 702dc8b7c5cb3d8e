/*
 * What the target's WAL tells the salvage beyond its pages: which row
 * versions from before the divergence point a lost committed transaction
 * removed (deletes, old sides of updates), which slots got a row written
 * after it, and where the full-page images of those blocks are.  The old
 * primary may have pruned a removed version from its page since; an image
 * taken before that shows it.
 */
#ifndef RW_SALVAGE_WAL_H
#define RW_SALVAGE_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockmap.h"
#include "error.h"
#include "ledger.h"
#include "lsn.h"
#include "pgver.h"
#include "salvage/salvage_page.h"
#include "salvage/salvage_spill.h"
#include "walreader.h"

/* A full-page image of a block. */
typedef struct wal_image {
	relfile_locator loc;
	uint32_t	blkno;
	lsn_t		lsn;
} wal_image;

typedef struct wal_image_list {
	wal_image  *v;				/* sorted by locator, block, LSN */
	size_t		n,
				cap;
} wal_image_list;

/*
 * Memory grows with the blocks the scan visits (a pointer each, and a bit
 * per line pointer of those a row was written to after the divergence),
 * not with the rows: the removals are kept by salvage_spill.h.
 */
typedef struct salvage_wal {
	wal_image_list	images;			/* full-page images from the redo point on */
	removal_store removed;		/* rows from before the divergence removed after
								 * it by a lost committed xact (a slot written
								 * after the divergence is left out: its row is
								 * not from before it) */
	/* the first xid assigned after the divergence point, on either side: the
	 * checkpoint's nextXid, or past every xid of a record before the point
	 * (what a standby replaying up to there takes as its own nextXid) */
	uint32_t	first_new_xid;
	/* the updaters of the multixacts created from redo on (a row's xmax
	 * may be one: its updater is the remover) */
	multi_updaters multis;
	/* the blocks the scan visits, numbered as salvage_spill.h says */
	const ledger *ledger;
	const blockmap *map;
	size_t	   *rel_base;		/* number of each relation's first block */
	uint8_t   **written;		/* per block: slots written after the divergence */
	/* per block: the last row written into it before the divergence point
	 * (from redo on); an image older than that may show a slot's earlier
	 * occupant */
	lsn_t	   *last_write;
	size_t		nblocks;
	uint32_t	slot_bits;		/* slots a bitmap of written holds */
} salvage_wal;

/*
 * Read the records from redo up to end (the divergence point and the
 * committed transactions come from the finished ledger), keeping those of
 * relations with lost row changes on the blocks of map; next_xid is the
 * nextXid of the checkpoint whose redo point redo is.  Removals beyond
 * what memory keeps go to temporary files in dir.
 */
bool		salvage_wal_collect(wal_reader *r, const pg_version_info *ver, lsn_t redo, lsn_t end,
								uint32_t next_xid, const ledger *l, const blockmap *map,
								uint32_t blcksz, const char *dir, salvage_wal *out,
								rw_error *err);
void		salvage_wal_free(salvage_wal *w);

/* The number of block index bi (in blockmap order) of the ledger's relation ri. */
uint32_t	salvage_wal_block_number(const salvage_wal *w, size_t ri, size_t bi);

/* The LSN of the last row written into block g before the divergence
 * point, from redo on (LSN_INVALID: none). */
lsn_t		salvage_wal_last_write(const salvage_wal *w, uint32_t g);

/* The images of block blkno of loc: *n of them from the returned one. */
const wal_image *salvage_wal_block(const wal_image_list *s, relfile_locator loc, uint32_t blkno,
								  size_t *n);

/*
 * The page as its newest image at or before lsn shows it, into page
 * (blcksz bytes); *found is false (no error) when there is none that can
 * be restored here (none, or compressed with zstd: there is no zstd
 * library here).  *zstd: a newer image than the one restored, or the only
 * ones, were compressed with zstd.  *have is the LSN of the image page
 * holds (LSN_INVALID: none): the same one is not read again.
 */
bool		salvage_wal_image(wal_reader *r, const pg_version_info *ver, const wal_image_list *images,
							  relfile_locator loc, uint32_t blkno, lsn_t lsn, uint8_t *page,
							  uint32_t blcksz, lsn_t *have, bool *found, bool *zstd,
							  rw_error *err);

#endif

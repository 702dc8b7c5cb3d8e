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

#include "error.h"
#include "ledger.h"
#include "lsn.h"
#include "pgver.h"
#include "walreader.h"

/* A row slot touched by a record (offset 0 for a full-page image). */
typedef struct wal_slot {
	relfile_locator loc;
	uint32_t	blkno;
	uint16_t	offset;
	uint32_t	xid;			/* removals: the (sub)transaction */
	lsn_t		lsn;
} wal_slot;

typedef struct wal_slots {
	wal_slot   *v;				/* sorted by locator, block, offset, LSN */
	size_t		n,
				cap;
} wal_slots;

typedef struct salvage_wal {
	wal_slots	images;			/* full-page images from the redo point on */
	wal_slots	written;		/* rows written after the divergence (any xact) */
	wal_slots	removed;		/* rows removed after it by a lost committed xact */
	/* the first xid assigned after the divergence point, on either side: the
	 * checkpoint's nextXid, or past every xid of a record before the point
	 * (what a standby replaying up to there takes as its own nextXid) */
	uint32_t	first_new_xid;
} salvage_wal;

/*
 * Read the records from redo up to end (the divergence point and the
 * committed transactions come from the finished ledger), keeping those of
 * relations with lost row changes; next_xid is the nextXid of the
 * checkpoint whose redo point redo is.
 */
bool		salvage_wal_collect(wal_reader *r, const pg_version_info *ver, lsn_t redo, lsn_t end,
								uint32_t next_xid, const ledger *l, salvage_wal *out,
								rw_error *err);
void		salvage_wal_free(salvage_wal *w);

/* The entries of block blkno of loc: *n of them from the returned one. */
const wal_slot *salvage_wal_block(const wal_slots *s, relfile_locator loc, uint32_t blkno,
								  size_t *n);

/*
 * The page as its newest image at or before lsn shows it, into page
 * (blcksz bytes); *found is false (no error) when there is none that can
 * be restored here (none, or compressed with a method not read here).
 * *have is the LSN of the image page holds (LSN_INVALID: none): the same
 * one is not read again.
 */
bool		salvage_wal_image(wal_reader *r, const pg_version_info *ver, const wal_slots *images,
							  relfile_locator loc, uint32_t blkno, lsn_t lsn, uint8_t *page,
							  uint32_t blcksz, lsn_t *have, bool *found, rw_error *err);

#endif

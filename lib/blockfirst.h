/*
 * The first reference to each block in a stretch of WAL, and whether it
 * restores the whole page (a full-page image applied at replay, or a page
 * re-initialised): replay from there on makes the page what the WAL says,
 * whatever the data file held before.
 */
#ifndef RW_BLOCKFIRST_H
#define RW_BLOCKFIRST_H

#include <stdbool.h>
#include <stdint.h>

#include "blockmap.h"
#include "relfile_locator.h"

typedef struct blockfirst blockfirst;

blockfirst *blockfirst_new(void);
void		blockfirst_free(blockfirst *f);

/* A reference to block blkno of rel's main fork; only a block's first counts. */
void		blockfirst_note(blockfirst *f, relfile_locator rel, uint32_t blkno, bool whole);

/* Add to dst (not finished) the blocks whose first reference restored the whole page (whole) or not. */
void		blockfirst_add_to(const blockfirst *f, blockmap *dst, bool whole);

/* Number of distinct blocks whose first reference restored the whole page (whole) or not. */
uint64_t	blockfirst_count(const blockfirst *f, bool whole);

#endif

/*
 * The block map: which blocks of which relation main forks the target's WAL
 * changed.  Memory grows with the number of distinct changed blocks, not
 * with relation sizes.
 */
#ifndef RW_BLOCKMAP_H
#define RW_BLOCKMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relfile_locator.h"

typedef struct blockmap blockmap;

blockmap   *blockmap_new(void);
void		blockmap_free(blockmap *m);

/* Mark block blkno of rel's main fork as changed (duplicates are fine). */
void		blockmap_add(blockmap *m, relfile_locator rel, uint32_t blkno);

/*
 * Sort and deduplicate.  Must be called once after the last add and before
 * any lookup or iteration.
 */
void		blockmap_finish(blockmap *m);

/* Sorted, distinct changed blocks of rel; NULL with *n = 0 if none. */
const uint32_t *blockmap_blocks(const blockmap *m, relfile_locator rel, size_t *n);

/* Number of relations, and the i-th (any stable order) with its blocks. */
size_t		blockmap_relation_count(const blockmap *m);
relfile_locator blockmap_relation(const blockmap *m, size_t i,
								  const uint32_t **blocks, size_t *n);

/* Total distinct blocks over all relations. */
uint64_t	blockmap_total_blocks(const blockmap *m);

/* Add every block of src to dst (src finished or not; dst not yet finished). */
void		blockmap_add_all(blockmap *dst, const blockmap *src);

/* Distinct blocks of a that b does not hold; both finished. */
uint64_t	blockmap_count_missing(const blockmap *a, const blockmap *b);

#endif

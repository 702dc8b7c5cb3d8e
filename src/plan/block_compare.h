/*
 * The block compare (--method=compare): every file both sides have is
 * compared block by block by SHA-256 digests, the source's computed by the
 * source and the target's locally, each side reading every file once in
 * ranges of COMPARE_RANGE that return one digest per block; only the
 * blocks that differ are copied.  Used when the target's WAL cannot tell
 * what it changed.
 */
#ifndef RW_BLOCK_COMPARE_H
#define RW_BLOCK_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "plan/plan.h"
#include "source/source.h"

/* Each side reads files in ranges this long (128 blocks), hashing each block. */
#define COMPARE_RANGE (1024 * 1024)

/* What the compare read and found. */
typedef struct compare_stats {
	uint64_t	files;			/* files compared */
	uint64_t	bytes;			/* bytes read and hashed on each side */
	uint64_t	blocks;			/* blocks compared */
	uint64_t	blocks_differing;
} compare_stats;

/*
 * Refine a plan built with an empty block map and plan_input.keep_common:
 * each regular file the target has and the source has at the same path
 * (the relation files kept without action, those to extend or truncate,
 * and the whole-file copies of a file of the same size) is compared over
 * the bytes both sides have; it keeps only the blocks that differ (an entry
 * left with nothing to do goes).  A file that vanished from the source is
 * copied whole (which removes it).  Whole-file copies of files whose sizes
 * differ stay as they are.  The totals are recounted.
 */
bool		plan_block_compare(plan *p, source *src, const char *target_pgdata,
							   compare_stats *stats, rw_error *err);

#endif

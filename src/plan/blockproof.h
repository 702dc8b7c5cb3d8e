/*
 * Which blocks changed since the redo point of the last common checkpoint
 * must come from the source, and which WAL replay alone restores: the
 * full-page-write proof, block by block (see blockproof.c).
 */
#ifndef RW_BLOCKPROOF_H
#define RW_BLOCKPROOF_H

#include <stdbool.h>
#include <stdint.h>

#include "blockmap.h"
#include "error.h"
#include "lsn.h"
#include "pgver.h"
#include "walreader.h"

typedef struct block_proof block_proof;

typedef struct block_proof_summary {
	/*
	 * true: blocks changed only before the divergence point are left out of
	 * the block map when their first reference since the redo point rewrites
	 * the whole page; false: every block since the redo point is in it.
	 */
	bool		since_divergence;
	const char *since_redo_reason;	/* why not (static text); NULL when it is */
	uint64_t	replayed_blocks;	/* changed only before the divergence point:
									 * left to WAL replay, not copied */
	uint64_t	partial_first_blocks;	/* changed before it, first change not a
										 * whole page: copied */
} block_proof_summary;

/* diverge: the divergence point; checksums: the target has data checksums. */
block_proof *block_proof_new(lsn_t diverge, bool checksums);
void		block_proof_free(block_proof *p);

/*
 * One record of the target's WAL, in order from the redo point on: its
 * main-fork blocks go into map (a record that ends after the divergence
 * point) or are remembered.  Fails on settings the proof cannot live with
 * (wal_level = minimal; wal_log_hints off without checksums after the
 * divergence point).
 */
bool		block_proof_record(block_proof *p, const pg_version_info *ver,
							   const wal_record *rec, blockmap *map, rw_error *err);

/*
 * After the last record: blocks that need copying into map, which it
 * finishes.  replayed (NULL: not wanted, not finished here) receives the
 * blocks left out of map because replay from the redo point rewrites them:
 * a recovery that starts later must copy them too.
 */
bool		block_proof_finish(block_proof *p, blockmap *map, blockmap *replayed,
							   block_proof_summary *out, rw_error *err);

#endif

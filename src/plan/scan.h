/*
 * What the target's WAL says: where it ends, the last checkpoint both
 * clusters share, and every block changed since then.
 */
#ifndef RW_SCAN_H
#define RW_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "blockmap.h"
#include "plan/blockproof.h"
#include "control.h"
#include "error.h"
#include "ledger.h"
#include "lsn.h"
#include "pgver.h"
#include "walreader.h"

/* End of the target's WAL after its last checkpoint record (clean shutdown). */
bool		scan_checkpoint_end(wal_reader *r, lsn_t checkpoint, lsn_t *end,
								rw_error *err);

/* End of valid WAL from start on (a target that was not shut down cleanly). */
bool		scan_end_of_valid_wal(wal_reader *r, lsn_t start, lsn_t *end,
								  rw_error *err);

/*
 * Walk backwards from the first record at the divergence point to the last
 * checkpoint record that starts before it.
 */
bool		scan_last_common_checkpoint(const pg_version_info *ver, wal_reader *r,
										lsn_t diverge, lsn_t *ckpt_lsn,
										pg_checkpoint *ckpt, rw_error *err);

/*
 * The promoted side: a target whose timeline begins at the divergence point.
 * After a fast promotion its redo pointer stayed at its last restartpoint
 * (older than the last common checkpoint's redo, and lost from its control
 * file at its first checkpoint), so hint bits it set on a page last changed
 * between the two were not WAL-logged.  Hint bits that differ from the
 * source's are about transactions still running at the divergence point
 * (aborted on the target, perhaps committed on the source): they sit on
 * pages those transactions changed.  Adds to map the main-fork blocks of
 * records before redo by transactions running at the last common checkpoint
 * ckpt (ids from its oldestActiveXid to its nextXid), reading segments back
 * from redo's until one holds a checkpoint taken before the oldest of them
 * was assigned.
 */
bool		scan_promoted_side(const pg_version_info *ver, wal_reader *r, lsn_t redo,
							   const pg_checkpoint *ckpt, blockmap *map, rw_error *err);

typedef struct scan_stats {
	uint64_t	records;
	uint64_t	block_refs;
	lsn_t		start;
	lsn_t		end;
	block_proof_summary blocks; /* what the block map holds */
	/*
	 * scan_changed_blocks failed on WAL it could not read or a record it
	 * does not understand (not on a setting it refuses): the WAL from end
	 * on is unusable
	 */
	bool		unreadable;
} scan_stats;

/*
 * Decode every record from start (the redo point of the last common
 * checkpoint) until one ends at or beyond end, marking main-fork block
 * references in map and handing every record to the ledger (NULL: none);
 * replayed: see block_proof_finish.
 * checksums: the target has data checksums.  A record that changes relation
 * files in a way the tool does not know is an error; so are settings logged
 * in the WAL under which changed blocks cannot be found (wal_level =
 * minimal; wal_log_hints off without checksums after the divergence point).
 */
bool		scan_changed_blocks(const pg_version_info *ver, wal_reader *r,
								lsn_t start, lsn_t end, lsn_t diverge,
								bool checksums, blockmap *map, blockmap *replayed,
								ledger *ldg, scan_stats *stats, rw_error *err);

#endif

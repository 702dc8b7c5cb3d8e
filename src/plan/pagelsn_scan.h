/*
 * The page-LSN scan (--method=pagelsn, rung 3 of the ladder): the blocks
 * of the target's relation main forks that may hold changes made after the
 * divergence point, found by reading every such file of the target, not
 * its WAL.  Other forks are copied whole by the plan.  Why this finds every
 * changed block, and when it may be used: doc/correctness.md.
 */
#ifndef RW_PAGELSN_SCAN_H
#define RW_PAGELSN_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "blockmap.h"
#include "error.h"
#include "filelist.h"
#include "lsn.h"

typedef struct pagelsn_stats {
	uint64_t	files;			/* main-fork segment files read */
	uint64_t	blocks;			/* blocks read */
	uint64_t	by_lsn;			/* taken: page LSN at or after the divergence point */
	uint64_t	all_zero;		/* taken: never written with an LSN */
	uint64_t	invalid;		/* taken: header PostgreSQL would not write, or a
								 * partial block at the end of the file */
	uint64_t	bad_checksum;	/* taken: data checksum does not match */
} pagelsn_stats;

/*
 * Read the main-fork files of the target's listing tgt_files (under pgdata;
 * tsdir "PG_<major>_<catversion>") and add to map every block to take from
 * the source: page LSN >= diverge, all-zero, invalid header, or (checksums:
 * the target has data checksums) a checksum that does not match.
 */
bool		pagelsn_scan(const char *pgdata, const char *tsdir, const file_list *tgt_files,
						 lsn_t diverge, bool checksums, blockmap *map, pagelsn_stats *stats,
						 rw_error *err);

#endif

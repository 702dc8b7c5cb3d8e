/*
 * Blocks of a relation's main fork as the target has them now.
 */
#ifndef RW_SALVAGE_RELFILE_H
#define RW_SALVAGE_RELFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "walrec.h"

typedef struct salvage_relfile {
	const char *pgdata;
	const char *tsdir;			/* "PG_<major>_<catversion>" */
	uint32_t	blcksz;
	uint32_t	relseg_size;	/* blocks per segment file */
} salvage_relfile;

/*
 * Read block blkno of loc into buf (blcksz bytes); *present is false when
 * the file ends before it (truncated, or the relation dropped).
 */
bool		salvage_read_block(const salvage_relfile *rf, relfile_locator loc, uint32_t blkno,
							   uint8_t *buf, bool *present, rw_error *err);

#endif

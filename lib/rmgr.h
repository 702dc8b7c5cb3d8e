/*
 * Resource managers: their ids, names and which ids a major version
 * accepts.  Below both the WAL reader (which validates record headers) and
 * the record decoder (which classifies records by resource manager).
 */
#ifndef RW_RMGR_H
#define RW_RMGR_H

#include <stdbool.h>
#include <stdint.h>

#include "pgver.h"

/* resource manager ids (identical 14-18) */
enum {
	RM_XLOG_ID = 0,
	RM_XACT_ID = 1,
	RM_SMGR_ID = 2,
	RM_CLOG_ID = 3,
	RM_DBASE_ID = 4,
	RM_TBLSPC_ID = 5,
	RM_MULTIXACT_ID = 6,
	RM_RELMAP_ID = 7,
	RM_STANDBY_ID = 8,
	RM_HEAP2_ID = 9,
	RM_HEAP_ID = 10,
	RM_BTREE_ID = 11,
	RM_HASH_ID = 12,
	RM_GIN_ID = 13,
	RM_GIST_ID = 14,
	RM_SEQ_ID = 15,
	RM_SPGIST_ID = 16,
	RM_BRIN_ID = 17,
	RM_COMMIT_TS_ID = 18,
	RM_REPLORIGIN_ID = 19,
	RM_GENERIC_ID = 20,
	RM_LOGICALMSG_ID = 21
};

/* "XLOG", "Heap", ...; "custom" for 128..255; NULL for an invalid id. */
const char *rmgr_name(uint8_t rmid);

/* Is rmid a valid resource manager id for this version? */
bool		rmgr_id_valid(const pg_version_info *ver, uint8_t rmid);

#endif

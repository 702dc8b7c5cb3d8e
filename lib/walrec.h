/*
 * What individual WAL records mean: resource manager and opcode
 * classification, and decoding of the payloads a rewind cares about
 * (checkpoints, transaction ends, storage and database changes).
 */
#ifndef RW_WALREC_H
#define RW_WALREC_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"
#include "error.h"
#include "pgver.h"
#include "walreader.h"

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

typedef enum wal_kind {
	WK_OTHER = 0,
	WK_CHECKPOINT_SHUTDOWN,
	WK_CHECKPOINT_ONLINE,
	WK_CHECKPOINT_REDO,			/* 17+ */
	WK_END_OF_RECOVERY,
	WK_SWITCH,
	WK_FPW_CHANGE,
	WK_PARAMETER_CHANGE,
	WK_FPI,
	WK_FPI_FOR_HINT,
	WK_XACT_COMMIT,
	WK_XACT_ABORT,
	WK_XACT_PREPARE,
	WK_XACT_COMMIT_PREPARED,
	WK_XACT_ABORT_PREPARED,
	WK_SMGR_CREATE,
	WK_SMGR_TRUNCATE,
	WK_DBASE_CREATE_COPY,		/* 14 CREATE, 15+ CREATE_FILE_COPY */
	WK_DBASE_CREATE_WAL_LOG,	/* 15+ */
	WK_DBASE_DROP,
	WK_TBLSPC_CREATE,
	WK_TBLSPC_DROP,
	WK_RELMAP_UPDATE,
	WK_HEAP_INSERT,
	WK_HEAP_DELETE,
	WK_HEAP_UPDATE,
	WK_HEAP_HOT_UPDATE,
	WK_HEAP_TRUNCATE,
	WK_HEAP2_MULTI_INSERT,
	WK_SEQ_LOG
} wal_kind;

/* Classify a record for this major version. */
wal_kind	walrec_kind(const pg_version_info *ver, const wal_record *rec);

/* "XLOG", "Heap", ...; "custom" for 128..255; NULL for an invalid id. */
const char *walrec_rmgr_name(uint8_t rmid);

/* Is rmid a valid resource manager id for this version? */
bool		walrec_rmid_valid(const pg_version_info *ver, uint8_t rmid);

/* Checkpoint records: decode the CheckPoint payload. */
bool		walrec_checkpoint(const pg_version_info *ver, const wal_record *rec,
							  pg_checkpoint *out, rw_error *err);

typedef struct relfile_locator {
	uint32_t	spc;
	uint32_t	db;
	uint32_t	rel;
} relfile_locator;

/* COMMIT, ABORT, COMMIT_PREPARED, ABORT_PREPARED payload. */
typedef struct wal_xact_end {
	int64_t		xact_time;		/* microseconds since 2000-01-01 00:00 UTC */
	uint32_t	xinfo;
	uint32_t	db;				/* 0 if no dbinfo */
	uint32_t	ts;
	uint32_t	nsubxacts;
	const uint8_t *subxacts;	/* nsubxacts little-endian uint32, unaligned */
	uint32_t	nrels;			/* relation files dropped when replayed */
	const uint8_t *rels;		/* nrels x 12 bytes {spc, db, rel} */
	uint32_t	twophase_xid;	/* prepared xid for *_PREPARED, else 0 */
	const char *gid;			/* NULL if none */
} wal_xact_end;

bool		walrec_xact_end(const pg_version_info *ver, const wal_record *rec,
							wal_xact_end *out, rw_error *err);
relfile_locator walrec_xact_rel(const wal_xact_end *x, uint32_t i);
uint32_t	walrec_xact_subxact(const wal_xact_end *x, uint32_t i);

/* SMGR CREATE: relation and fork. */
bool		walrec_smgr_create(const wal_record *rec, relfile_locator *rel,
							   int *fork, rw_error *err);

/* SMGR TRUNCATE: relation, new length in blocks, SMGR_TRUNCATE_* flags. */
bool		walrec_smgr_truncate(const wal_record *rec, relfile_locator *rel,
								 uint32_t *nblocks, uint32_t *flags, rw_error *err);

/* DBASE CREATE_*: new database, its tablespace; source db/ts for the copy strategy (else 0). */
bool		walrec_dbase_create(const pg_version_info *ver, const wal_record *rec,
								uint32_t *db, uint32_t *ts, uint32_t *src_db,
								uint32_t *src_ts, rw_error *err);

/* DBASE DROP: database and the list of its tablespaces (ntablespaces x uint32). */
bool		walrec_dbase_drop(const pg_version_info *ver, const wal_record *rec,
							  uint32_t *db, uint32_t *ntablespaces,
							  const uint8_t **tablespaces, rw_error *err);

/* FPW_CHANGE: the new full_page_writes value. */
bool		walrec_fpw_change(const wal_record *rec, bool *fpw, rw_error *err);

/* PARAMETER_CHANGE: the settings a rewind's proofs depend on (wal_level: 0 minimal). */
typedef struct wal_parameters {
	int32_t		wal_level;
	bool		wal_log_hints;
} wal_parameters;

bool		walrec_parameter_change(const wal_record *rec, wal_parameters *out,
									rw_error *err);

/* END_OF_RECOVERY: new and previous timeline. */
bool		walrec_end_of_recovery(const pg_version_info *ver, const wal_record *rec,
								   uint32_t *tli, uint32_t *prev_tli, rw_error *err);

/* Heap MULTI_INSERT: number of tuples. */
bool		walrec_multi_insert_ntuples(const wal_record *rec, uint32_t *ntuples,
										rw_error *err);

#endif

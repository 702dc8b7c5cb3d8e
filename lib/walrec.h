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
#include "relfile_locator.h"
#include "rmgr.h"
#include "walreader.h"

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
	WK_SEQ_LOG,
	WK_MULTIXACT_CREATE
} wal_kind;

/* Classify a record for this major version. */
wal_kind	walrec_kind(const pg_version_info *ver, const wal_record *rec);

/* Checkpoint records: decode the CheckPoint payload. */
bool		walrec_checkpoint(const pg_version_info *ver, const wal_record *rec,
							  pg_checkpoint *out, rw_error *err);

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

/*
 * MULTIXACT CREATE_ID: the multixact and its updater, the member whose
 * status is an update (no-key or full), 0 when every member only locks.
 */
bool		walrec_multixact_create(const wal_record *rec, uint32_t *multi, uint32_t *updater,
									rw_error *err);

/* Heap MULTI_INSERT: number of tuples. */
bool		walrec_multi_insert_ntuples(const wal_record *rec, uint32_t *ntuples,
										rw_error *err);

#endif

/*
 * pg_control (global/pg_control): parsing, and writing a modified copy.
 */
#ifndef RW_CONTROL_H
#define RW_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"
#include "pgver.h"

#define CONTROL_FILE_SIZE 8192
#define CONTROL_STRUCT_SIZE 296

/* DBState values */
enum {
	DBSTATE_STARTUP = 0,
	DBSTATE_SHUTDOWNED = 1,
	DBSTATE_SHUTDOWNED_IN_RECOVERY = 2,
	DBSTATE_SHUTDOWNING = 3,
	DBSTATE_IN_CRASH_RECOVERY = 4,
	DBSTATE_IN_ARCHIVE_RECOVERY = 5,
	DBSTATE_IN_PRODUCTION = 6
};

/* CheckPoint: the checkpoint record payload, also stored in pg_control. */
typedef struct pg_checkpoint {
	lsn_t		redo;
	uint32_t	tli;
	uint32_t	prev_tli;
	bool		full_page_writes;
	int32_t		wal_level;		/* 17+, else -1 */
	uint64_t	next_xid;		/* epoch << 32 | xid */
	uint32_t	next_oid;
	uint32_t	next_multi;
	uint32_t	next_multi_offset;
	uint32_t	oldest_xid;
	uint32_t	oldest_xid_db;
	uint32_t	oldest_multi;
	uint32_t	oldest_multi_db;
	int64_t		time;			/* seconds since the Unix epoch */
	uint32_t	oldest_commit_ts_xid;
	uint32_t	newest_commit_ts_xid;
	uint32_t	oldest_active_xid;
} pg_checkpoint;

#define CHECKPOINT_STRUCT_SIZE 88

typedef struct pg_control {
	const pg_version_info *ver;
	uint8_t		raw[CONTROL_FILE_SIZE];	/* the file as read; written back patched */

	uint64_t	system_identifier;
	uint32_t	control_version;
	uint32_t	catversion;
	int32_t		state;
	int64_t		time;
	lsn_t		checkpoint;		/* LSN of the last checkpoint record */
	pg_checkpoint ckpt;			/* checkPointCopy */
	lsn_t		unlogged_lsn;
	lsn_t		min_recovery_point;
	uint32_t	min_recovery_tli;
	lsn_t		backup_start_point;
	lsn_t		backup_end_point;
	bool		backup_end_required;
	int32_t		wal_level;
	bool		wal_log_hints;
	int32_t		max_connections;
	int32_t		max_worker_processes;
	int32_t		max_wal_senders;
	int32_t		max_prepared_xacts;
	int32_t		max_locks_per_xact;
	bool		track_commit_timestamp;
	uint32_t	max_align;
	uint32_t	blcksz;
	uint32_t	relseg_size;
	uint32_t	xlog_blcksz;
	uint32_t	xlog_seg_size;
	uint32_t	data_checksum_version;
} pg_control;

/*
 * Decode a control file of the given major version: check its size, CRC,
 * PG_CONTROL_VERSION against the version table, and that the sizes it
 * records are ones this program handles (8 kB blocks and WAL pages, valid
 * segment size).  'what' names the file in messages ("target pg_control").
 */
bool		control_parse(const uint8_t *buf, size_t len, int major,
						  const char *what, pg_control *out, rw_error *err);

/* Decode a CheckPoint struct (88 bytes) as stored in WAL or pg_control. */
bool		checkpoint_parse(const uint8_t *buf, size_t len,
							 const pg_version_info *ver, pg_checkpoint *out,
							 rw_error *err);

/*
 * Produce the bytes of a control file: c->raw with the fields state,
 * min_recovery_point and min_recovery_tli (the ones a rewind changes)
 * written back and the CRC recomputed.
 */
void		control_serialize(const pg_control *c, uint8_t out[CONTROL_FILE_SIZE]);

/* Human name of a DBState ("shut down", "in production", ...). */
const char *control_state_name(int32_t state);

/* The cluster's current timeline: max(checkPointCopy.tli, minRecoveryPointTLI). */
uint32_t	control_timeline(const pg_control *c);

#endif

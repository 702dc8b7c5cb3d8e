/*
 * pg_control: parsed from its bytes at each major's offsets (pgver.h),
 * checked (CRC-32C, the sizes it records), and serialised back with changed
 * fields.
 * Pure: buffers only; the callers read and write the file.
 */

#include "bytes.h"
#include "control.h"

#include <string.h>

#include "crc32c.h"

/*
 * Byte offsets in pg_control shared by every supported major (the layout of
 * ControlFileData, PostgreSQL's catalog/pg_control.h); those that move
 * between majors are fields of the version table (pgver.c).
 */
#define OFF_SYSID			0
#define OFF_CONTROL_VERSION	8
#define OFF_CATVERSION		12
#define OFF_STATE			16
#define OFF_TIME			24
#define OFF_CHECKPOINT		32
#define OFF_CHECKPOINT_COPY	40
#define OFF_UNLOGGED_LSN	128
#define OFF_MIN_RECOVERY	136
#define OFF_MIN_RECOVERY_TLI 144
#define OFF_BACKUP_START	152
#define OFF_BACKUP_END		160
#define OFF_BACKUP_END_REQ	168
#define OFF_WAL_LEVEL		172
#define OFF_WAL_LOG_HINTS	176
#define OFF_MAX_CONNECTIONS	180
#define OFF_MAX_WORKERS		184
#define OFF_MAX_WAL_SENDERS	188
#define OFF_MAX_PREPARED	192
#define OFF_MAX_LOCKS		196
#define OFF_TRACK_COMMIT_TS	200
#define OFF_MAXALIGN		204
#define OFF_BLCKSZ			216
#define OFF_RELSEG_SIZE		220
#define OFF_XLOG_BLCKSZ		224
#define OFF_XLOG_SEG_SIZE	228
#define OFF_CHECKSUM_VERSION 252

/* Byte offsets in CheckPoint (struct CheckPoint, same header). */
#define CP_REDO				0
#define CP_TLI				8
#define CP_PREV_TLI			12
#define CP_FPW				16
#define CP_WAL_LEVEL		20
#define CP_NEXT_XID			24
#define CP_NEXT_OID			32
#define CP_NEXT_MULTI		36
#define CP_NEXT_MULTI_OFF	40
#define CP_OLDEST_XID		44
#define CP_OLDEST_XID_DB	48
#define CP_OLDEST_MULTI		52
#define CP_OLDEST_MULTI_DB	56
#define CP_TIME				64
#define CP_OLDEST_CTS_XID	72
#define CP_NEWEST_CTS_XID	76
#define CP_OLDEST_ACTIVE	80

/* The only sizes this program handles. */
#define EXPECTED_RELSEG		131072
#define EXPECTED_MAXALIGN	8





bool
checkpoint_parse(const uint8_t *buf, size_t len, const pg_version_info *ver,
				 pg_checkpoint *out, rw_error *err)
{
	if (len != CHECKPOINT_STRUCT_SIZE)
		return rw_fail(err, RW_ECORRUPT,
					   "checkpoint data is %zu bytes, expected %d",
					   len, CHECKPOINT_STRUCT_SIZE);

	out->redo = get64(buf + CP_REDO);
	out->tli = get32(buf + CP_TLI);
	out->prev_tli = get32(buf + CP_PREV_TLI);
	out->full_page_writes = buf[CP_FPW] != 0;
	out->wal_level = ver->checkpoint_has_wal_level ?
		(int32_t) get32(buf + CP_WAL_LEVEL) : -1;
	out->next_xid = get64(buf + CP_NEXT_XID);
	out->next_oid = get32(buf + CP_NEXT_OID);
	out->next_multi = get32(buf + CP_NEXT_MULTI);
	out->next_multi_offset = get32(buf + CP_NEXT_MULTI_OFF);
	out->oldest_xid = get32(buf + CP_OLDEST_XID);
	out->oldest_xid_db = get32(buf + CP_OLDEST_XID_DB);
	out->oldest_multi = get32(buf + CP_OLDEST_MULTI);
	out->oldest_multi_db = get32(buf + CP_OLDEST_MULTI_DB);
	out->time = (int64_t) get64(buf + CP_TIME);
	out->oldest_commit_ts_xid = get32(buf + CP_OLDEST_CTS_XID);
	out->newest_commit_ts_xid = get32(buf + CP_NEWEST_CTS_XID);
	out->oldest_active_xid = get32(buf + CP_OLDEST_ACTIVE);
	return true;
}

/*
 * PG_CONTROL_VERSION sits at the same offset in every layout, so it is
 * checked before the CRC: a file of another major would otherwise be
 * reported as damaged when only its CRC offset differs.
 */
static bool
check_version(const uint8_t *buf, const pg_version_info *ver,
			  const char *what, rw_error *err)
{
	uint32_t	found = get32(buf + OFF_CONTROL_VERSION);

	if (found == ver->control_version)
		return true;
	rw_fail(err, RW_EUNSUPPORTED,
			"%s: the control file does not match major %d "
			"(pg_control version %u, expected %u)",
			what, ver->major, found, ver->control_version);
	rw_hint(err, "Check that PG_VERSION and global/pg_control belong to the "
			"same cluster, and that the file is not damaged.");
	return false;
}

static bool
check_crc(const uint8_t *buf, const pg_version_info *ver, const char *what,
		  rw_error *err)
{
	uint32_t	stored = get32(buf + ver->control_crc_offset);
	uint32_t	computed = crc32c(buf, ver->control_crc_offset);

	if (stored == computed)
		return true;
	rw_fail(err, RW_ECORRUPT,
			"%s: CRC mismatch (stored 0x%08X, computed 0x%08X); the file is damaged",
			what, stored, computed);
	return false;
}

/* The sizes recorded at initdb/compile time must be ones we handle. */
static bool
check_sizes(const pg_control *c, const char *what, rw_error *err)
{
	if (c->blcksz != BLCKSZ)
		return rw_fail(err, RW_EUNSUPPORTED,
					   "%s: block size %u is not supported (only %d)",
					   what, c->blcksz, BLCKSZ);
	if (c->xlog_blcksz != BLCKSZ)
		return rw_fail(err, RW_EUNSUPPORTED,
					   "%s: WAL block size %u is not supported (only %d)",
					   what, c->xlog_blcksz, BLCKSZ);
	if (c->relseg_size != EXPECTED_RELSEG)
		return rw_fail(err, RW_EUNSUPPORTED,
					   "%s: %u blocks per relation segment is not supported (only %d)",
					   what, c->relseg_size, EXPECTED_RELSEG);
	if (!wal_segsize_valid(c->xlog_seg_size))
		return rw_fail(err, RW_ECORRUPT,
					   "%s: invalid WAL segment size %u (must be a power of two "
					   "from 1 MiB to 1 GiB)", what, c->xlog_seg_size);
	if (c->max_align != EXPECTED_MAXALIGN)
		return rw_fail(err, RW_EUNSUPPORTED,
					   "%s: maximum data alignment %u is not supported (only %d)",
					   what, c->max_align, EXPECTED_MAXALIGN);
	return true;
}

static void
decode_fields(const uint8_t *b, pg_control *c)
{
	c->system_identifier = get64(b + OFF_SYSID);
	c->control_version = get32(b + OFF_CONTROL_VERSION);
	c->catversion = get32(b + OFF_CATVERSION);
	c->state = (int32_t) get32(b + OFF_STATE);
	c->time = (int64_t) get64(b + OFF_TIME);
	c->checkpoint = get64(b + OFF_CHECKPOINT);
	c->unlogged_lsn = get64(b + OFF_UNLOGGED_LSN);
	c->min_recovery_point = get64(b + OFF_MIN_RECOVERY);
	c->min_recovery_tli = get32(b + OFF_MIN_RECOVERY_TLI);
	c->backup_start_point = get64(b + OFF_BACKUP_START);
	c->backup_end_point = get64(b + OFF_BACKUP_END);
	c->backup_end_required = b[OFF_BACKUP_END_REQ] != 0;
	c->wal_level = (int32_t) get32(b + OFF_WAL_LEVEL);
	c->wal_log_hints = b[OFF_WAL_LOG_HINTS] != 0;
	c->max_connections = (int32_t) get32(b + OFF_MAX_CONNECTIONS);
	c->max_worker_processes = (int32_t) get32(b + OFF_MAX_WORKERS);
	c->max_wal_senders = (int32_t) get32(b + OFF_MAX_WAL_SENDERS);
	c->max_prepared_xacts = (int32_t) get32(b + OFF_MAX_PREPARED);
	c->max_locks_per_xact = (int32_t) get32(b + OFF_MAX_LOCKS);
	c->track_commit_timestamp = b[OFF_TRACK_COMMIT_TS] != 0;
	c->max_align = get32(b + OFF_MAXALIGN);
	c->blcksz = get32(b + OFF_BLCKSZ);
	c->relseg_size = get32(b + OFF_RELSEG_SIZE);
	c->xlog_blcksz = get32(b + OFF_XLOG_BLCKSZ);
	c->xlog_seg_size = get32(b + OFF_XLOG_SEG_SIZE);
	c->data_checksum_version = get32(b + OFF_CHECKSUM_VERSION);
}

bool
control_parse(const uint8_t *buf, size_t len, int major, const char *what,
			  pg_control *out, rw_error *err)
{
	const pg_version_info *ver = pgver_lookup(major);

	if (ver == NULL)
	{
		char		list[PGVER_LIST_LEN];

		pgver_supported_list(list, sizeof(list));
		return rw_fail(err, RW_EUNSUPPORTED,
					   "%s: PostgreSQL %d is not supported (supported: %s)",
					   what, major, list);
	}
	if (len != CONTROL_FILE_SIZE)
		return rw_fail(err, RW_ECORRUPT,
					   "%s: file is %zu bytes, expected %d; the file is damaged",
					   what, len, CONTROL_FILE_SIZE);
	if (!check_version(buf, ver, what, err) || !check_crc(buf, ver, what, err))
		return false;

	memset(out, 0, sizeof(*out));
	out->ver = ver;
	memcpy(out->raw, buf, CONTROL_FILE_SIZE);
	decode_fields(buf, out);
	if (!checkpoint_parse(buf + OFF_CHECKPOINT_COPY, CHECKPOINT_STRUCT_SIZE,
						  ver, &out->ckpt, err))
		return false;
	return check_sizes(out, what, err);
}

void
control_serialize(const pg_control *c, uint8_t out[CONTROL_FILE_SIZE])
{
	uint32_t	crc;

	memcpy(out, c->raw, CONTROL_FILE_SIZE);
	memcpy(out + OFF_STATE, &c->state, sizeof(c->state));
	memcpy(out + OFF_MIN_RECOVERY, &c->min_recovery_point,
		   sizeof(c->min_recovery_point));
	memcpy(out + OFF_MIN_RECOVERY_TLI, &c->min_recovery_tli,
		   sizeof(c->min_recovery_tli));
	crc = crc32c(out, c->ver->control_crc_offset);
	memcpy(out + c->ver->control_crc_offset, &crc, sizeof(crc));
}

const char *
control_state_name(int32_t state)
{
	static const char *const names[] = {
		[DBSTATE_STARTUP] = "starting up",
		[DBSTATE_SHUTDOWNED] = "shut down",
		[DBSTATE_SHUTDOWNED_IN_RECOVERY] = "shut down in recovery",
		[DBSTATE_SHUTDOWNING] = "shutting down",
		[DBSTATE_IN_CRASH_RECOVERY] = "in crash recovery",
		[DBSTATE_IN_ARCHIVE_RECOVERY] = "in archive recovery",
		[DBSTATE_IN_PRODUCTION] = "in production",
	};

	if (state < 0 || (size_t) state >= sizeof(names) / sizeof(names[0]))
		return "unrecognized status code";
	return names[state];
}

uint32_t
control_timeline(const pg_control *c)
{
	return c->min_recovery_tli > c->ckpt.tli ? c->min_recovery_tli : c->ckpt.tli;
}

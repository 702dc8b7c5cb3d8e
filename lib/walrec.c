/*
 * What a decoded WAL record means (walrec.h): its kind for each major, and
 * the payloads a rewind needs (checkpoints, transaction ends, storage,
 * database and parameter changes).  Pure: no I/O.
 */

#include "bytes.h"
#include "walrec.h"

#include <string.h>

/* RM_XLOG opcodes present in every supported version */
#define XLOG_CHECKPOINT_SHUTDOWN 0x00
#define XLOG_CHECKPOINT_ONLINE 0x10
#define XLOG_SWITCH 0x40
#define XLOG_PARAMETER_CHANGE 0x60
#define XLOG_FPW_CHANGE 0x80
#define XLOG_END_OF_RECOVERY 0x90
#define XLOG_FPI_FOR_HINT 0xA0
#define XLOG_FPI 0xB0

/* RM_XACT: opcode mask and the "xinfo follows" bit */
#define XLOG_XACT_OPMASK 0x70
#define XLOG_XACT_HAS_INFO 0x80
#define XLOG_XACT_COMMIT 0x00
#define XLOG_XACT_PREPARE 0x10
#define XLOG_XACT_ABORT 0x20
#define XLOG_XACT_COMMIT_PREPARED 0x30
#define XLOG_XACT_ABORT_PREPARED 0x40

/* xinfo bits of commit and abort records */
#define XACT_XINFO_HAS_DBINFO 0x001
#define XACT_XINFO_HAS_SUBXACTS 0x002
#define XACT_XINFO_HAS_RELFILELOCATORS 0x004
#define XACT_XINFO_HAS_INVALS 0x008
#define XACT_XINFO_HAS_TWOPHASE 0x010
#define XACT_XINFO_HAS_ORIGIN 0x020
#define XACT_XINFO_HAS_GID 0x080
#define XACT_XINFO_HAS_DROPPED_STATS 0x100

#define XLOG_SMGR_CREATE 0x10
#define XLOG_SMGR_TRUNCATE 0x20
#define XLOG_TBLSPC_CREATE 0x00
#define XLOG_TBLSPC_DROP 0x10
#define XLOG_RELMAP_UPDATE 0x00
#define XLOG_SEQ_LOG 0x00

/* RM_HEAP and RM_HEAP2: opcode mask and the init-page bit */
#define XLOG_HEAP_OPMASK 0x70
#define XLOG_HEAP_INIT_PAGE 0x80
#define XLOG_HEAP_INSERT 0x00
#define XLOG_HEAP_DELETE 0x10
#define XLOG_HEAP_UPDATE 0x20
#define XLOG_HEAP_TRUNCATE 0x30
#define XLOG_HEAP_HOT_UPDATE 0x40
#define XLOG_HEAP2_MULTI_INSERT 0x50

/* multixact: CREATE_ID's main data is the multixact, its first member's
 * offset and the member count, then {xid, status} per member; a status
 * above FOR UPDATE is an update */
#define XLOG_MULTIXACT_CREATE_ID 0x20
#define MULTIXACT_CREATE_HEADER 12
#define MULTIXACT_MEMBER_SIZE 8
#define MULTIXACT_STATUS_FOR_UPDATE 3

#define RELFILE_LOCATOR_SIZE 12
#define INVAL_MESSAGE_SIZE 16
#define MAX_FORK FORK_INIT

static uint8_t
rmgr_op(const wal_record *rec)
{
	return rec->info & XLR_RMGR_INFO_MASK;
}

static wal_kind
xlog_kind(const pg_version_info *ver, uint8_t op)
{
	switch (op)
	{
		case XLOG_CHECKPOINT_SHUTDOWN:
			return WK_CHECKPOINT_SHUTDOWN;
		case XLOG_CHECKPOINT_ONLINE:
			return WK_CHECKPOINT_ONLINE;
		case XLOG_SWITCH:
			return WK_SWITCH;
		case XLOG_PARAMETER_CHANGE:
			return WK_PARAMETER_CHANGE;
		case XLOG_FPW_CHANGE:
			return WK_FPW_CHANGE;
		case XLOG_END_OF_RECOVERY:
			return WK_END_OF_RECOVERY;
		case XLOG_FPI_FOR_HINT:
			return WK_FPI_FOR_HINT;
		case XLOG_FPI:
			return WK_FPI;
	}
	if (ver->xlog_checkpoint_redo != PGVER_NO_OPCODE &&
		op == ver->xlog_checkpoint_redo)
		return WK_CHECKPOINT_REDO;
	return WK_OTHER;
}

static wal_kind
xact_kind(uint8_t info)
{
	switch (info & XLOG_XACT_OPMASK)
	{
		case XLOG_XACT_COMMIT:
			return WK_XACT_COMMIT;
		case XLOG_XACT_PREPARE:
			return WK_XACT_PREPARE;
		case XLOG_XACT_ABORT:
			return WK_XACT_ABORT;
		case XLOG_XACT_COMMIT_PREPARED:
			return WK_XACT_COMMIT_PREPARED;
		case XLOG_XACT_ABORT_PREPARED:
			return WK_XACT_ABORT_PREPARED;
	}
	return WK_OTHER;
}

/* Database opcodes differ between 14 and 15+: ask the version table. */
static wal_kind
dbase_kind(const pg_version_info *ver, uint8_t op)
{
	if (op == ver->dbase_create_copy)
		return WK_DBASE_CREATE_COPY;
	if (ver->dbase_create_wal_log != PGVER_NO_OPCODE &&
		op == ver->dbase_create_wal_log)
		return WK_DBASE_CREATE_WAL_LOG;
	if (op == ver->dbase_drop)
		return WK_DBASE_DROP;
	return WK_OTHER;
}

static wal_kind
heap_kind(uint8_t info)
{
	switch (info & XLOG_HEAP_OPMASK)
	{
		case XLOG_HEAP_INSERT:
			return WK_HEAP_INSERT;
		case XLOG_HEAP_DELETE:
			return WK_HEAP_DELETE;
		case XLOG_HEAP_UPDATE:
			return WK_HEAP_UPDATE;
		case XLOG_HEAP_TRUNCATE:
			return WK_HEAP_TRUNCATE;
		case XLOG_HEAP_HOT_UPDATE:
			return WK_HEAP_HOT_UPDATE;
	}
	return WK_OTHER;
}

wal_kind
walrec_kind(const pg_version_info *ver, const wal_record *rec)
{
	uint8_t		op = rmgr_op(rec);

	switch (rec->rmid)
	{
		case RM_XLOG_ID:
			return xlog_kind(ver, op);
		case RM_XACT_ID:
			return xact_kind(rec->info);
		case RM_SMGR_ID:
			return op == XLOG_SMGR_CREATE ? WK_SMGR_CREATE :
				op == XLOG_SMGR_TRUNCATE ? WK_SMGR_TRUNCATE : WK_OTHER;
		case RM_DBASE_ID:
			return dbase_kind(ver, op);
		case RM_TBLSPC_ID:
			return op == XLOG_TBLSPC_CREATE ? WK_TBLSPC_CREATE :
				op == XLOG_TBLSPC_DROP ? WK_TBLSPC_DROP : WK_OTHER;
		case RM_RELMAP_ID:
			return op == XLOG_RELMAP_UPDATE ? WK_RELMAP_UPDATE : WK_OTHER;
		case RM_HEAP_ID:
			return heap_kind(rec->info);
		case RM_HEAP2_ID:
			return (rec->info & XLOG_HEAP_OPMASK) == XLOG_HEAP2_MULTI_INSERT ?
				WK_HEAP2_MULTI_INSERT : WK_OTHER;
		case RM_SEQ_ID:
			return op == XLOG_SEQ_LOG ? WK_SEQ_LOG : WK_OTHER;
		case RM_MULTIXACT_ID:
			return op == XLOG_MULTIXACT_CREATE_ID ? WK_MULTIXACT_CREATE : WK_OTHER;
	}
	return WK_OTHER;
}

/* The record must be of this kind; say which record it is otherwise. */
static bool
want_kind(const pg_version_info *ver, const wal_record *rec, wal_kind a,
		  wal_kind b, const char *what, rw_error *err)
{
	wal_kind	k = walrec_kind(ver, rec);

	if (k == a || k == b)
		return true;
	return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " (%s, info %02X) is not a %s record",
				   LSN_ARGS(rec->lsn), rmgr_name(rec->rmid) ?
				   rmgr_name(rec->rmid) : "?", rec->info, what);
}

static bool
want_size(const wal_record *rec, uint32_t size, const char *what, rw_error *err)
{
	if (rec->main_len == size)
		return true;
	return rw_fail(err, RW_ECORRUPT, "%s record at " LSN_FMT " has %u bytes of main data, expected %u",
				   what, LSN_ARGS(rec->lsn), rec->main_len, size);
}

bool
walrec_checkpoint(const pg_version_info *ver, const wal_record *rec,
				  pg_checkpoint *out, rw_error *err)
{
	if (!want_kind(ver, rec, WK_CHECKPOINT_SHUTDOWN, WK_CHECKPOINT_ONLINE,
				   "checkpoint", err) ||
		!want_size(rec, CHECKPOINT_STRUCT_SIZE, "checkpoint", err))
		return false;
	if (!checkpoint_parse(rec->main_data, rec->main_len, ver, out, err))
	{
		rw_context(err, "checkpoint record at " LSN_FMT, LSN_ARGS(rec->lsn));
		return false;
	}
	return true;
}

/* Bounds-checked walk over a commit or abort record's main data. */
typedef struct xact_cursor {
	const uint8_t *p;
	uint32_t	len;
	uint32_t	off;
	lsn_t		lsn;
	rw_error   *err;
} xact_cursor;

static bool
xact_short(const xact_cursor *c, const char *part)
{
	return rw_fail(c->err, RW_ECORRUPT, "transaction record at " LSN_FMT " is too short for its %s (%u bytes of main data)",
				   LSN_ARGS(c->lsn), part, c->len);
}

static bool
xact_take(xact_cursor *c, void *out, uint32_t n, const char *part)
{
	if (c->len - c->off < n)
		return xact_short(c, part);
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return true;
}

/* An int32 count followed by count items of size bytes; *items points at them. */
static bool
xact_array(xact_cursor *c, size_t size, const char *part, uint32_t *count,
		   const uint8_t **items)
{
	int32_t		n = 0;

	if (!xact_take(c, &n, 4, part))
		return false;
	if (n < 0 || (uint64_t) n * size > c->len - c->off)
		return rw_fail(c->err, RW_ECORRUPT, "transaction record at " LSN_FMT " has an invalid %s count %d",
					   LSN_ARGS(c->lsn), part, n);
	*count = (uint32_t) n;
	*items = c->p + c->off;
	c->off += (uint32_t) ((uint64_t) n * size);
	return true;
}

/* Two-phase xid, GID and origin: the parts after the invalidations. */
static bool
xact_tail(xact_cursor *c, wal_xact_end *out, bool prepared)
{
	uint8_t		origin[16];

	if (out->xinfo & XACT_XINFO_HAS_TWOPHASE)
	{
		if (!xact_take(c, &out->twophase_xid, 4, "two-phase xid"))
			return false;
		if (out->xinfo & XACT_XINFO_HAS_GID)
		{
			const char *gid = (const char *) c->p + c->off;
			size_t		glen = strnlen(gid, c->len - c->off);

			if (glen == c->len - c->off)
				return xact_short(c, "GID");
			out->gid = gid;
			c->off += (uint32_t) glen + 1;
		}
	}
	else if (prepared)
		return rw_fail(c->err, RW_ECORRUPT, "transaction record at " LSN_FMT " of a prepared transaction has no two-phase xid",
					   LSN_ARGS(c->lsn));
	if ((out->xinfo & XACT_XINFO_HAS_ORIGIN) &&
		!xact_take(c, origin, sizeof(origin), "origin"))
		return false;
	if (c->off != c->len)
		return rw_fail(c->err, RW_ECORRUPT, "transaction record at " LSN_FMT " has %u bytes of main data, parts use %u",
					   LSN_ARGS(c->lsn), c->len, c->off);
	return true;
}

bool
walrec_xact_end(const pg_version_info *ver, const wal_record *rec,
				wal_xact_end *out, rw_error *err)
{
	wal_kind	k = walrec_kind(ver, rec);
	bool		commit = (k == WK_XACT_COMMIT || k == WK_XACT_COMMIT_PREPARED);
	xact_cursor c = {rec->main_data, rec->main_len, 0, rec->lsn, err};
	uint32_t	ninvals, nstats;
	const uint8_t *skip;

	memset(out, 0, sizeof(*out));
	if (!commit && !want_kind(ver, rec, WK_XACT_ABORT, WK_XACT_ABORT_PREPARED,
							  "commit or abort", err))
		return false;
	if (!xact_take(&c, &out->xact_time, 8, "timestamp"))
		return false;
	if ((rec->info & XLOG_XACT_HAS_INFO) &&
		!xact_take(&c, &out->xinfo, 4, "xinfo"))
		return false;
	if ((out->xinfo & XACT_XINFO_HAS_DBINFO) &&
		(!xact_take(&c, &out->db, 4, "dbinfo") ||
		 !xact_take(&c, &out->ts, 4, "dbinfo")))
		return false;
	if ((out->xinfo & XACT_XINFO_HAS_SUBXACTS) &&
		!xact_array(&c, 4, "subtransaction", &out->nsubxacts, &out->subxacts))
		return false;
	if ((out->xinfo & XACT_XINFO_HAS_RELFILELOCATORS) &&
		!xact_array(&c, RELFILE_LOCATOR_SIZE, "relation", &out->nrels, &out->rels))
		return false;
	if (out->xinfo & XACT_XINFO_HAS_DROPPED_STATS)
	{
		if (ver->dropped_stats_item_size == 0)
			return rw_fail(err, RW_ECORRUPT, "transaction record at " LSN_FMT " has dropped stats, which PostgreSQL %d does not write",
						   LSN_ARGS(rec->lsn), ver->major);
		if (!xact_array(&c, ver->dropped_stats_item_size, "dropped stats",
						&nstats, &skip))
			return false;
	}
	/* abort records never carry invalidations; the bit is not looked at */
	if (commit && (out->xinfo & XACT_XINFO_HAS_INVALS) &&
		!xact_array(&c, INVAL_MESSAGE_SIZE, "invalidation", &ninvals, &skip))
		return false;
	return xact_tail(&c, out, k == WK_XACT_COMMIT_PREPARED ||
					 k == WK_XACT_ABORT_PREPARED);
}

relfile_locator
walrec_xact_rel(const wal_xact_end *x, uint32_t i)
{
	relfile_locator l = {0, 0, 0};

	if (i < x->nrels)
	{
		const uint8_t *p = x->rels + (size_t) i * RELFILE_LOCATOR_SIZE;

		l.spc = get32(p);
		l.db = get32(p + 4);
		l.rel = get32(p + 8);
	}
	return l;
}

uint32_t
walrec_xact_subxact(const wal_xact_end *x, uint32_t i)
{
	return i < x->nsubxacts ? get32(x->subxacts + (size_t) i * 4) : 0;
}

static relfile_locator
get_locator(const uint8_t *p)
{
	relfile_locator l = {get32(p), get32(p + 4), get32(p + 8)};

	return l;
}

bool
walrec_smgr_create(const wal_record *rec, relfile_locator *rel, int *fork,
				   rw_error *err)
{
	uint32_t	f;

	if (rec->rmid != RM_SMGR_ID || rmgr_op(rec) != XLOG_SMGR_CREATE)
		return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " is not a storage create record",
					   LSN_ARGS(rec->lsn));
	if (!want_size(rec, RELFILE_LOCATOR_SIZE + 4, "storage create", err))
		return false;
	f = get32(rec->main_data + RELFILE_LOCATOR_SIZE);
	if (f > MAX_FORK)
		return rw_fail(err, RW_ECORRUPT, "storage create record at " LSN_FMT " has invalid fork number %u",
					   LSN_ARGS(rec->lsn), f);
	*rel = get_locator(rec->main_data);
	*fork = (int) f;
	return true;
}

bool
walrec_smgr_truncate(const wal_record *rec, relfile_locator *rel,
					 uint32_t *nblocks, uint32_t *flags, rw_error *err)
{
	if (rec->rmid != RM_SMGR_ID || rmgr_op(rec) != XLOG_SMGR_TRUNCATE)
		return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " is not a storage truncate record",
					   LSN_ARGS(rec->lsn));
	if (!want_size(rec, 4 + RELFILE_LOCATOR_SIZE + 4, "storage truncate", err))
		return false;
	*nblocks = get32(rec->main_data);
	*rel = get_locator(rec->main_data + 4);
	*flags = get32(rec->main_data + 4 + RELFILE_LOCATOR_SIZE);
	return true;
}

bool
walrec_dbase_create(const pg_version_info *ver, const wal_record *rec,
					uint32_t *db, uint32_t *ts, uint32_t *src_db,
					uint32_t *src_ts, rw_error *err)
{
	bool		copy = walrec_kind(ver, rec) == WK_DBASE_CREATE_COPY;

	if (!want_kind(ver, rec, WK_DBASE_CREATE_COPY, WK_DBASE_CREATE_WAL_LOG,
				   "database create", err) ||
		!want_size(rec, copy ? 16 : 8, "database create", err))
		return false;
	*db = get32(rec->main_data);
	*ts = get32(rec->main_data + 4);
	*src_db = copy ? get32(rec->main_data + 8) : 0;
	*src_ts = copy ? get32(rec->main_data + 12) : 0;
	return true;
}

bool
walrec_dbase_drop(const pg_version_info *ver, const wal_record *rec,
				  uint32_t *db, uint32_t *ntablespaces,
				  const uint8_t **tablespaces, rw_error *err)
{
	int32_t		n;

	if (!want_kind(ver, rec, WK_DBASE_DROP, WK_DBASE_DROP, "database drop", err))
		return false;
	if (rec->main_len < 8)
		return want_size(rec, 8, "database drop", err);
	memcpy(&n, rec->main_data + 4, 4);
	if (n < 0 || (uint64_t) rec->main_len != 8 + 4 * (uint64_t) n)
		return rw_fail(err, RW_ECORRUPT, "database drop record at " LSN_FMT " lists %d tablespaces in %u bytes",
					   LSN_ARGS(rec->lsn), n, rec->main_len);
	*db = get32(rec->main_data);
	*ntablespaces = (uint32_t) n;
	*tablespaces = rec->main_data + 8;
	return true;
}

bool
walrec_fpw_change(const wal_record *rec, bool *fpw, rw_error *err)
{
	if (rec->rmid != RM_XLOG_ID || rmgr_op(rec) != XLOG_FPW_CHANGE)
		return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " is not a full_page_writes change record",
					   LSN_ARGS(rec->lsn));
	if (!want_size(rec, 1, "full_page_writes change", err))
		return false;
	*fpw = rec->main_data[0] != 0;
	return true;
}

bool
walrec_parameter_change(const wal_record *rec, wal_parameters *out, rw_error *err)
{
	int32_t		level;

	if (rec->rmid != RM_XLOG_ID || rmgr_op(rec) != XLOG_PARAMETER_CHANGE)
		return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " is not a parameter change record",
					   LSN_ARGS(rec->lsn));
	/* six int32 settings, wal_level the last; then wal_log_hints, track_commit_timestamp */
	if (!want_size(rec, 28, "parameter change", err))
		return false;
	memcpy(&level, rec->main_data + 20, 4);
	out->wal_level = level;
	out->wal_log_hints = rec->main_data[24] != 0;
	return true;
}

bool
walrec_end_of_recovery(const pg_version_info *ver, const wal_record *rec,
					   uint32_t *tli, uint32_t *prev_tli, rw_error *err)
{
	/* 17+ appends wal_level, as it does to CheckPoint */
	uint32_t	size = ver->checkpoint_has_wal_level ? 24 : 16;

	if (!want_kind(ver, rec, WK_END_OF_RECOVERY, WK_END_OF_RECOVERY,
				   "end-of-recovery", err) ||
		!want_size(rec, size, "end-of-recovery", err))
		return false;
	*tli = get32(rec->main_data + 8);
	*prev_tli = get32(rec->main_data + 12);
	return true;
}

bool
walrec_multixact_create(const wal_record *rec, uint32_t *multi, uint32_t *updater,
						rw_error *err)
{
	uint32_t	n;

	if (rec->rmid != RM_MULTIXACT_ID || rmgr_op(rec) != XLOG_MULTIXACT_CREATE_ID)
		return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " is not a multixact creation",
					   LSN_ARGS(rec->lsn));
	if (rec->main_len < MULTIXACT_CREATE_HEADER)
		return want_size(rec, MULTIXACT_CREATE_HEADER, "multixact creation", err);
	n = get32(rec->main_data + 8);
	if (n > (rec->main_len - MULTIXACT_CREATE_HEADER) / MULTIXACT_MEMBER_SIZE)
		return rw_fail(err, RW_ECORRUPT, "multixact creation record at " LSN_FMT
					   " has %u members in %u bytes", LSN_ARGS(rec->lsn), n, rec->main_len);
	if (!want_size(rec, MULTIXACT_CREATE_HEADER + n * MULTIXACT_MEMBER_SIZE,
				   "multixact creation", err))
		return false;
	*multi = get32(rec->main_data);
	*updater = 0;
	for (uint32_t i = 0; i < n; i++)
	{
		const uint8_t *m = rec->main_data + MULTIXACT_CREATE_HEADER + i * MULTIXACT_MEMBER_SIZE;

		if (get32(m + 4) > MULTIXACT_STATUS_FOR_UPDATE)
			*updater = get32(m);
	}
	return true;
}

bool
walrec_multi_insert_ntuples(const wal_record *rec, uint32_t *ntuples,
							rw_error *err)
{
	uint16_t	n;
	uint32_t	size;

	if (rec->rmid != RM_HEAP2_ID ||
		(rec->info & XLOG_HEAP_OPMASK) != XLOG_HEAP2_MULTI_INSERT)
		return rw_fail(err, RW_EINTERNAL, "record at " LSN_FMT " is not a multi-insert record",
					   LSN_ARGS(rec->lsn));
	if (rec->main_len < 4)
		return want_size(rec, 4, "multi-insert", err);
	memcpy(&n, rec->main_data + 2, 2);
	/* the offsets array is left out when the page is initialised */
	size = (rec->info & XLOG_HEAP_INIT_PAGE) ? 4 : 4 + 2 * (uint32_t) n;
	if (!want_size(rec, size, "multi-insert", err))
		return false;
	*ntuples = n;
	return true;
}

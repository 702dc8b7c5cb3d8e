#include "scan.h"

#include "log.h"
#include "walrec.h"

static bool
read_required(wal_reader *r, lsn_t lsn, const wal_record **rec, const char *what,
			  rw_error *err)
{
	wal_read_status st = walreader_read_at(r, lsn, rec, err);

	if (st == WAL_READ_OK)
		return true;
	if (st == WAL_READ_END)
	{
		rw_context(err, "could not read %s at " LSN_FMT, what, LSN_ARGS(lsn));
		rw_hint(err, "The target's WAL is damaged or incomplete at this position.");
	}
	return false;
}

bool
scan_checkpoint_end(wal_reader *r, lsn_t checkpoint, lsn_t *end, rw_error *err)
{
	const wal_record *rec;

	if (!read_required(r, checkpoint, &rec, "the target's last checkpoint record", err))
		return false;
	*end = rec->end;
	return true;
}

bool
scan_end_of_valid_wal(wal_reader *r, lsn_t start, lsn_t *end, rw_error *err)
{
	const wal_record *rec;
	wal_read_status st;

	if (!read_required(r, start, &rec, "the target's last checkpoint record", err))
		return false;
	*end = rec->end;
	while ((st = walreader_next(r, &rec, err)) == WAL_READ_OK)
		*end = rec->end;
	if (st == WAL_READ_ERROR && err->kind != RW_EMISSING)
		return false;
	/* the end of valid WAL, or the next segment does not exist: WAL ends here */
	rw_error_clear(err);
	return true;
}

static bool
is_checkpoint(const pg_version_info *ver, const wal_record *rec)
{
	wal_kind	k = walrec_kind(ver, rec);

	return k == WK_CHECKPOINT_SHUTDOWN || k == WK_CHECKPOINT_ONLINE;
}

bool
scan_last_common_checkpoint(const pg_version_info *ver, wal_reader *r, lsn_t diverge,
							lsn_t *ckpt_lsn, pg_checkpoint *ckpt, rw_error *err)
{
	const wal_record *rec;
	lsn_t		at = diverge;

	for (;;)
	{
		if (!read_required(r, at, &rec, "WAL record", err))
		{
			rw_context(err, "searching backwards for the last common checkpoint");
			return false;
		}
		if (rec->lsn < diverge && is_checkpoint(ver, rec))
			break;
		if (rec->prev == LSN_INVALID || rec->prev >= rec->lsn)
			return rw_fail(err, RW_ECORRUPT,
						   "could not find previous WAL record before " LSN_FMT
						   " (invalid previous-record pointer " LSN_FMT ")",
						   LSN_ARGS(rec->lsn), LSN_ARGS(rec->prev));
		at = rec->prev;
	}
	*ckpt_lsn = rec->lsn;
	return walrec_checkpoint(ver, rec, ckpt, err);
}

/*
 * Records that change relation files without describing it in block
 * references carry XLR_SPECIAL_REL_UPDATE.  The plan compares file lists and
 * sizes afterwards, which covers the kinds below: created files are absent
 * on the source and get removed, dropped ones are copied back, truncated
 * ones get their tail copied.  Anything else flagged that way is unknown to
 * this program and could hide a change it would miss.
 */
static bool
special_update_understood(wal_kind kind)
{
	switch (kind)
	{
		case WK_SMGR_CREATE:
		case WK_SMGR_TRUNCATE:
		case WK_DBASE_CREATE_COPY:
		case WK_DBASE_CREATE_WAL_LOG:
		case WK_DBASE_DROP:
		case WK_XACT_COMMIT:
		case WK_XACT_ABORT:
		case WK_XACT_COMMIT_PREPARED:
		case WK_XACT_ABORT_PREPARED:
			return true;
		default:
			return false;
	}
}

static bool
process_record(const pg_version_info *ver, const wal_record *rec, blockmap *map,
			   scan_stats *stats, rw_error *err)
{
	stats->records++;
	if ((rec->info & XLR_SPECIAL_REL_UPDATE) &&
		!special_update_understood(walrec_kind(ver, rec)))
	{
		const char *name = walrec_rmgr_name(rec->rmid);

		rw_fail(err, RW_EUNSUPPORTED,
				"WAL record modifies a relation, but record type is not recognized: "
				"lsn " LSN_FMT ", rmid %u (%s), info 0x%02X",
				LSN_ARGS(rec->lsn), rec->rmid, name ? name : "?", rec->info);
		rw_hint(err, "This record may come from an extension. The target cannot be rewound "
				"safely; clone it again from the new primary.");
		return false;
	}
	for (int i = 0; i < rec->nblocks; i++)
	{
		const wal_blockref *b = &rec->blocks[i];

		stats->block_refs++;
		/* other forks are small and always copied whole */
		if (b->fork == FORK_MAIN)
		{
			relfile_locator loc = {b->spc, b->db, b->rel};

			blockmap_add(map, loc, b->blkno);
		}
	}
	return true;
}

bool
scan_changed_blocks(const pg_version_info *ver, wal_reader *r, lsn_t start, lsn_t end,
					blockmap *map, ledger *ldg, scan_stats *stats, rw_error *err)
{
	const wal_record *rec;

	stats->start = start;
	if (!read_required(r, start, &rec, "WAL record", err))
		return false;
	for (;;)
	{
		if (!process_record(ver, rec, map, stats, err))
			return false;
		if (ldg)
			ledger_observe(ldg, rec);
		stats->end = rec->end;
		if (rec->end >= end)
			break;
		wal_read_status st = walreader_next(r, &rec, err);

		if (st == WAL_READ_ERROR)
			return false;
		if (st == WAL_READ_END)
		{
			rw_context(err, "reading the target's WAL after " LSN_FMT " (it should reach " LSN_FMT ")",
					   LSN_ARGS(stats->end), LSN_ARGS(end));
			rw_hint(err, "The target's WAL is damaged or incomplete; it cannot be rewound safely.");
			return false;
		}
	}
	blockmap_finish(map);
	log_debug("scanned %llu WAL records from " LSN_FMT " to " LSN_FMT ", %llu block references",
			  (unsigned long long) stats->records, LSN_ARGS(stats->start),
			  LSN_ARGS(stats->end), (unsigned long long) stats->block_refs);
	return true;
}

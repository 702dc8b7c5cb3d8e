/*
 * The target's WAL read for the plan (scan.h): where it ends, the last
 * checkpoint both sides share, every block changed since its redo point,
 * and the ledger fed on the way.  Reads WAL through the reader it is given;
 * changes nothing.
 */

#include "plan/scan.h"

#include "plan/blockproof.h"
#include "util/log.h"
#include "walrec.h"

/* What to do about WAL of the target that cannot be read (where: at or before what). */
static void
hint_damaged_wal(rw_error *err, const char *where)
{
	rw_hint(err, "The target's WAL is damaged or incomplete %s: put an intact copy of the "
			"segment holding it into its pg_wal (from the WAL archive, or with -c and a "
			"restore_command), or, if there is none, clone the node again (pg_basebackup).",
			where);
}

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
		hint_damaged_wal(err, "at this position");
	}
	return false;
}

bool
scan_checkpoint_end(wal_reader *r, lsn_t checkpoint, lsn_t *end, rw_error *err)
{
	const wal_record *rec;

	if (!read_required(r, checkpoint, &rec, "the target's last checkpoint record", err))
		return false;
	*end = rec->end_ptr;
	return true;
}

bool
scan_end_of_valid_wal(wal_reader *r, lsn_t start, lsn_t *end, rw_error *err)
{
	const wal_record *rec;
	wal_read_status st;

	if (!read_required(r, start, &rec, "the target's last checkpoint record", err))
		return false;
	*end = rec->end_ptr;
	while ((st = walreader_next(r, &rec, err)) == WAL_READ_OK)
		*end = rec->end_ptr;
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

/*
 * The last checkpoint record starting in segment segno before 'before' into
 * *found (LSN_INVALID if none), reading the segment forward from its first
 * record start.  Records up to 'before' must all be readable.
 */
static bool
last_checkpoint_in_segment(const pg_version_info *ver, wal_reader *r, uint64_t segno,
						   lsn_t before, lsn_t *found, rw_error *err)
{
	uint32_t	segsize = walreader_segsize(r);
	lsn_t		limit = segno_start(segno + 1, segsize);
	lsn_t		first;
	const wal_record *rec;
	wal_read_status st;

	*found = LSN_INVALID;
	if (before < limit)
		limit = before;
	st = walreader_find_first(r, segno_start(segno, segsize), &first, err);
	if (st == WAL_READ_OK && first >= limit)
		return true;			/* one record spans the whole segment */
	if (st == WAL_READ_OK)
		st = walreader_read_at(r, first, &rec, err);
	while (st == WAL_READ_OK && rec->lsn < limit)
	{
		if (is_checkpoint(ver, rec))
			*found = rec->lsn;
		/* the next record starts at or after limit: nothing from there on is read */
		if (rec->end_ptr >= limit)
			return true;
		st = walreader_next(r, &rec, err);
	}
	if (st == WAL_READ_END)
		hint_damaged_wal(err, "before the divergence point");
	return st == WAL_READ_OK;
}

/*
 * Segments are searched from the divergence point's back to older ones,
 * each read forward from its first record: reading a segment forward costs
 * about half of walking its records backwards along their previous-record
 * pointers, and the search stops in the segment that holds the checkpoint.
 */
bool
scan_last_common_checkpoint(const pg_version_info *ver, wal_reader *r, lsn_t diverge,
							lsn_t *ckpt_lsn, pg_checkpoint *ckpt, rw_error *err)
{
	uint64_t	segno = lsn_segno(diverge, walreader_segsize(r));
	const wal_record *rec;
	lsn_t		found;

	for (;;)
	{
		if (!last_checkpoint_in_segment(ver, r, segno, diverge, &found, err))
		{
			rw_context(err, "searching backwards for the last common checkpoint");
			return false;
		}
		if (found != LSN_INVALID)
			break;
		if (segno == 0)
			return rw_fail(err, RW_ECORRUPT, "no checkpoint record before the divergence point "
						   LSN_FMT " in the target's WAL", LSN_ARGS(diverge));
		segno--;
	}
	if (!read_required(r, found, &rec, "the last common checkpoint record", err))
		return false;
	*ckpt_lsn = rec->lsn;
	return walrec_checkpoint(ver, rec, ckpt, err);
}

/* --- the promoted side ---------------------------------------------------- */

/* a precedes b, modulo 2^32 (both normal transaction ids) */
static bool
xid_precedes(uint32_t a, uint32_t b)
{
	return (int32_t) (a - b) < 0;
}

/*
 * Main-fork blocks of the records that start in segment segno before
 * 'before' and whose transaction id lies in [lo, hi) into map; *done when
 * the segment holds a checkpoint taken before lo was assigned.
 */
static bool
collect_segment(const pg_version_info *ver, wal_reader *r, uint64_t segno, lsn_t before,
				uint32_t lo, uint32_t hi, blockmap *map, uint64_t *nblocks, bool *done,
				rw_error *err)
{
	lsn_t		first;
	const wal_record *rec;
	wal_read_status st;
	pg_checkpoint ck;

	st = walreader_find_first(r, segno_start(segno, walreader_segsize(r)), &first, err);
	if (st == WAL_READ_OK && first >= before)
		return true;
	if (st == WAL_READ_OK)
		st = walreader_read_at(r, first, &rec, err);
	while (st == WAL_READ_OK && rec->lsn < before &&
		   lsn_segno(rec->lsn, walreader_segsize(r)) == segno)
	{
		if (rec->xid != 0 && !xid_precedes(rec->xid, lo) && xid_precedes(rec->xid, hi))
			for (int i = 0; i < rec->nblocks; i++)
				if (rec->blocks[i].fork == FORK_MAIN)
				{
					relfile_locator loc = {rec->blocks[i].spc, rec->blocks[i].db,
					rec->blocks[i].rel};

					blockmap_add(map, loc, rec->blocks[i].blkno);
					(*nblocks)++;
				}
		if (is_checkpoint(ver, rec))
		{
			if (!walrec_checkpoint(ver, rec, &ck, err))
				return false;
			if (!xid_precedes(lo, (uint32_t) ck.next_xid))
				*done = true;
		}
		st = walreader_next(r, &rec, err);
	}
	/* all of it lies before the redo point: it must be readable */
	return st == WAL_READ_OK;
}

bool
scan_promoted_side(const pg_version_info *ver, wal_reader *r, lsn_t redo,
				   const pg_checkpoint *ckpt, blockmap *map, rw_error *err)
{
	uint32_t	lo = ckpt->oldest_active_xid, hi = (uint32_t) ckpt->next_xid;
	uint64_t	segno = lsn_segno(redo, walreader_segsize(r)), nblocks = 0;
	bool		done = false, extra = false;

	/* a shutdown checkpoint, or nothing was running */
	if (lo == 0 || lo == hi)
		return true;
	for (;;)
	{
		if (!collect_segment(ver, r, segno, redo, lo, hi, map, &nblocks, &done, err))
		{
			rw_context(err, "reading the target's WAL before the last common checkpoint for "
					   "the transactions still running there (from %u on)", lo);
			rw_hint(err, "The target was promoted at the divergence point; pages those "
					"transactions changed before the last common checkpoint may carry hint "
					"bits it never WAL-logged, so their blocks must be found. Put the "
					"target's older WAL segments back into its pg_wal (from the WAL "
					"archive, or with -c and a restore_command), or clone it again.");
			return false;
		}
		/* one segment more: a checkpoint's nextXid is read a little before it is written */
		if (extra || segno == 0)
			break;
		extra = done;
		segno--;
	}
	log_debug("the target was promoted at the divergence point: %llu block references of "
			  "transactions running at the last common checkpoint (xid %u on) before it are "
			  "copied", (unsigned long long) nblocks, lo);
	return true;
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
process_record(const pg_version_info *ver, const wal_record *rec, block_proof *proof,
			   blockmap *map, scan_stats *stats, rw_error *err)
{
	stats->records++;
	stats->block_refs += (uint64_t) rec->nblocks;
	if ((rec->info & XLR_SPECIAL_REL_UPDATE) &&
		!special_update_understood(walrec_kind(ver, rec)))
	{
		const char *name = rmgr_name(rec->rmid);

		rw_fail(err, RW_EUNSUPPORTED,
				"WAL record modifies a relation, but record type is not recognized: "
				"lsn " LSN_FMT ", rmid %u (%s), info 0x%02X",
				LSN_ARGS(rec->lsn), rec->rmid, name ? name : "?", rec->info);
		rw_hint(err, "This record may come from an extension. The target cannot be rewound "
				"safely; clone it again from the new primary.");
		return false;
	}
	if (!block_proof_record(proof, ver, rec, map, err))
	{
		stats->unreadable = false;	/* a setting refused: the WAL itself was read */
		return false;
	}
	return true;
}

/* The loop of scan_changed_blocks. */
static bool
scan_records(const pg_version_info *ver, wal_reader *r, lsn_t end, block_proof *proof,
			 blockmap *map, ledger *ldg, scan_stats *stats, rw_error *err)
{
	const wal_record *rec;

	stats->unreadable = true;	/* any failure but a refused setting */
	if (!read_required(r, stats->start, &rec, "WAL record", err))
		return false;
	for (;;)
	{
		if (!process_record(ver, rec, proof, map, stats, err))
			return false;
		if (ldg)
			ledger_observe(ldg, rec);
		stats->end = rec->end_ptr;
		/* end is PostgreSQL's (minRecoveryPoint): compare in its terms */
		if (rec->end_ptr >= end)
			return true;
		/* where the next record is, to name the file if it is damaged */
		lsn_t		next = rec->next;
		uint32_t	tli = rec->page_tli;
		wal_read_status st = walreader_next(r, &rec, err);

		if (st == WAL_READ_ERROR)
			return false;
		if (st == WAL_READ_END)
		{
			char		seg[WAL_FILE_NAME_LEN + 1];

			wal_file_name(seg, tli, lsn_segno(next, walreader_segsize(r)), walreader_segsize(r));
			rw_context(err, "reading the target's WAL after " LSN_FMT " (it should reach " LSN_FMT
					   ") in pg_wal/%s", LSN_ARGS(stats->end), LSN_ARGS(end), seg);
			rw_hint(err, "The target's WAL is damaged there, so it cannot be rewound safely. If "
					"the WAL archive has an intact %s, put it in the target's pg_wal in place "
					"of the damaged one and run again; otherwise use --method=auto, which takes "
					"the page-LSN scan or the block compare (--method=compare) instead.", seg);
			return false;
		}
	}
}

bool
scan_changed_blocks(const pg_version_info *ver, wal_reader *r, lsn_t start, lsn_t end,
					lsn_t diverge, bool checksums, blockmap *map, blockmap *replayed,
					ledger *ldg, scan_stats *stats, rw_error *err)
{
	block_proof *proof = block_proof_new(diverge, checksums);
	bool		ok;

	stats->start = start;
	ok = scan_records(ver, r, end, proof, map, ldg, stats, err);
	if (ok)
	{
		stats->unreadable = false;
		ok = block_proof_finish(proof, map, replayed, &stats->blocks, err);
	}
	if (ok)
		log_debug("scanned %llu WAL records from " LSN_FMT " to " LSN_FMT ", %llu block references",
				  (unsigned long long) stats->records, LSN_ARGS(stats->start),
				  LSN_ARGS(stats->end), (unsigned long long) stats->block_refs);
	block_proof_free(proof);
	return ok;
}

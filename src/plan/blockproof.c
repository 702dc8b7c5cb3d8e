/*
 * The full-page-write proof, block by block: which blocks changed since
 * the last common checkpoint's redo point replay alone restores, and which
 * must come from the source; refuses WAL written without what the proof
 * needs (blockproof.h).  Pure: decisions over decoded records.
 */

#include "plan/blockproof.h"

#include <stdlib.h>

#include "blockfirst.h"
#include "util/log.h"
#include "walrec.h"
#include "xalloc.h"

/*
 * Which blocks need the source's version.
 *
 * The rewound target starts recovery at R, the redo point of the last
 * common checkpoint (when it starts later, steps_late_start copies the
 * blocks of case 2 too), and replays the SOURCE's WAL, which up to the
 * divergence point D is the very WAL the target wrote.  A block the target
 * changed, by WAL records or by unlogged hint bits, falls in one of three
 * cases:
 *
 *  1. Changed by a record that ends after D: the target's version comes
 *     from WAL the source never had; it must be copied from the source.
 *
 *  2. Changed by records in [R, D) only.  If the first of them (the first
 *     reference to the block after R) carries a full-page image that replay
 *     applies, or re-initialises the page (WILL_INIT), replay from R writes
 *     the page over whatever the target holds, then applies the later
 *     records: the target's version is irrelevant (this is what protects a
 *     crash-recovered server against torn pages).  Not copied.  Otherwise
 *     replay would start from the target's page, which may carry changes
 *     the source never had (hint bits set after D without WAL): copied.
 *     The proof is per block, so it holds whatever full_page_writes was:
 *     with it off (the checkpoint's fullPageWrites, or FPW_CHANGE) first
 *     references simply lack images and those blocks are copied.
 *
 *  3. Not changed by any record since R, but its hint bits were set after
 *     D.  With data checksums or wal_log_hints (required of the target),
 *     setting hint bits on a page whose LSN is at or before the current
 *     redo pointer logs an FPI_FOR_HINT record (whatever full_page_writes
 *     is), and the redo pointer is R or later: so the change appears after
 *     D (case 1) and is copied.  If the page's LSN is after the redo
 *     pointer, the page was changed by a record since R: case 1 or 2.  On
 *     the promoted side the redo pointer was older than R for a while: see
 *     scan_promoted_side.
 *
 * What the WAL says against the premises (XLOG_PARAMETER_CHANGE, logged at
 * startup when a setting changed):
 *  - wal_level = minimal anywhere from R on: relations written in the
 *    transaction that created them have no WAL at all, so no scan finds
 *    their blocks (and a standby cannot replay such WAL).  Refused.
 *  - wal_log_hints off, without data checksums, at any time after D: case 3
 *    does not hold and no WAL tells which pages got hint bits.  Refused
 *    (pg_control shows only the setting of the last start).
 *  - a promotion (END_OF_RECOVERY, or a shutdown checkpoint that switches
 *    timelines) in [R, D): the writer's state around it is not in the WAL
 *    the proof reads, so every block since R is copied (what pg_rewind
 *    always does).
 */
struct block_proof {
	lsn_t		diverge;
	bool		checksums;		/* the target has data checksums */
	bool		held;			/* case 2 may skip blocks (no promotion in [R, D)) */
	const char *reason;			/* why not */
	bool		hints_off;		/* the last PARAMETER_CHANGE seen said wal_log_hints = off */
	lsn_t		hints_off_at;	/* where it did */
	blockfirst *first;			/* blocks of records that end by the divergence point */
};

static bool
refuse_hints_off(lsn_t at, lsn_t diverge, rw_error *err)
{
	rw_fail(err, RW_ESTATE, "the target ran with wal_log_hints = off and without data checksums "
			"after the divergence point " LSN_FMT " (parameter change record at " LSN_FMT ")",
			LSN_ARGS(diverge), LSN_ARGS(at));
	rw_hint(err, "Hint bits it set then are in no WAL, so a rewind could silently miss changed "
			"pages. Nothing was changed. Use --method=compare (--method=auto takes it), and keep "
			"wal_log_hints = on on every node.");
	return false;
}

/* Settings logged at startup: refuse what breaks the proof (see above). */
static bool
observe_parameters(const wal_record *rec, block_proof *ps, rw_error *err)
{
	wal_parameters par;

	if (!walrec_parameter_change(rec, &par, err))
		return false;
	if (par.wal_level == 0)
	{
		rw_fail(err, RW_EUNSUPPORTED, "the target ran with wal_level = minimal after the last "
				"common checkpoint (parameter change record at " LSN_FMT ")", LSN_ARGS(rec->lsn));
		rw_hint(err, "With wal_level = minimal some relation changes are not in the WAL at all, "
				"so they cannot be found and rewound. Nothing was changed. Clone the target "
				"again (pg_basebackup).");
		return false;
	}
	if (ps->checksums)
		return true;
	/* off until this record, which is after the divergence point */
	if (ps->hints_off && rec->end > ps->diverge)
		return refuse_hints_off(ps->hints_off_at, ps->diverge, err);
	ps->hints_off = !par.wal_log_hints;
	ps->hints_off_at = rec->lsn;
	return true;
}

static bool
observe_record(const pg_version_info *ver, const wal_record *rec, bool common,
			   block_proof *ps, rw_error *err)
{
	pg_checkpoint ck;

	switch (walrec_kind(ver, rec))
	{
		case WK_PARAMETER_CHANGE:
			return observe_parameters(rec, ps, err);
		case WK_END_OF_RECOVERY:
			if (common)
			{
				ps->held = false;
				ps->reason = "a promotion between the last common checkpoint and the divergence point";
			}
			break;
		case WK_CHECKPOINT_SHUTDOWN:
			if (!common)
				break;
			if (!walrec_checkpoint(ver, rec, &ck, err))
				return false;
			if (ck.tli != ck.prev_tli)
			{
				ps->held = false;
				ps->reason = "a timeline switch between the last common checkpoint and the "
					"divergence point";
			}
			break;
		default:
			break;
	}
	return true;
}

block_proof *
block_proof_new(lsn_t diverge, bool checksums)
{
	block_proof *p = xcalloc(1, sizeof(block_proof));

	p->diverge = diverge;
	p->checksums = checksums;
	p->held = true;
	p->first = blockfirst_new();
	return p;
}

void
block_proof_free(block_proof *p)
{
	if (!p)
		return;
	blockfirst_free(p->first);
	free(p);
}

bool
block_proof_record(block_proof *p, const pg_version_info *ver, const wal_record *rec,
				   blockmap *map, rw_error *err)
{
	/* a record that ends after the divergence point is the target's own */
	bool		common = rec->end <= p->diverge;

	if (!observe_record(ver, rec, common, p, err))
		return false;
	for (int i = 0; i < rec->nblocks; i++)
	{
		const wal_blockref *b = &rec->blocks[i];
		relfile_locator loc = {b->spc, b->db, b->rel};

		/* other forks are small and always copied whole */
		if (b->fork != FORK_MAIN)
			continue;
		if (common)
			blockfirst_note(p->first, loc, b->blkno,
							(b->has_image && b->apply_image) || b->will_init);
		else
			blockmap_add(map, loc, b->blkno);
	}
	return true;
}

bool
block_proof_finish(block_proof *p, blockmap *map, blockmap *replayed, block_proof_summary *out,
				   rw_error *err)
{
	/* still off at the end of the target's WAL, which is after the divergence point */
	if (p->hints_off)
		return refuse_hints_off(p->hints_off_at, p->diverge, err);
	out->since_divergence = p->held;
	out->since_redo_reason = p->held ? NULL : p->reason;
	out->partial_first_blocks = blockfirst_count(p->first, false);
	blockfirst_add_to(p->first, map, false);
	out->replayed_blocks = 0;
	if (p->held)
	{
		blockmap   *whole = blockmap_new();

		blockmap_finish(map);
		blockfirst_add_to(p->first, whole, true);
		blockmap_finish(whole);
		out->replayed_blocks = blockmap_count_missing(whole, map);
		if (replayed)
			blockmap_add_all(replayed, whole);
		blockmap_free(whole);
		log_debug("blocks changed only before the divergence point: %llu restored by WAL "
				  "replay (their first change after the redo point rewrites the whole page), "
				  "%llu copied (it does not)", (unsigned long long) out->replayed_blocks,
				  (unsigned long long) out->partial_first_blocks);
	}
	else
	{
		blockfirst_add_to(p->first, map, true);
		blockmap_finish(map);
		log_debug("copying every block changed since the redo point: %s", p->reason);
	}
	return true;
}

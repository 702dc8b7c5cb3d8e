/*
 * Rung 3 of the ladder in the shared steps (steps.h): when the target's WAL
 * after the divergence point cannot be read, the page-LSN scan finds the
 * blocks it changed instead, if it can be proven on this target.
 */
#include "run/steps.h"

#include <stdio.h>
#include <string.h>

#include "plan/pagelsn_scan.h"
#include "util/log.h"

/* The WAL could not be read (as opposed to a setting refused, or a bug). */
static bool
wal_unreadable_kind(rw_errkind k)
{
	return k == RW_EMISSING || k == RW_ECORRUPT || k == RW_EIO || k == RW_EUNSUPPORTED;
}

void
steps_pagelsn_note(rewind_ctx *c, const rw_error *err)
{
	snprintf(c->method.wal_failure, sizeof(c->method.wal_failure), "%.*s",
			 (int) sizeof(c->method.wal_failure) - 1, err->msg);
	log_info("the target's WAL cannot be read to its end (%s); trying the page-LSN scan",
			 err->msg);
}

bool
steps_pagelsn_wal_end(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;

	/*
	 * Only a target whose own last checkpoint is past the divergence point
	 * is known to have gone on after it without reading its WAL.
	 */
	if (c->opts->method == METHOD_WAL || !wal_unreadable_kind(err->kind) ||
		ctl->checkpoint <= c->diverge)
		return false;
	steps_pagelsn_note(c, err);
	rw_error_clear(err);
	c->tgt_end = ctl->min_recovery_point > ctl->checkpoint ?
		ctl->min_recovery_point : ctl->checkpoint;
	return true;
}

/*
 * Settings in the part of the target's WAL from the redo point on that can
 * be read: a parameter change refused there (wal_log_hints off without
 * checksums after the divergence point, wal_level = minimal) refuses this
 * method too.  Where that WAL ends is noted.
 */
static bool
readable_wal_allows(rewind_ctx *c, bool checksums, rw_error *err)
{
	blockmap   *scratch = blockmap_new();
	scan_stats	st;
	bool		ok;

	memset(&st, 0, sizeof(st));
	ok = scan_changed_blocks(c->tgt.ver, c->reader, c->ckpt.redo, c->tgt_end, c->diverge,
							 checksums, scratch, NULL, NULL, &st, err);
	blockmap_free(scratch);
	if (ok || st.unreadable)
	{
		log_debug("the target's WAL can be read from " LSN_FMT " to " LSN_FMT, LSN_ARGS(c->ckpt.redo),
				  LSN_ARGS(st.end));
		rw_error_clear(err);
		return true;
	}
	rw_context(err, "the page-LSN scan cannot be used");
	return false;
}

bool
steps_pagelsn_blocks(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	bool		checksums = ctl->data_checksum_version != 0;
	blockmap   *shared;
	bool		ok;

	if (!method_pagelsn_provable(ctl, c->target_unclean, &c->method.pagelsn_basis, err))
		return false;
	if (c->opts->salvage_dir)
	{
		rw_fail(err, RW_EUNSUPPORTED, "--salvage needs the target's WAL after the divergence "
				"point, which cannot be read%s%s", c->method.wal_failure[0] ? ": " : "",
				c->method.wal_failure);
		rw_hint(err, "Nothing was changed. Run without --salvage to rewind with the page-LSN "
				"scan (the rows the target loses cannot be listed or saved), or make that WAL "
				"readable (-c with a restore_command).");
		return false;
	}
	if (c->map)
		blockmap_free(c->map);
	c->map = NULL;
	ledger_free(c->ledger);
	/* no WAL after the divergence point: nothing to list, the report says so */
	c->ledger = ledger_new(c->tgt.ver, c->diverge);
	ledger_finish(c->ledger);
	if (!readable_wal_allows(c, checksums, err))
		return false;

	/*
	 * Before the divergence point the WAL is the source's too: blocks changed
	 * there are decided as the WAL method decides them (replay restores those
	 * whose first change since the redo point rewrites the whole page, which
	 * also drops hint bits set after the divergence point without a new LSN).
	 */
	shared = blockmap_new();
	memset(&c->stats, 0, sizeof(c->stats));
	ok = (c->tgt_history.entries[c->common_index].end != c->diverge ||
		  scan_promoted_side(c->tgt.ver, c->reader, c->ckpt.redo, &c->ckpt, shared, err)) &&
		scan_changed_blocks(c->tgt.ver, c->reader, c->ckpt.redo, c->diverge, c->diverge,
							checksums, shared, NULL, NULL, &c->stats, err);
	if (!ok)
	{
		blockmap_free(shared);
		rw_context(err, "reading the WAL both sides share before the divergence point");
		return false;
	}
	c->map = blockmap_new();
	blockmap_add_all(c->map, shared);
	blockmap_free(shared);
	if (c->opts->progress)
		log_info("reading the target's relation files (page-LSN scan)");
	if (!pagelsn_scan(c->tgt.pgdata, c->tgt.tsdir, &c->tgt_files, c->diverge, checksums, c->map,
					  &c->method.pagelsn, err))
		return false;
	blockmap_finish(c->map);
	return true;
}

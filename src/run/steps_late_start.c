/*
 * A later recovery start (doc/correctness.md, "Where recovery starts"):
 * the source's own last checkpoint, when its redo point is past the last
 * common checkpoint's and copying what replay from there would no longer
 * restore costs fewer bytes than the WAL replay it saves the node's start.
 */
#include "run/steps.h"

#include "source/source_wal.h"
#include "util/log.h"
#include "util/test_hooks.h"

/*
 * The blocks the source changed from the divergence point to its redo
 * point, from its WAL read through the source.
 */
static bool
source_changed_blocks(rewind_ctx *c, lsn_t redo, blockmap *out, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	source_wal *sw = source_wal_open(c->src, &c->src_history, ctl->xlog_seg_size,
									 ctl->xlog_blcksz);
	wal_reader *r = walreader_new(c->tgt.ver, ctl->system_identifier, ctl->xlog_seg_size,
								  ctl->xlog_blcksz, source_wal_page_reader(sw));
	scan_stats	st = {0};
	bool		ok;

	ok = scan_changed_blocks(c->tgt.ver, r, c->diverge, redo, c->diverge,
							 c->src_control.data_checksum_version != 0, out, NULL, NULL, &st,
							 err);
	if (ok)
		log_debug("the source's WAL from the divergence point to its redo point: %llu records, "
				  "%llu bytes read, %llu blocks changed", (unsigned long long) st.records,
				  (unsigned long long) source_wal_bytes_read(sw),
				  (unsigned long long) blockmap_total_blocks(out));
	walreader_free(r);
	source_wal_close(sw);
	return ok;
}

/* What the source's WAL can be, and the start stay where it is. */
static bool
wal_unusable(const rw_error *e)
{
	return e->kind == RW_EMISSING || e->kind == RW_ECORRUPT || e->kind == RW_EUNSUPPORTED ||
		e->kind == RW_ESTATE;
}

bool
steps_late_start(rewind_ctx *c, const blockmap *replayed, rw_error *err)
{
	lsn_t		redo = c->src_control.ckpt.redo;
	blockmap   *extra;
	blockmap   *merged;
	rw_error	e;
	uint64_t	copied;

	if (redo <= c->start_redo || test_hook_common_start())
		return true;
	rw_error_clear(&e);
	extra = blockmap_new();
	if (redo > c->diverge && !source_changed_blocks(c, redo, extra, &e))
	{
		blockmap_free(extra);
		if (!wal_unusable(&e))
		{
			*err = e;
			rw_context(err, "reading the source's WAL from the divergence point " LSN_FMT
					   " to its last redo point " LSN_FMT, LSN_ARGS(c->diverge),
					   LSN_ARGS(redo));
			return false;
		}
		log_debug("recovery starts at " LSN_FMT ", not at the source's redo point " LSN_FMT
				  ": its WAL after the divergence point cannot be used (%s)",
				  LSN_ARGS(c->start_redo), LSN_ARGS(redo), e.msg);
		return true;
	}
	/* replay from the later point no longer rewrites these */
	blockmap_add_all(extra, replayed);
	blockmap_finish(extra);
	copied = blockmap_count_missing(extra, c->map);
	if (copied * c->tgt.control.blcksz >= redo - c->start_redo)
	{
		log_debug("recovery starts at " LSN_FMT ": starting at the source's redo point " LSN_FMT
				  " would copy %llu more blocks than the %llu bytes of WAL replay it saves",
				  LSN_ARGS(c->start_redo), LSN_ARGS(redo), (unsigned long long) copied,
				  (unsigned long long) (redo - c->start_redo));
		blockmap_free(extra);
		return true;
	}
	merged = blockmap_new();
	blockmap_add_all(merged, c->map);
	blockmap_add_all(merged, extra);
	blockmap_finish(merged);
	blockmap_free(extra);
	blockmap_free(c->map);
	c->map = merged;
	log_info("recovery starts at the source's last redo point " LSN_FMT " (timeline %u), not at "
			 "the last common one " LSN_FMT ": %llu more blocks copied, %llu bytes less WAL "
			 "to replay", LSN_ARGS(redo), c->src_control.ckpt.tli, LSN_ARGS(c->start_redo),
			 (unsigned long long) copied, (unsigned long long) (redo - c->start_redo));
	c->start_redo = redo;
	c->start_ckpt = c->src_control.checkpoint;
	c->start_tli = c->src_control.ckpt.tli;
	c->stats.blocks.since_divergence = false;
	c->stats.blocks.since_redo_reason = "recovery starts at the source's last checkpoint";
	c->stats.blocks.replayed_blocks = 0;
	if (c->wal_needed.from < redo)
		c->wal_needed.from = redo;
	return true;
}

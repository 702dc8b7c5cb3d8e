/*
 * A later recovery start (doc/correctness.md, "Where recovery starts"):
 * the source's own last checkpoint, when its redo point is past the last
 * common checkpoint's and copying what replay from there would no longer
 * restore costs less than the WAL replay it saves the node's start
 * (COPY_WEIGHT).
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

/* Failures that mean the source's WAL cannot be used: the start stays. */
static bool
wal_unusable(const rw_error *e)
{
	return e->kind == RW_EMISSING || e->kind == RW_ECORRUPT || e->kind == RW_EUNSUPPORTED ||
		e->kind == RW_ESTATE;
}

/*
 * A byte copied costs about as much as COPY_WEIGHT bytes of WAL replayed:
 * replay of full-page images runs near memory speed (about 1 GB/s here,
 * bench/bench.sh: the node's start), a copy at the link's (119 MB/s on 1
 * Gbit/s).  Starting later must save at least that many times the bytes it
 * adds to the copy.
 */
#define COPY_WEIGHT 8

/*
 * a and b (NULL: none) in one finished map; *n: how many of its blocks
 * map lacks.
 */
static blockmap *
blocks_beyond(const blockmap *a, const blockmap *b, const blockmap *map, uint64_t *n)
{
	blockmap   *m = blockmap_new();

	blockmap_add_all(m, a);
	if (b != NULL)
		blockmap_add_all(m, b);
	blockmap_finish(m);
	*n = blockmap_count_missing(m, map);
	return m;
}

/* Whether copying n more blocks is worth the replay saved. */
static bool
worth_it(const rewind_ctx *c, uint64_t n, lsn_t redo)
{
	bool		worth = n * c->tgt.control.blcksz * COPY_WEIGHT < redo - c->start_redo;

	if (!worth)
		log_debug("recovery starts at " LSN_FMT ": starting at the source's redo point " LSN_FMT
				  " would copy at least %llu more blocks, too many for the %llu bytes of WAL "
				  "replay it saves", LSN_ARGS(c->start_redo), LSN_ARGS(redo),
				  (unsigned long long) n, (unsigned long long) (redo - c->start_redo));
	return worth;
}

bool
steps_late_start(rewind_ctx *c, const blockmap *replayed, rw_error *err)
{
	lsn_t		redo = c->src_control.ckpt.redo;
	blockmap   *extra;
	blockmap   *from_source;
	blockmap   *merged;
	rw_error	e;
	uint64_t	copied;

	if (redo <= c->start_redo || test_hook_common_start())
		return true;
	/* replay from the later point no longer rewrites these: decided before the source is read */
	extra = blocks_beyond(replayed, NULL, c->map, &copied);
	blockmap_free(extra);
	if (!worth_it(c, copied, redo))
		return true;
	rw_error_clear(&e);
	from_source = blockmap_new();
	if (redo > c->diverge && !source_changed_blocks(c, redo, from_source, &e))
	{
		blockmap_free(from_source);
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
	extra = blocks_beyond(replayed, from_source, c->map, &copied);
	blockmap_free(from_source);
	if (!worth_it(c, copied, redo))
	{
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

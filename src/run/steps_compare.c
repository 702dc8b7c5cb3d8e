/*
 * The steps of the block compare (--method=compare, steps.h): where
 * recovery of the rewound node starts (a base backup of the source), and
 * the plan from every file of both sides compared.  The target's WAL is
 * not read: nothing of it is trusted.
 */
#include "run/steps.h"

#include <stdio.h>

#include "plan/listing_safety.h"
#include "util/log.h"

/* What a base backup taken by rewind is called on the source. */
#define BACKUP_LABEL "rewind --method=compare"

bool
steps_compares(const rewind_ctx *c)
{
	return c->opts->method == METHOD_COMPARE || c->method.refused[0] != '\0';
}

bool
steps_compare_instead(rewind_ctx *c, const rw_error *err)
{
	/* what the target's WAL, settings or pages cannot prove; not a failure of the source */
	bool		unproven = err->kind == RW_ESTATE || err->kind == RW_EMISSING ||
		err->kind == RW_ECORRUPT || err->kind == RW_EIO || err->kind == RW_EUNSUPPORTED;

	if (c->opts->method != METHOD_AUTO || c->opts->salvage_dir || !unproven)
		return false;
	snprintf(c->method.refused, sizeof(c->method.refused), "%.*s",
			 (int) sizeof(c->method.refused) - 1, err->msg);
	log_info("neither the target's WAL nor the page-LSN scan can be proven (%s); every file "
			 "will be compared with the source's (--method=compare)", err->msg);
	return true;
}

step_outcome
steps_compare_start(rewind_ctx *c, bool take_backup, rw_error *err)
{
	lsn_t		start;

	c->ckpt_lsn = LSN_INVALID;
	/* where the target went on to: at least its control file's positions */
	c->tgt_end = c->tgt.control.checkpoint > c->tgt.control.min_recovery_point ?
		c->tgt.control.checkpoint : c->tgt.control.min_recovery_point;
	if (c->src->stopped || !take_backup)
	{
		/* a stopped source's files stand at its last checkpoint, and hold still */
		c->start_redo = c->src_control.ckpt.redo;
		c->start_ckpt = c->src_control.checkpoint;
		c->start_tli = c->src_control.ckpt.tli;
		return STEP_OK;
	}
	if (!source_offers(c->src, SOURCE_TAKES_BACKUP))
	{
		rw_fail(err, RW_EINTERNAL, "the source (%s) cannot take a base backup",
				c->src->description);
		return STEP_STOP;
	}
	if (c->opts->progress)
		log_info("starting a base backup on the source (fast checkpoint)");
	if (!c->src->ops->backup_start(c->src, BACKUP_LABEL, &start, err))
		return STEP_STOP;
	c->backup_started = true;
	c->start_redo = start;
	c->start_ckpt = LSN_INVALID;	/* in the label the source gives at the stop */
	/* the WAL since the start is in the source's pg_wal from now on */
	if (!c->src->ops->wal_position(c->src, &c->src_pos, err))
		return STEP_STOP;
	/* a standby source's restartpoint may lie before the timeline it now follows */
	c->start_tli = tl_tli_at(&c->src_history, start);
	log_info("base backup started on the source at WAL location " LSN_FMT " on timeline %u",
			 LSN_ARGS(start), c->start_tli);
	return STEP_OK;
}

step_outcome
steps_build_compare_plan(rewind_ctx *c, bool compare_contents, rw_error *err)
{
	plan_input	in = {
		.ver = c->tgt.ver,
		.tsdir = c->tgt.tsdir,
		.segsize = c->tgt.control.xlog_seg_size,
		.diverge = c->diverge,
		.redo = c->start_redo,
		.source_end = c->src_pos.lsn != LSN_INVALID ? c->src_pos.lsn : c->src_control.checkpoint,
		.source_history = &c->src_history,
		.keep_config = !c->opts->copy_config,
		.config_files = &c->config_files,
		.keep_common = true,
	};

	/*
	 * no block is known to differ before the files are compared; what the
	 * target loses is not known (no ledger): its WAL is not read
	 */
	c->map = blockmap_new();
	if (c->config_files.n == 0 && !config_target_files(c->tgt.pgdata, &c->config_files, err))
		return STEP_STOP;
	if (!plan_build(&in, &c->src_files, &c->tgt_files, c->map, &c->plan, err) ||
		!listing_tablespaces_free(&c->plan, c->tgt.tsdir, err))
		return STEP_STOP;
	steps_estimate(c, METHOD_COMPARE);
	if (compare_contents)
	{
		if (c->opts->progress)
			log_info("comparing every file with the source");
		if (!plan_block_compare(&c->plan, c->src, c->tgt.pgdata, &c->compared, err))
			return STEP_STOP;
	}
	c->method.requested = c->opts->method;
	c->method.used = METHOD_COMPARE;
	c->planned = true;
	if (log_debug_enabled())
		plan_print_entries(&c->plan, stderr);
	return STEP_OK;
}

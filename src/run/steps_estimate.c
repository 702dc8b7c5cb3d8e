/*
 * The estimate of what a run reads on each side and transfers
 * (plan/estimate.h), taken from the context once the plan is built and
 * before any file content is compared: the same figures for a dry run,
 * --check and a run.
 */
#include "run/steps.h"

void
steps_estimate(rewind_ctx *c, rewind_method m)
{
	estimate_input in = {
		.method = m,
		.plan = &c->plan,
		.source_files = &c->src_files,
		.target_files = &c->tgt_files,
		.config_files = &c->config_files,
		.tsdir = c->tgt.tsdir,
		.target_wal_read = m != METHOD_COMPARE && c->stats.end > c->stats.start ?
		c->stats.end - c->stats.start : 0,
		.fetched_so_far = c->src->bytes_fetched,
		.segsize = c->tgt.control.xlog_seg_size,
		/* a dry run of a running source plans as if it took the backup */
		.backup = !c->src->stopped,
	};

	plan_estimate_compute(&in, &c->estimate);
}

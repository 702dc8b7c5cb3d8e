/*
 * --check: the steps of a rewind up to the plan, each outcome a finding
 * (ok, warning, error); nothing is changed and no step stops the others
 * unless they depend on it.
 */
#include "run/check_run.h"

#include "util/log.h"

/* Record a failed step as an error finding; returns ok. */
static bool
step(rewind_ctx *c, bool ok, const char *code, const rw_error *err)
{
	if (!ok)
		check_add_error(&c->findings, code, CHECK_ERROR, err);
	return ok;
}

static void
check_target(rewind_ctx *c)
{
	const pg_control *ctl = &c->tgt.control;
	rw_error	e;

	if (c->tgt.postmaster_pid)
		check_add(&c->findings, "target_state", CHECK_OK, NULL, "target server is running "
				  "(PID %ld): its pg_control and pg_wal were read as they are now; a rewind "
				  "needs it stopped", c->tgt.postmaster_pid);
	else if (c->target_unclean)
		check_add(&c->findings, "target_state", c->opts->ensure_shutdown ? CHECK_OK : CHECK_ERROR,
				  NULL, "target was not shut down cleanly (\"%s\"); a rewind %s",
				  control_state_name(ctl->state), c->opts->ensure_shutdown ?
				  "first runs crash recovery (postgres --single)" :
				  "with --no-ensure-shutdown refuses it");
	else
		check_add(&c->findings, "target_state", CHECK_OK, NULL, "target was shut down cleanly");
	if (step(c, target_check_rewindable(&c->tgt, false, &e), "target_rewindable", &e))
		check_add(&c->findings, "target_rewindable", CHECK_OK, NULL, "%s",
				  ctl->data_checksum_version ? "target has data checksums"
				  : "target has wal_log_hints = on");
}

/* "source_wal" and "slot": what the rewound node needs of the source from 'from' on. */
static void
check_source_retention(rewind_ctx *c, lsn_t from, const tl_history *history)
{
	source_wal_retention r;
	rw_error	e;
	check_wal_input in;

	steps_source_wal_input(c, from, history, &in);
	in.slot = c->opts->slot;
	if (c->src_files.n == 0 &&
		!step(c, c->src->ops->list_files(c->src, &c->src_files, &e), "source_wal", &e))
		return;
	file_list_sort(&c->src_files);
	if (c->src->ops->wal_retention)
	{
		if (!step(c, c->src->ops->wal_retention(c->src, c->opts->slot, &r, &e), "source_wal", &e))
			return;
		in.retention = &r;
		if (c->opts->slot)
			check_slot(&c->findings, c->opts->slot, &r);
	}
	if (step(c, steps_wal_gap_prepare(c, &in, &e), "source_wal", &e))
		check_source_wal(&c->findings, &in);
}

/* Same timeline: nothing to rewind unless the target is ahead. */
static void
check_no_divergence(rewind_ctx *c)
{
	rw_error	e;
	tl_history	single;
	bool		ok = steps_check_same_timeline(c, &e);

	if (!step(c, ok, ok || e.kind == RW_ESTATE ? "divergence" : "target_wal", &e))
		return;
	check_add(&c->findings, "divergence", CHECK_OK, NULL, "no rewind required: source and target "
			  "are on timeline %u and the target's WAL ends at " LSN_FMT ", not ahead of the source",
			  c->tgt_tli, LSN_ARGS(c->tgt_end));
	tl_single(c->src_tli, &single);
	check_source_retention(c, c->tgt_end, &single);
	tl_free(&single);
}

static void
check_divergence(rewind_ctx *c)
{
	rw_error	e;

	if (!step(c, steps_load_history(c, true, c->src_tli, &c->src_history, &e) &&
			  steps_load_history(c, false, c->tgt_tli, &c->tgt_history, &e), "timeline_history", &e))
		return;
	check_add(&c->findings, "timeline_history", CHECK_OK, NULL, "the histories of source "
			  "timeline %u and target timeline %u are present", c->src_tli, c->tgt_tli);
	if (!step(c, tl_find_divergence(&c->src_history, &c->tgt_history, &c->diverge,
									&c->common_index, &e), "divergence", &e))
		return;
	c->diverged = true;
	if (!step(c, steps_open_target_wal(c, &c->tgt_history, &e) && steps_find_target_end(c, &e),
			  "target_wal", &e))
		return;
	if (c->tgt_end <= c->diverge)
	{
		check_add(&c->findings, "divergence", CHECK_OK, NULL, "no rewind required: the target's "
				  "WAL ends at " LSN_FMT ", before the divergence point " LSN_FMT,
				  LSN_ARGS(c->tgt_end), LSN_ARGS(c->diverge));
		check_source_retention(c, c->tgt_end, &c->src_history);
		return;
	}
	if (!step(c, scan_last_common_checkpoint(c->tgt.ver, c->reader, c->diverge, &c->ckpt_lsn,
											 &c->ckpt, &e), "target_wal", &e))
		return;
	c->have_ckpt = true;
	steps_choose_recovery_start(c);
	if (!step(c, steps_list_both(c, &e), "file_list", &e))
		return;
	if (!steps_build_plan(c, &e))
	{
		step(c, false, e.kind == RW_EMISSING || e.kind == RW_ECORRUPT || e.kind == RW_EIO ?
			 "target_wal" : "plan", &e);
		return;
	}
	check_add(&c->findings, "target_wal", CHECK_OK, NULL, "the target's WAL from the last common "
			  "checkpoint's redo " LSN_FMT " to its end " LSN_FMT " is readable (%u segments "
			  "through restore_command)", LSN_ARGS(c->ckpt.redo), LSN_ARGS(c->tgt_end),
			  target_wal_restored_count(c->twal));
	check_add(&c->findings, "divergence", CHECK_OK, NULL, "a rewind is required: the servers "
			  "diverged at " LSN_FMT " on timeline %u, last common checkpoint " LSN_FMT "; it "
			  "would fetch %llu kB", LSN_ARGS(c->diverge),
			  c->tgt_history.entries[c->common_index].tli, LSN_ARGS(c->ckpt_lsn),
			  (unsigned long long) (c->plan.totals.fetch_bytes >> 10));
	check_source_retention(c, c->diverge, &c->src_history);
}

/* The preflight; changes nothing.  Fails only when findings cannot be rendered. */
void
check_run_all(rewind_ctx *c)
{
	rw_error	e;

	if (!step(c, steps_inspect_target(c, &e), "target", &e))
		return;
	check_target(c);
	if (!step(c, steps_inspect_source(c, &e), "source", &e))
		return;
	if (step(c, c->src->ops->check_server(c->src, &e), "source_privileges", &e))
		check_add(&c->findings, "source_privileges", CHECK_OK, NULL, "the source (%s) has "
				  "full_page_writes = on and its role every privilege a rewind needs",
				  c->src->description);
	if (!step(c, steps_compute_timelines(c, &e), "timelines", &e))
		return;
	if (c->tgt_tli == c->src_tli)
		check_no_divergence(c);
	else
		check_divergence(c);
	steps_compare_config(c);
}

void
check_finish(rewind_ctx *c)
{
	check_print(&c->findings, stderr);
	c->res->check_failed = check_failed(&c->findings);
	c->res->status = c->res->check_failed ? "check failed" : "check passed";
	log_info("%s", c->res->status);
	if (c->opts->format == FORMAT_JSON)
	{
		json_buffer b;

		check_json(&c->findings, json_buffer_open(&b));
		c->res->findings = json_buffer_close(&b);
	}
}

/*
 * The one sequence of a rewind's steps, for a run, a dry run and --check
 * alike (see pipeline.h).  It calls the steps in order, hands each outcome
 * to the mode, and stops where the mode says; it reads and writes nothing
 * itself.
 */
#include "run/pipeline.h"

typedef struct pipeline {
	rewind_ctx *c;
	const pipeline_mode *mode;
	rw_error   *err;			/* the run's failure */
	bool		failed;			/* err is set */
	bool		done;			/* a STEP_DONE ended the run */
} pipeline;

/* An outcome through the mode: true to go on with the next step. */
static bool
go(pipeline *p, const char *what, step_outcome o, const rw_error *e)
{
	switch (o)
	{
		case STEP_OK:
			return true;
		case STEP_DONE:
			p->done = true;
			return false;
		case STEP_FINDING:
		case STEP_STOP:
			break;
	}
	if (p->mode->failed(p->c, what, o, e))
		return o == STEP_FINDING;
	*p->err = *e;
	p->failed = true;
	return false;
}

/* Hand over to the mode at ev; a failure there is named what. */
static bool
at(pipeline *p, const char *what, pipeline_event ev)
{
	rw_error	e;

	rw_error_clear(&e);
	return go(p, what, p->mode->at(p->c, ev, &e), &e);
}

/* A step whose success the mode hears of at ev. */
static bool
step(pipeline *p, const char *what, step_outcome o, const rw_error *e, pipeline_event ev)
{
	return o == STEP_OK ? at(p, what, ev) : go(p, what, o, e);
}

/*
 * The source: its server's settings before its first file is read, but
 * the mode hears that they fit only once the source is known to match.
 */
static bool
inspect_source(pipeline *p)
{
	rewind_ctx *c = p->c;
	rw_error	e;
	step_outcome server;

	if (!go(p, "source", steps_open_source(c, &e), &e))
		return false;
	server = steps_source_server(c, &e);
	return go(p, "source_privileges", server, &e) &&
		go(p, "source", steps_source_matches(c, &e), &e) &&
		(server != STEP_OK || at(p, "source_privileges", EV_SOURCE_FITS));
}

/* Both sides, and the timelines they are on. */
static bool
inspect(pipeline *p)
{
	rewind_ctx *c = p->c;
	const pipeline_mode *m = p->mode;
	rw_error	e;

	if (!go(p, "target", steps_open_target(c, m->target_as_is, &e), &e) ||
		!go(p, "target", steps_settle_target(c, m->recovers_target, m->target_as_is, &e), &e) ||
		!at(p, "target_state", EV_TARGET_SETTLED) ||
		!step(p, "target_rewindable", steps_target_rewindable(c, &e), &e, EV_TARGET_REWINDABLE))
		return false;
	return inspect_source(p) && go(p, "timelines", steps_compute_timelines(c, &e), &e);
}

/*
 * The WAL the rewound node needs from the source, from 'from' on along
 * history.  rewinds: a rewind by the target's WAL or page LSNs is being
 * planned, which auto leaves for the block compare when the source lacks
 * that WAL.
 */
static bool
wal_needed(pipeline *p, lsn_t from, const tl_history *history, bool rewinds)
{
	rewind_ctx *c = p->c;
	rw_error	e;

	return go(p, "source_wal", steps_list_source_wal(c, from, history, &e), &e) &&
		at(p, "source_wal", EV_SOURCE_LISTED) &&
		go(p, "source_wal", steps_target_restore_command(c, &e), &e) &&
		(!rewinds || go(p, "source_wal", steps_source_wal_gap(c, &e), &e)) &&
		at(p, "source_wal", EV_WAL_NEEDED);
}

/* No rewind required: the source must still have the WAL from the target's end on. */
static bool
no_rewind(pipeline *p, const tl_history *history)
{
	return at(p, "divergence", EV_NO_REWIND) && wal_needed(p, p->c->tgt_end, history, false) &&
		at(p, "divergence", EV_NO_REWIND_END);
}

/* Same timeline on both sides: nothing to rewind unless the target is ahead. */
static bool
same_timeline(pipeline *p)
{
	rewind_ctx *c = p->c;
	rw_error	e;
	step_outcome o = steps_same_timeline(c, &e);
	tl_history	single;
	bool		ok;

	if (!go(p, o == STEP_OK || e.kind == RW_ESTATE ? "divergence" : "target_wal", o, &e))
		return false;
	tl_single(c->src_tli, &single);
	ok = no_rewind(p, &single);
	tl_free(&single);
	return ok;
}

/* A plan that failed on the target's WAL says so. */
static const char *
plan_failure(const rw_error *e)
{
	return e->kind == RW_EMISSING || e->kind == RW_ECORRUPT || e->kind == RW_EIO ?
		"target_wal" : "plan";
}

/*
 * --method=compare: every file compared within a base backup of the
 * source; the target's WAL is not read.  Only a run takes the backup and
 * reads the files; a dry run and --check plan from the listings.
 */
static bool
compared(pipeline *p)
{
	rewind_ctx *c = p->c;
	rw_error	e;
	step_outcome o;

	rw_error_clear(&e);
	if (!go(p, "base_backup", steps_compare_start(c, p->mode->compares_contents, &e), &e) ||
		!go(p, "file_list", steps_list_both(c, &e), &e))
		return false;
	o = steps_build_compare_plan(c, p->mode->compares_contents, &e);
	return step(p, "plan", o, &e, EV_PLANNED) &&
		wal_needed(p, steps_needed_wal_from(c), &c->src_history, false);
}

/* Diverged timelines: where, and what the target must lose. */
static bool
diverged(pipeline *p)
{
	rewind_ctx *c = p->c;
	rw_error	e;
	step_outcome o;

	rw_error_clear(&e);
	if (!at(p, "divergence", EV_DIVERGED))
		return false;
	if (steps_compares(c))
		return compared(p);
	if (!go(p, "target_wal", steps_read_target_wal(c, &e), &e))
		return false;
	if (c->tgt_end <= c->diverge)
		return no_rewind(p, &c->src_history);
	if (!step(p, "target_wal", steps_find_checkpoint(c, &e), &e, EV_CHECKPOINT))
		return false;
	steps_choose_recovery_start(c);
	/* the WAL the node needs before the plan: without it auto compares instead */
	if (!go(p, "file_list", steps_list_both(c, &e), &e) ||
		!wal_needed(p, steps_needed_wal_from(c), &c->src_history, true))
		return false;
	o = steps_build_plan(c, p->mode->compares_contents, &e);
	return step(p, plan_failure(&e), o, &e, EV_PLANNED);
}

/*
 * Both timeline histories and where they part.  Timeline 1 on both sides
 * has no history to read.  The same timeline number on both sides is not
 * enough to be one timeline: a backup restored and promoted gets the next
 * number free in its own pg_wal, which the source may have used for a
 * timeline of its own that began elsewhere.
 */
static bool
histories(pipeline *p)
{
	rewind_ctx *c = p->c;
	rw_error	e;

	rw_error_clear(&e);
	if (c->tgt_tli == 1 && c->src_tli == 1)
		return true;
	return step(p, "timeline_history", steps_load_histories(c, &e), &e, EV_HISTORIES) &&
		go(p, "divergence", steps_find_divergence(c, &e), &e);
}

bool
pipeline_run(rewind_ctx *c, const pipeline_mode *mode, rw_error *err)
{
	pipeline	p = {.c = c, .mode = mode, .err = err};

	if (!inspect(&p) || !histories(&p))
		return !p.failed;
	if (!c->diverged)
		same_timeline(&p);
	else
		diverged(&p);
	if (p.failed || p.done)
		return !p.failed;
	/*
	 * The configuration does not depend on the branch: --check compares it
	 * also when it recorded a failure there
	 */
	if (mode->compares_config_files)
		steps_compare_config_files(c);
	if (!at(&p, "config", EV_CONFIG_COMPARED))
		return !p.failed;
	steps_compare_standby_settings(c);
	if (at(&p, "standby_settings", EV_STANDBY_SETTINGS))
		at(&p, "ready", EV_READY);
	return !p.failed;
}

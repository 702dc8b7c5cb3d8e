/*
 * The one sequence of steps (steps.h) that a run, a dry run and --check
 * share.  The mode decides at the edges: what it allows the steps (reading
 * a target as it is, crash recovery, reading file contents), what it says
 * of each outcome, whether a finding stops it, and what it does at the
 * points where the sequence hands over (no rewind required, the plan
 * ready).
 */
#ifndef RW_PIPELINE_H
#define RW_PIPELINE_H

#include <stdbool.h>

#include "error.h"
#include "run/steps.h"

/*
 * The points where the sequence hands over to the mode, in their order; but
 * a rewind by the target's WAL or page LSNs knows the WAL the node needs
 * (EV_SOURCE_LISTED, EV_WAL_NEEDED) before its plan (EV_PLANNED).
 */
typedef enum pipeline_event {
	EV_TARGET_SETTLED,			/* the target's state is known (c->target_unclean) */
	EV_TARGET_REWINDABLE,		/* checksums or wal_log_hints, and its state, fit */
	EV_SOURCE_FITS,				/* the source's settings and privileges fit,
								 * and it matches the target */
	EV_HISTORIES,				/* both timelines' histories are read */
	EV_DIVERGED,				/* c->diverge is known */
	EV_NO_REWIND,				/* the target has nothing of its own to undo */
	EV_CHECKPOINT,				/* the last common checkpoint is known */
	EV_PLANNED,					/* c->plan is built */
	EV_SOURCE_LISTED,			/* c->wal_needed: the source's listing is known */
	EV_WAL_NEEDED,				/* c->wal_needed: the target's restore_command too */
	EV_NO_REWIND_END,			/* no rewind required: the end of that branch */
	EV_CONFIG_COMPARED,			/* c->config_diffs */
	EV_STANDBY_SETTINGS,		/* c->low_settings */
	EV_READY					/* everything is known: what the mode is for */
} pipeline_event;

typedef struct pipeline_mode {
	/* --check: read the target as it is (running, or not shut down cleanly) */
	bool		target_as_is;
	/* a run: crash recovery of a target that was not shut down cleanly */
	bool		recovers_target;
	/* a run: read file contents to leave identical files out of the plan */
	bool		compares_contents;
	/* compare the configuration files with the source's (reads their contents) */
	bool		compares_config_files;

	/*
	 * A step failed (STEP_FINDING or STEP_STOP, err set), "what" naming it.
	 * True when the mode has recorded it and goes on (after a STEP_STOP,
	 * with the steps that do not depend on the failed one); false makes
	 * err the run's failure.
	 */
	bool		(*failed) (rewind_ctx *c, const char *what, step_outcome o, const rw_error *err);

	/*
	 * What the mode says and does at ev.  Its outcome goes the way of a
	 * step's: STEP_DONE ends the run with c->status set.
	 */
	step_outcome (*at) (rewind_ctx *c, pipeline_event ev, rw_error *err);
} pipeline_mode;

/*
 * Run the sequence in mode.  Fails (err set) when a step failed and the
 * mode did not record it; otherwise c->status says how it ended.
 */
bool		pipeline_run(rewind_ctx *c, const pipeline_mode *mode, rw_error *err);

#endif

/*
 * The steps of the pipeline (pipeline.c) that a run, a dry run and --check
 * share: inspecting both sides, finding where the histories part, reading
 * the target's WAL, listing, planning, the WAL the rewound node needs,
 * comparing the configuration.  Each step leaves what it found in the
 * context and returns its outcome; none knows the mode: what a mode allows
 * comes in as an argument, and what it says of an outcome is its own
 * (pipeline.h).  Internal to src/run/.
 */
#ifndef RW_STEPS_H
#define RW_STEPS_H

#include <stdbool.h>

#include "blockmap.h"
#include "plan/block_compare.h"
#include "plan/estimate.h"
#include "plan/method.h"
#include "plan/needed_wal.h"
#include "control.h"
#include "error.h"
#include "run/execute.h"
#include "filelist.h"
#include "util/check_findings.h"
#include "ledger.h"
#include "lsn.h"
#include "run/options.h"
#include "plan/plan.h"
#include "config/config_files.h"
#include "report/report.h"
#include "plan/scan.h"
#include "salvage/salvage.h"
#include "source/source.h"
#include "target/target.h"
#include "target/targetwal.h"
#include "timeline.h"
#include "walreader.h"

/* What a step found. */
typedef enum step_outcome {
	STEP_OK,					/* go on */
	STEP_FINDING,				/* err: a reason the rewind would fail; the steps
								 * that do not depend on this one can still run */
	STEP_STOP,					/* err: why the steps after this one cannot run */
	STEP_DONE					/* nothing is left to do (no rewind required) */
} step_outcome;

/* A comparison that reports and never stops: what it found, or why it could not. */
typedef struct step_comparison {
	bool		done;			/* it ran: items or err hold its result */
	bool		failed;			/* err says why it could not compare */
	str_list	items;
	rw_error	err;
} step_comparison;

/* Everything one run owns; released in one place (steps_free). */
typedef struct rewind_ctx {
	const rewind_options *opts;
	const char *status;			/* how the run ended, for its result; NULL: failed */
	target		tgt;
	bool		target_unclean;	/* taken as it is, though it needs crash recovery */
	char	   *postgres;		/* the target's postgres program, found on demand */
	char	   *restore_command;

	source	   *src;
	pg_control	src_control;
	source_wal_position src_pos;

	uint32_t	tgt_tli;
	uint32_t	src_tli;
	tl_history	tgt_history;
	tl_history	src_history;
	bool		diverged;		/* diverge and common_index are known */
	lsn_t		diverge;
	size_t		common_index;

	target_wal *twal;
	wal_reader *reader;
	lsn_t		tgt_end;

	bool		have_ckpt;
	lsn_t		ckpt_lsn;		/* last common checkpoint */
	pg_checkpoint ckpt;
	lsn_t		start_redo;		/* where recovery of the rewound target starts */
	lsn_t		start_ckpt;
	uint32_t	start_tli;

	file_list	src_files;
	file_list	tgt_files;
	blockmap   *map;
	scan_stats	stats;
	ledger	   *ledger;			/* what the target loses, filled by the scan */
	bool		planned;
	/*
	 * auto: the WAL and the page-LSN scan were refused once the listing was
	 * read (method.refused says why); the run starts again with the block
	 * compare, which takes its base backup before the listing
	 */
	bool		retry_as_compare;
	plan		plan;
	method_choice method;		/* how the plan found the changed blocks, once planned */
	compare_stats compared;		/* --method=compare: what the compare read and found */
	plan_estimate estimate;		/* reads and transfer, before contents are compared */
	bool		backup_started;	/* --method=compare: a base backup runs on the source */
	source_backup_end backup;	/* ... and what it left when it stopped */
	needed_wal	wal_needed;		/* the WAL the rewound node needs
								 * (steps_list_source_wal) */
	source_wal_retention retention;	/* --check: what keeps that WAL on the source */
	size_t		wal_missing;	/* segments the rewound node needs that the source's
								 * listing lacks */
	execute_outcome copied;		/* what changed on the source during the copy */
	size_t		wal_vanished;	/* needed segments among copied.vanished */
	rel_names	names;
	salvage_result salvage;		/* --salvage, once written */
	str_list	config_files;	/* the target's configuration (config_target_files) */
	step_comparison config_diffs;	/* configuration that differs from the source's */
	step_comparison low_settings;	/* settings below the source's a standby needs */
	check_findings findings;	/* --check */
} rewind_ctx;

void		steps_free(rewind_ctx *c);

/*
 * Step 1: the target's version, control file and state.  may_run: read a
 * running server's files as they are.
 */
step_outcome steps_open_target(rewind_ctx *c, bool may_run, rw_error *err);

/*
 * A target that was not shut down cleanly: crash recovery first when
 * recover (and not --no-ensure-shutdown); otherwise taken as it is
 * (target_unclean) when as_is or when crash recovery would be allowed.
 */
step_outcome steps_settle_target(rewind_ctx *c, bool recover, bool as_is, rw_error *err);

/* Data checksums or wal_log_hints, and a clean shutdown unless taken as it is. */
step_outcome steps_target_rewindable(rewind_ctx *c, rw_error *err);

/* Step 2: connect to the source (or open its directory). */
step_outcome steps_open_source(rewind_ctx *c, rw_error *err);

/*
 * The source server's settings and its role's privileges, before its
 * first file is read: without them that read fails with "permission
 * denied" and no word of the GRANTs that fix it.
 */
step_outcome steps_source_server(rewind_ctx *c, rw_error *err);

/* The source's version, system and control file match the target's. */
step_outcome steps_source_matches(rewind_ctx *c, rw_error *err);
bool		steps_read_source_control(rewind_ctx *c, pg_control *out, rw_error *err);

/*
 * Step 3: the timelines of both sides (a standby source's from its newest
 * history file).
 */
step_outcome steps_compute_timelines(rewind_ctx *c, rw_error *err);

/* Same timeline on both sides: STEP_STOP (RW_ESTATE) when the target is ahead. */
step_outcome steps_same_timeline(rewind_ctx *c, rw_error *err);

/* The histories of both timelines. */
step_outcome steps_load_histories(rewind_ctx *c, rw_error *err);

/*
 * Where the histories part; c->diverged stays false when they are one
 * history (the same timeline on both sides).
 */
step_outcome steps_find_divergence(rewind_ctx *c, rw_error *err);

/* Step 4: the target's WAL along its history, and where it ends. */
step_outcome steps_read_target_wal(rewind_ctx *c, rw_error *err);

/*
 * Rung 3 (steps_pagelsn.c).  steps_pagelsn_wal_end: after find_target_end
 * failed with err, may the page-LSN scan take over (not --method=wal, WAL
 * that could not be read, a target whose last checkpoint is past the
 * divergence point)?  Then the failure is noted, err cleared and tgt_end
 * set from the control file.  steps_pagelsn_note: note why the WAL could
 * not be used.  steps_pagelsn_blocks: refuse when the scan cannot be proven
 * (see method_pagelsn_provable; --salvage), otherwise the block map of
 * rung 3 and an empty ledger.
 */
bool		steps_pagelsn_wal_end(rewind_ctx *c, rw_error *err);
void		steps_pagelsn_note(rewind_ctx *c, const rw_error *err);
bool		steps_pagelsn_blocks(rewind_ctx *c, rw_error *err);

/* Step 5: the last common checkpoint ... */
step_outcome steps_find_checkpoint(rewind_ctx *c, rw_error *err);

/* ... and where recovery of the rewound node starts (see the function). */
void		steps_choose_recovery_start(rewind_ctx *c);

/*
 * Once the target's WAL is scanned (replayed: the blocks the scan leaves to
 * replay from the last common redo point): recovery starts at the source's
 * last redo point instead, when it is later and the blocks it adds to the
 * copy weigh less than the WAL replay it saves; the block map then holds
 * what the source changed since the divergence point (steps_late_start.c).
 * The source's WAL missing, damaged or refused keeps the start; false
 * when the source itself failed (err set).
 */
bool		steps_late_start(rewind_ctx *c, const blockmap *replayed, rw_error *err);

/*
 * Steps 6 to 8: both file lists, the changed blocks, the plan.  With
 * compare_contents, files identical on both sides leave the plan (their
 * contents are read); without, the plan counts whole-file copies.
 */
step_outcome steps_list_both(rewind_ctx *c, rw_error *err);
step_outcome steps_build_plan(rewind_ctx *c, bool compare_contents, rw_error *err);

/*
 * --method=compare, in place of steps 4 to 8 (steps_compare.c).  Where
 * recovery of the rewound node starts: with take_backup, a base backup
 * started on a running source now (stopped after the copy, perform.c);
 * a stopped source's last checkpoint; else (a dry run, --check) the
 * source's last checkpoint as an estimate.
 */
step_outcome steps_compare_start(rewind_ctx *c, bool take_backup, rw_error *err);

/* The block compare is the method: asked for, or auto's last rung (method.refused). */
bool		steps_compares(const rewind_ctx *c);

/*
 * Under auto, err says why neither the WAL nor the page-LSN scan can be
 * proven: note it as the reason for the block compare (true).  False,
 * err left as it is, when the compare cannot take over: another method
 * was asked for, --salvage (the compare cannot find the rows the target
 * loses), or err is not about what the target's WAL or pages can prove.
 */
bool		steps_compare_instead(rewind_ctx *c, const rw_error *err);

/*
 * The plan of the block compare: both listings, and with compare_contents
 * every file both sides have compared (without, only the listings decide,
 * as an estimate).
 */
step_outcome steps_build_compare_plan(rewind_ctx *c, bool compare_contents, rw_error *err);

/*
 * The reads on each side and the transfer of plan c->plan built for method
 * m, before any file content is compared (c->estimate; steps_estimate.c).
 */
void		steps_estimate(rewind_ctx *c, rewind_method m);

/*
 * The WAL the rewound node needs from the source, from 'from' on along
 * history: the source is listed if it was not yet, and c->wal_needed and
 * c->wal_missing are set.
 */
step_outcome steps_list_source_wal(rewind_ctx *c, lsn_t from, const tl_history *history,
								   rw_error *err);

/*
 * When the source lacks a segment of c->wal_needed, its
 * target_restore_command: the target's restore_command as its server would
 * see it (postgres -C; NULL when unset), for the decision of needed_wal_gap.
 * Stops when that cannot be read.
 */
step_outcome steps_target_restore_command(rewind_ctx *c, rw_error *err);

/*
 * auto, before the plan: WAL the rewound node needs that the source no
 * longer has and the target cannot restore (needed_wal_gap's error) leaves
 * only the block compare, which needs the source's WAL from its own base
 * backup on: the run starts again with it (c->retry_as_compare, stopping
 * here).  With --salvage that is refused.  Any other method, or no gap: OK,
 * the gap is decided at EV_WAL_NEEDED.
 */
step_outcome steps_source_wal_gap(rewind_ctx *c, rw_error *err);

/*
 * Where the WAL the rewound node needs from the source begins, once both
 * sides are listed: the divergence point, or the start of the first segment
 * of the shared history (from the recovery start on) that the target's
 * pg_wal lacks, which the plan copies from the source.
 */
lsn_t		steps_needed_wal_from(const rewind_ctx *c);

/* The source's WAL segments from 'from' on, named after history, up to its end. */
void		steps_source_wal_input(const rewind_ctx *c, lsn_t from, const tl_history *history,
								   needed_wal *in);

/* Which configuration files and settings differ from the source's (c->config_diffs). */
void		steps_compare_config_files(rewind_ctx *c);

/* Settings below the source's that keep a standby from starting (c->low_settings). */
void		steps_compare_standby_settings(rewind_ctx *c);

#endif

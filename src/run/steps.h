/*
 * The steps a run and a --check share: inspecting both sides, finding
 * where the histories part, reading the target's WAL, listing, planning,
 * comparing the configuration.  Internal to rewind.c and check_run.c; each
 * step fails with err set and leaves what it found in the context.
 */
#ifndef RW_STEPS_H
#define RW_STEPS_H

#include <stdbool.h>

#include "blockmap.h"
#include "plan/check_wal.h"
#include "control.h"
#include "error.h"
#include "run/execute.h"
#include "source/filelist.h"
#include "util/findings.h"
#include "ledger.h"
#include "lsn.h"
#include "run/options.h"
#include "plan/plan.h"
#include "config/config_files.h"
#include "report/report.h"
#include "run/rewind.h"
#include "plan/scan.h"
#include "salvage/salvage.h"
#include "source/source.h"
#include "target/target.h"
#include "target/targetwal.h"
#include "timeline.h"
#include "walreader.h"

/* Everything one run owns; released in one place (steps_free). */
typedef struct rewind_ctx {
	const rewind_options *opts;
	rewind_result *res;
	target		tgt;
	bool		target_unclean;	/* dry run on a target that needs crash recovery */
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
	plan		plan;
	size_t		wal_missing;	/* segments the rewound node needs that the source's
								 * listing lacks */
	execute_outcome copied;		/* what changed on the source during the copy */
	size_t		wal_vanished;	/* needed segments among copied.vanished */
	rel_names	names;
	salvage_result salvage;		/* --salvage, once written */
	check_findings findings;	/* --check */
	str_list	config_files;	/* the target's configuration (config_target_files) */
} rewind_ctx;

void		steps_free(rewind_ctx *c);

/* Step 1: the target's version, control file and state (crash recovery first if needed). */
bool		steps_inspect_target(rewind_ctx *c, rw_error *err);

/* Step 2: connect to the source, check its version and system, read its control file. */
bool		steps_inspect_source(rewind_ctx *c, rw_error *err);
bool		steps_read_source_control(rewind_ctx *c, pg_control *out, rw_error *err);

/*
 * Step 3: the timelines of both sides (a standby source's from its newest
 * history file) and their histories.
 */
bool		steps_compute_timelines(rewind_ctx *c, rw_error *err);
bool		steps_load_history(rewind_ctx *c, bool from_source, uint32_t tli, tl_history *out,
							   rw_error *err);

/* Step 4: the target's WAL along history, and where it ends. */
bool		steps_open_target_wal(rewind_ctx *c, const tl_history *history, rw_error *err);
bool		steps_find_target_end(rewind_ctx *c, rw_error *err);

/* Same timeline on both sides: fails (RW_ESTATE) when the target is ahead. */
bool		steps_check_same_timeline(rewind_ctx *c, rw_error *err);

/* Where recovery of the rewound node starts (see the function). */
void		steps_choose_recovery_start(rewind_ctx *c);

/* Steps 6 to 8: both file lists, the changed blocks, the plan. */
bool		steps_list_both(rewind_ctx *c, rw_error *err);
bool		steps_build_plan(rewind_ctx *c, rw_error *err);

/* The source's WAL segments from 'from' on, named after history, up to its end. */
void		steps_source_wal_input(const rewind_ctx *c, lsn_t from, const tl_history *history,
								   check_wal_input *in);

/* Which configuration files and settings differ; settings a standby needs. */
void		steps_compare_config(rewind_ctx *c);

#endif

/*
 * The shared steps of a rewind (see steps.h).  They read both sides and
 * fill the context; the only change one makes is the target's crash
 * recovery, when the pipeline allows it.
 */
#include "run/steps.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_compare.h"
#include "config/config_files.h"
#include "util/fileutil.h"
#include "plan/skip_identical.h"
#include "plan/listing_safety.h"
#include "source/filelist_local.h"
#include "util/log.h"
#include "config/standby_settings.h"
#include "xalloc.h"

void
steps_free(rewind_ctx *c)
{
	check_free(&c->findings);
	str_list_free(&c->config_diffs.items);
	str_list_free(&c->low_settings.items);
	str_list_free(&c->config_files);
	plan_free(&c->plan);
	execute_outcome_free(&c->copied);
	rel_names_free(&c->names);
	salvage_result_free(&c->salvage);
	ledger_free(c->ledger);
	if (c->map)
		blockmap_free(c->map);
	file_list_free(&c->src_files);
	file_list_free(&c->tgt_files);
	if (c->reader)
		walreader_free(c->reader);
	target_wal_close(c->twal);
	tl_free(&c->tgt_history);
	tl_free(&c->src_history);
	if (c->src)
		c->src->ops->close(c->src);
	free(c->restore_command);
	free(c->postgres);
	free(c->backup.label);
	free(c->backup.tablespace_map);
}

static bool
find_postgres(rewind_ctx *c, rw_error *err)
{
	if (c->postgres)
		return true;
	return target_find_postgres(c->tgt.pgdata, c->opts->postgres_bindir, c->tgt.major,
								&c->postgres, err);
}

/* --- step 1: the target ------------------------------------------------- */

/*
 * Can the target's files be judged by its control file and WAL as they are?
 * A standby that crashed ("in archive recovery") can: in recovery
 * PostgreSQL writes no page whose changes go past minRecoveryPoint (and sets
 * it to the end of pg_wal before leaving the crash recovery of a former
 * primary), so, as for a stopped standby, its files hold the changes of its
 * WAL up to there and no further (find_target_end).  Single-user mode,
 * which crash recovery would use, refuses a standby's standby.signal.
 */
static bool
target_settled(const pg_control *ctl)
{
	return ctl->state == DBSTATE_SHUTDOWNED || ctl->state == DBSTATE_SHUTDOWNED_IN_RECOVERY ||
		ctl->state == DBSTATE_IN_ARCHIVE_RECOVERY;
}

step_outcome
steps_open_target(rewind_ctx *c, bool may_run, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;

	if (!target_open(c->opts->target_pgdata, may_run, c->opts->shutdown_wait, &c->tgt, err))
		return STEP_STOP;
	if (ctl->state == DBSTATE_IN_ARCHIVE_RECOVERY)
		log_info("target was a standby that did not shut down cleanly (\"%s\"): its files hold "
				 "its WAL up to its minimum recovery point " LSN_FMT ", no crash recovery needed",
				 control_state_name(ctl->state), LSN_ARGS(ctl->min_recovery_point));
	return STEP_OK;
}

step_outcome
steps_settle_target(rewind_ctx *c, bool recover, bool as_is, rw_error *err)
{
	if (target_settled(&c->tgt.control))
		return STEP_OK;
	if (recover && c->opts->ensure_shutdown)
		return find_postgres(c, err) &&
			target_crash_recovery(&c->tgt, c->postgres, c->opts->config_file, err) ?
			STEP_OK : STEP_STOP;
	if (as_is || c->opts->ensure_shutdown)
		c->target_unclean = true;
	return STEP_OK;
}

/*
 * A crashed standby is taken as it is; so is any target the pipeline took
 * as it is.  The block compare reads every file and needs no hint bits in
 * the WAL: auto takes it when the target has none.
 */
step_outcome
steps_target_rewindable(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;

	if (c->opts->method == METHOD_AUTO && !steps_compares(c) &&
		ctl->data_checksum_version == 0 && !ctl->wal_log_hints)
	{
		rw_fail(err, RW_ESTATE, "the target has neither data checksums nor wal_log_hints = on "
				"(pg_control), so a page whose hint bits it set after the divergence point "
				"shows in neither its WAL nor its page LSN");
		if (c->opts->salvage_dir)
		{
			rw_context(err, "--salvage cannot be used");
			rw_hint(err, "Nothing was changed. --salvage needs a method that reads the target's "
					"WAL. Without --salvage, rewind compares every file with the source's "
					"(--method=compare), and the rows the target loses cannot be listed or saved.");
			return STEP_FINDING;
		}
		steps_compare_instead(c, err);
		rw_error_clear(err);
	}
	return target_check_rewindable(&c->tgt, !steps_compares(c),
								   !c->target_unclean &&
								   ctl->state != DBSTATE_IN_ARCHIVE_RECOVERY, err) ?
		STEP_OK : STEP_FINDING;
}

/* --- step 2: the source ------------------------------------------------- */

bool
steps_read_source_control(rewind_ctx *c, pg_control *out, rw_error *err)
{
	uint8_t    *data;
	size_t		len;
	bool		missing, ok;

	if (!c->src->ops->read_file(c->src, "global/pg_control", false, &data, &len, &missing, err))
		return false;
	ok = control_parse(data, len, c->tgt.major, "source pg_control", out, err);
	free(data);
	return ok;
}

static bool
source_version_matches(rewind_ctx *c, rw_error *err)
{
	uint8_t    *data;
	size_t		len;
	bool		missing;
	int			major;
	bool		parsed;

	if (!c->src->ops->read_file(c->src, "PG_VERSION", false, &data, &len, &missing, err))
		return false;
	parsed = pgver_parse_pg_version((const char *) data, len, &major);
	free(data);
	if (!parsed)
		return rw_fail(err, RW_ECORRUPT, "the source's PG_VERSION does not contain a version number");
	if (major != c->tgt.major)
	{
		rw_fail(err, RW_EMISMATCH, "source is PostgreSQL %d but target is PostgreSQL %d", major,
				c->tgt.major);
		rw_hint(err, "Both must be the same major version; a rewind cannot cross an upgrade.");
		return false;
	}
	return true;
}

step_outcome
steps_open_source(rewind_ctx *c, rw_error *err)
{
	source_spec spec;

	options_source_spec(c->opts, &spec);
	c->src = source_open(&spec, err);
	return c->src ? STEP_OK : STEP_STOP;
}

step_outcome
steps_source_server(rewind_ctx *c, rw_error *err)
{
	return c->src->ops->check_server(c->src, steps_compares(c), err) ?
		STEP_OK : STEP_FINDING;
}

step_outcome
steps_source_matches(rewind_ctx *c, rw_error *err)
{
	const pg_control *t = &c->tgt.control, *s = &c->src_control;

	if (!source_version_matches(c, err) || !steps_read_source_control(c, &c->src_control, err))
		return STEP_STOP;
	if (s->system_identifier != t->system_identifier)
	{
		rw_fail(err, RW_EMISMATCH, "source and target clusters are from different systems "
				"(source system identifier %llu, target %llu)",
				(unsigned long long) s->system_identifier,
				(unsigned long long) t->system_identifier);
		rw_hint(err, "The source must be a node of the same cluster (made from the target by a "
				"base backup, or the other way round).");
		return STEP_STOP;
	}
	if (s->catversion != t->catversion || s->xlog_seg_size != t->xlog_seg_size ||
		s->blcksz != t->blcksz || s->xlog_blcksz != t->xlog_blcksz)
	{
		rw_fail(err, RW_EMISMATCH, "source and target clusters are not compatible "
				"(catalog version, block or WAL segment size differ)");
		return STEP_STOP;
	}
	if (c->src->stopped && s->state != DBSTATE_SHUTDOWNED &&
		s->state != DBSTATE_SHUTDOWNED_IN_RECOVERY)
	{
		rw_fail(err, RW_ESTATE, "source data directory must be shut down cleanly "
				"(pg_control says \"%s\")", control_state_name(s->state));
		return STEP_STOP;
	}
	if (!c->src->ops->wal_position(c->src, &c->src_pos, err))
		return STEP_STOP;
	log_debug("source: %s", c->src->description);
	return STEP_OK;
}

/* --- step 3: where the histories part ----------------------------------- */

static bool
load_history(rewind_ctx *c, bool from_source, uint32_t tli, tl_history *out, rw_error *err)
{
	char		name[17], rel[32];
	uint8_t    *data;
	size_t		len;
	bool		missing, ok;

	if (tli == 1)
	{
		tl_single(1, out);
		return true;
	}
	wal_history_name(name, tli);
	snprintf(rel, sizeof(rel), "pg_wal/%s", name);
	if (from_source)
		ok = c->src->ops->read_file(c->src, rel, false, &data, &len, &missing, err);
	else
	{
		char	   *path = xasprintf("%s/%s", c->tgt.pgdata, rel);

		ok = file_read_all(path, &data, &len, err);
		free(path);
	}
	if (!ok)
	{
		rw_context(err, "could not read the timeline history of the %s (timeline %u)",
				   from_source ? "source" : "target", tli);
		rw_hint(err, "The history file \"%s\" must be in the %s's pg_wal; restore it from the "
				"archive.", rel, from_source ? "source" : "target");
		return false;
	}
	ok = tl_parse((const char *) data, len, tli, rel, out, err);
	free(data);
	if (!ok)
		rw_context(err, "%s timeline history", from_source ? "source" : "target");
	return ok;
}

/*
 * The newest timeline a standby (or a stopped standby's directory) source
 * follows, from tli on: the newest history file in its pg_wal whose history
 * holds tli, found the way recovery_target_timeline = 'latest' finds it.
 * A standby that replayed a promotion but has had no restartpoint since
 * still names the old timeline in its control file.
 */
static bool
newest_source_timeline(rewind_ctx *c, uint32_t *tli, rw_error *err)
{
	for (uint32_t next = *tli + 1; next != 0; next++)
	{
		char		name[17], rel[32];
		uint8_t    *data;
		size_t		len;
		bool		missing = false, parsed, follows;
		tl_history	h = {0};

		wal_history_name(name, next);
		snprintf(rel, sizeof(rel), "pg_wal/%s", name);
		if (!c->src->ops->read_file(c->src, rel, true, &data, &len, &missing, err))
			return false;
		if (missing)
			return true;
		parsed = tl_parse((const char *) data, len, next, rel, &h, err);
		follows = parsed && tl_contains(&h, *tli, NULL);
		free(data);
		tl_free(&h);
		if (!parsed)
		{
			rw_context(err, "source timeline history");
			return false;
		}
		if (!follows)
			return true;		/* a sibling's branch, not one this source follows */
		log_debug("the source's pg_wal has %s: it follows timeline %u", rel, next);
		*tli = next;
	}
	return true;
}

step_outcome
steps_compute_timelines(rewind_ctx *c, rw_error *err)
{
	c->tgt_tli = control_timeline(&c->tgt.control);
	c->src_tli = control_timeline(&c->src_control);
	/*
	 * A server promoted moments ago has not written a checkpoint on its new
	 * timeline yet; its control file still names the old one.  The timeline
	 * it inserts WAL on now is the truth.
	 */
	if (c->src_pos.tli > c->src_tli)
		c->src_tli = c->src_pos.tli;
	/* a standby: the timeline it replays or is about to */
	if ((c->src_pos.in_recovery || c->src_control.state == DBSTATE_SHUTDOWNED_IN_RECOVERY) &&
		!newest_source_timeline(c, &c->src_tli, err))
		return STEP_STOP;
	return STEP_OK;
}

step_outcome
steps_load_histories(rewind_ctx *c, rw_error *err)
{
	return load_history(c, true, c->src_tli, &c->src_history, err) &&
		load_history(c, false, c->tgt_tli, &c->tgt_history, err) ? STEP_OK : STEP_STOP;
}

step_outcome
steps_find_divergence(rewind_ctx *c, rw_error *err)
{
	if (!tl_find_divergence(&c->src_history, &c->tgt_history, &c->diverge, &c->common_index,
							err))
		return STEP_STOP;
	/* two histories of one timeline that agree everywhere never part */
	c->diverged = c->diverge != LSN_INVALID;
	return STEP_OK;
}

/* --- step 4: the target's WAL ------------------------------------------- */

static bool
open_target_wal(rewind_ctx *c, const tl_history *history, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;

	if (c->opts->restore_target_wal && c->restore_command == NULL)
	{
		if (!find_postgres(c, err) ||
			!target_restore_command(&c->tgt, c->postgres, c->opts->config_file,
									&c->restore_command, err))
			return false;
		log_debug("using the target's restore_command (its value is not shown)");
	}
	c->twal = target_wal_open(c->tgt.pgdata, history, ctl->xlog_seg_size, ctl->xlog_blcksz,
							  c->restore_command);
	/* the history both sides share: the source has the same segments */
	if (c->diverged)
	{
		/* the source's timeline from the divergence point on (its own, if it never switched) */
		size_t		next = c->common_index + 1 < c->src_history.n ?
			c->common_index + 1 : c->common_index;

		target_wal_share_source(c->twal, c->src, c->diverge, c->src_history.entries[next].tli);
	}
	c->reader = walreader_new(c->tgt.ver, ctl->system_identifier, ctl->xlog_seg_size,
							  ctl->xlog_blcksz, target_wal_page_reader(c->twal));
	return true;
}

/*
 * The WAL read ended at the divergence point in a segment the target lacks
 * and whose shared part the source supplied: say that, not that it is
 * damaged.
 */
static void
tail_gone(const rewind_ctx *c, rw_error *err)
{
	uint32_t	segsize = c->tgt.control.xlog_seg_size;
	uint64_t	segno = lsn_segno(c->diverge, segsize);
	char		seg[WAL_FILE_NAME_LEN + 1];

	wal_file_name(seg, tl_tli_for_segment(&c->tgt_history, segno, segsize), segno, segsize);
	rw_error_clear(err);
	rw_fail(err, RW_EMISSING, "the target's WAL after the divergence point " LSN_FMT " is gone: "
			"could not open file \"%s/pg_wal/%s\" (recycled or removed), and the source has "
			"only its part before that point", LSN_ARGS(c->diverge), c->tgt.pgdata, seg);
	rw_hint(err, "Nothing was changed. If that WAL was archived, set restore_command for the "
			"target and pass -c/--restore-target-wal; otherwise --method=auto uses the "
			"page-LSN scan where it can be proven, else the block compare (--method=compare).");
}

/*
 * Where the target's WAL ends: its shutdown checkpoint; for a target that
 * needs crash recovery, the end of its valid WAL; for a standby (stopped or
 * crashed), the later of its minRecoveryPoint, up to which its files may
 * hold changes, and the end of the valid WAL in its pg_wal: WAL it received
 * but did not replay is replayed from there when it starts again, before it
 * asks the source for anything, so it counts as the target's own.
 */
static bool
find_target_end(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	bool		standby = ctl->state == DBSTATE_SHUTDOWNED_IN_RECOVERY ||
		ctl->state == DBSTATE_IN_ARCHIVE_RECOVERY;
	bool		ok;

	if (c->target_unclean || standby)
	{
		ok = scan_end_of_valid_wal(c->reader, ctl->checkpoint, &c->tgt_end, err);
		/* the valid WAL read from the source's copy ends at D: the target's own end is unknown */
		if (ok && target_wal_prefix_from_source(c->twal))
		{
			tail_gone(c, err);
			ok = false;
		}
	}
	else
		ok = scan_checkpoint_end(c->reader, ctl->checkpoint, &c->tgt_end, err);
	if (!ok)
		return false;
	if (ctl->min_recovery_point > c->tgt_end)
		c->tgt_end = ctl->min_recovery_point;
	log_debug("target's WAL ends at " LSN_FMT, LSN_ARGS(c->tgt_end));
	return true;
}

/*
 * Same timeline on both sides: nothing diverged, unless the target is ahead
 * of the source, in which case it cannot follow it at all.
 */
step_outcome
steps_same_timeline(rewind_ctx *c, rw_error *err)
{
	tl_history	single;
	bool		ahead;

	log_info("source and target cluster are on the same timeline");
	tl_single(c->tgt_tli, &single);
	if (!open_target_wal(c, &single, err) || !find_target_end(c, err))
	{
		tl_free(&single);
		return STEP_STOP;
	}
	/* the reader keeps a pointer to the history; drop both now */
	walreader_free(c->reader);
	target_wal_close(c->twal);
	c->reader = NULL;
	c->twal = NULL;
	tl_free(&single);
	if (c->src->stopped)
		ahead = c->tgt.control.checkpoint > c->src_control.checkpoint;
	else
		ahead = c->tgt_end > c->src_pos.lsn;
	if (ahead)
	{
		rw_fail(err, RW_ESTATE, "the target's WAL ends at " LSN_FMT ", ahead of the source on "
				"the same timeline %u: the target cannot follow the source",
				LSN_ARGS(c->tgt_end), c->tgt_tli);
		rw_hint(err, "Check that source and target are not swapped. If both were written to "
				"without a promotion, the target must be cloned again.");
		return STEP_STOP;
	}
	return STEP_OK;
}

/*
 * A refusal of the WAL and of the page-LSN scan, once the listing may have
 * been read: under auto the run starts again with the block compare.
 */
static step_outcome
unproven(rewind_ctx *c, rw_error *err)
{
	c->retry_as_compare = steps_compare_instead(c, err);
	return STEP_STOP;
}

/* Step 4: along the target's history; the WAL it could not read is RW_EMISSING and the like. */
step_outcome
steps_read_target_wal(rewind_ctx *c, rw_error *err)
{
	if (!open_target_wal(c, &c->tgt_history, err))
		return unproven(c, err);
	/* rung 3: its end unread, the page-LSN scan may still find what changed */
	return find_target_end(c, err) || steps_pagelsn_wal_end(c, err) ? STEP_OK : unproven(c, err);
}

/*
 * Recovery starts at the last common checkpoint, or earlier when the source's
 * own last checkpoint is older (a standby, or a server promoted moments ago,
 * whose latest restartpoint predates the common checkpoint): the files copied
 * from it are only known to hold every change before that checkpoint's redo.
 */
void
steps_choose_recovery_start(rewind_ctx *c)
{
	c->start_redo = c->ckpt.redo;
	c->start_ckpt = c->ckpt_lsn;
	c->start_tli = c->ckpt.tli;
	if (c->src_control.ckpt.redo < c->start_redo)
	{
		c->start_redo = c->src_control.ckpt.redo;
		c->start_ckpt = c->src_control.checkpoint;
		c->start_tli = c->src_control.ckpt.tli;
		log_debug("source's last checkpoint is older; recovery starts at its redo " LSN_FMT,
				  LSN_ARGS(c->start_redo));
	}
}

/* Step 5 */
step_outcome
steps_find_checkpoint(rewind_ctx *c, rw_error *err)
{
	if (!scan_last_common_checkpoint(c->tgt.ver, c->reader, c->diverge, &c->ckpt_lsn, &c->ckpt,
									 err))
		return unproven(c, err);
	c->have_ckpt = true;
	return STEP_OK;
}

/* --- step 6 to 9 -------------------------------------------------------- */

/* The target's walk, run beside the source's listing. */
typedef struct target_walk {
	const char *pgdata;
	file_list  *out;
	bool		ok;
	rw_error	err;
} target_walk;

static void *
walk_target(void *arg)
{
	target_walk *w = arg;

	w->ok = file_list_local(w->pgdata, w->out, &w->err);
	return NULL;
}

/*
 * Both listings at once: the target is walked in a thread while the source
 * lists its files (a query the source server answers, or a walk of its
 * directory), so a cluster of many files waits for the longer of the two,
 * not for their sum.
 */
step_outcome
steps_list_both(rewind_ctx *c, rw_error *err)
{
	target_walk w = {.pgdata = c->tgt.pgdata, .out = &c->tgt_files};
	pthread_t	th;
	bool		threaded;
	bool		ok;

	if (c->opts->progress)
	{
		log_info("reading source file list");
		log_info("reading target file list");
	}
	log_debug("listing the source's files, and the target's meanwhile");
	threaded = pthread_create(&th, NULL, walk_target, &w) == 0;
	ok = c->src->ops->list_files(c->src, &c->src_files, err);
	if (ok)
		log_debug("source lists %zu files", c->src_files.n);
	if (threaded)
		pthread_join(th, NULL);
	else
		walk_target(&w);
	if (!ok)
		return STEP_STOP;
	if (!w.ok)
	{
		*err = w.err;
		return STEP_STOP;
	}
	log_debug("target lists %zu files", c->tgt_files.n);
	return STEP_OK;
}

/* Where the source's WAL ends now: its insert (or replay) position. */
static lsn_t
source_wal_end(const rewind_ctx *c)
{
	return c->src_pos.lsn != LSN_INVALID ? c->src_pos.lsn : c->src_control.checkpoint;
}

/* Rungs 1 and 2: the blocks the target's WAL says changed, and what it loses. */
static bool
scan_target_wal(rewind_ctx *c, blockmap *replayed, rw_error *err)
{
	if (c->opts->progress)
		log_info("reading WAL in target");
	c->map = blockmap_new();
	c->ledger = ledger_new(c->tgt.ver, c->diverge);
	/* the promoted side: the target's own timeline begins at the divergence point */
	if (c->tgt_history.entries[c->common_index].end == c->diverge &&
		!scan_promoted_side(c->tgt.ver, c->reader, c->ckpt.redo, &c->ckpt, c->map, err))
		return false;
	if (!scan_changed_blocks(c->tgt.ver, c->reader, c->ckpt.redo, c->tgt_end, c->diverge,
							 c->tgt.control.data_checksum_version != 0, c->map, replayed,
							 c->ledger, &c->stats, err))
	{
		if (c->stats.unreadable && c->stats.end == c->diverge &&
			target_wal_prefix_from_source(c->twal))
			tail_gone(c, err);
		return false;
	}
	ledger_finish(c->ledger);
	return true;
}

step_outcome
steps_build_plan(rewind_ctx *c, bool compare_contents, rw_error *err)
{
	plan_input	in = {
		.ver = c->tgt.ver,
		.tsdir = c->tgt.tsdir,
		.segsize = c->tgt.control.xlog_seg_size,
		.diverge = c->diverge,
		.redo = c->start_redo,
		.source_end = source_wal_end(c),
		.source_history = &c->src_history,
		.keep_config = !c->opts->copy_config,
		.config_files = &c->config_files,
	};
	bool		pagelsn = c->opts->method == METHOD_PAGELSN || c->method.wal_failure[0] != '\0';
	blockmap   *replayed;
	bool		scanned;
	bool		started;

	if (c->config_files.n == 0 && !config_target_files(c->tgt.pgdata, &c->config_files, err))
		return STEP_STOP;
	c->method.requested = c->opts->method;
	replayed = blockmap_new();
	scanned = !pagelsn && scan_target_wal(c, replayed, err);
	started = !scanned || steps_late_start(c, replayed, err);
	blockmap_free(replayed);
	if (!started)
		return STEP_STOP;
	/* the source's WAL is copied from where recovery starts, which may have moved */
	in.redo = c->start_redo;
	if (!pagelsn && !scanned)
	{
		/* rung 3: WAL the scan could not read or understand */
		if (c->opts->method != METHOD_AUTO || !c->stats.unreadable)
			return unproven(c, err);
		steps_pagelsn_note(c, err);
		pagelsn = true;
	}
	if (pagelsn && !steps_pagelsn_blocks(c, err))
		return unproven(c, err);
	if (!plan_build(&in, &c->src_files, &c->tgt_files, c->map, &c->plan, err) ||
		!listing_tablespaces_free(&c->plan, c->tgt.tsdir, err))
		return STEP_STOP;
	log_debug("planned %zu entries", c->plan.n);
	steps_estimate(c, pagelsn ? METHOD_PAGELSN : METHOD_WAL);
	if (compare_contents && !plan_skip_identical(&c->plan, c->src, c->tgt.pgdata, err))
		return STEP_STOP;
	c->method.used = pagelsn ? METHOD_PAGELSN : METHOD_WAL;
	c->method.segments_restored = target_wal_restored_count(c->twal);
	c->method.segments_from_source = target_wal_from_source_count(c->twal);
	c->planned = true;
	if (log_debug_enabled())
		plan_print_entries(&c->plan, stderr);
	return STEP_OK;
}

/* --- WAL the rewound node needs from the source --------------------------- */

lsn_t
steps_needed_wal_from(const rewind_ctx *c)
{
	uint32_t	segsize = c->tgt.control.xlog_seg_size;
	char		path[sizeof("pg_wal/") + WAL_FILE_NAME_LEN];

	/* the block compare keeps none of the target's WAL past its start */
	if (c->method.used == METHOD_COMPARE)
		return c->start_redo;
	for (uint64_t segno = lsn_segno(c->start_redo, segsize);
		 segno_start(segno + 1, segsize) <= c->diverge; segno++)
	{
		memcpy(path, "pg_wal/", strlen("pg_wal/"));
		wal_file_name(path + strlen("pg_wal/"), tl_tli_for_segment(&c->tgt_history, segno, segsize),
					  segno, segsize);
		if (file_list_find(&c->tgt_files, path) == NULL)
			return segno_start(segno, segsize);
	}
	return c->diverge;
}

/* The segments from 'from' on, named after history, up to the source's WAL position. */
void
steps_source_wal_input(const rewind_ctx *c, lsn_t from, const tl_history *history,
					   needed_wal *in)
{
	memset(in, 0, sizeof(*in));
	in->source_files = &c->src_files;
	in->source_history = history;
	in->segsize = c->tgt.control.xlog_seg_size;
	in->from = from;
	in->source_end = source_wal_end(c);
}

step_outcome
steps_list_source_wal(rewind_ctx *c, lsn_t from, const tl_history *history, rw_error *err)
{
	char		first[WAL_FILE_NAME_LEN + 1];

	steps_source_wal_input(c, from, history, &c->wal_needed);
	c->wal_needed.slot = c->opts->slot;
	if (c->src_files.n == 0 && !c->src->ops->list_files(c->src, &c->src_files, err))
		return STEP_STOP;
	c->wal_missing = needed_wal_missing(&c->wal_needed, first);
	return STEP_OK;
}

step_outcome
steps_target_restore_command(rewind_ctx *c, rw_error *err)
{
	needed_wal *in = &c->wal_needed;
	char		first[WAL_FILE_NAME_LEN + 1];
	char	   *value;

	in->target_restore_command = NULL;
	if (needed_wal_missing(in, first) == 0)
		return STEP_OK;
	if (c->restore_command == NULL)
	{
		if (!find_postgres(c, err) ||
			!target_setting(&c->tgt, c->postgres, c->opts->config_file, "restore_command",
							&value, err))
		{
			rw_context(err, "the source no longer has WAL segment %s; whether the target can "
					   "restore it (its restore_command) is unknown", first);
			return STEP_STOP;
		}
		if (value[0] == '\0')
			free(value);
		else
			c->restore_command = value;
	}
	in->target_restore_command = c->restore_command;
	return STEP_OK;
}

step_outcome
steps_source_wal_gap(rewind_ctx *c, rw_error *err)
{
	if (c->opts->method != METHOD_AUTO || steps_compares(c) ||
		needed_wal_gap(&c->wal_needed, err) != CHECK_ERROR)
	{
		rw_error_clear(err);
		return STEP_OK;
	}
	if (c->opts->salvage_dir)
	{
		rw_hint(err, "Nothing was changed. Without that WAL the rewound node could not start, and "
				"--salvage needs a method that reads the target's WAL. Either set restore_command "
				"in the target's configuration to fetch it from the source's WAL archive and run "
				"again, or run without --salvage: rewind then compares every file with the "
				"source's (--method=compare), and the rows the target loses cannot be listed or "
				"saved.");
		return STEP_STOP;
	}
	return unproven(c, err);
}

/* --- configuration ----------------------------------------------------- */

void
steps_compare_config_files(rewind_ctx *c)
{
	step_comparison *r = &c->config_diffs;

	r->done = true;
	r->failed = !(c->config_files.n > 0 ||
				  config_target_files(c->tgt.pgdata, &c->config_files, &r->err)) ||
		!config_compare(c->src, c->tgt.pgdata, &c->config_files,
						c->src_files.n ? &c->src_files : NULL, &r->items, &r->err);
}

/* With --copy-config the rewound node gets the source's settings: nothing to compare. */
void
steps_compare_standby_settings(rewind_ctx *c)
{
	step_comparison *r = &c->low_settings;

	if (c->opts->copy_config)
		return;
	r->done = true;
	r->failed = !find_postgres(c, &r->err) ||
		!standby_settings_check(&c->tgt, c->postgres, c->opts->config_file, &c->src_control,
								&r->items, &r->err);
}

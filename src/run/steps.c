#include "run/steps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_compare.h"
#include "config/config_files.h"
#include "util/fileutil.h"
#include "plan/hashcmp.h"
#include "plan/listing_check.h"
#include "util/log.h"
#include "config/standby_settings.h"
#include "xalloc.h"

void
steps_free(rewind_ctx *c)
{
	check_free(&c->findings);
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
 * WAL up to there and no further (steps_find_target_end).  Single-user mode,
 * which crash recovery would use, refuses a standby's standby.signal.
 */
static bool
target_settled(const pg_control *ctl)
{
	return ctl->state == DBSTATE_SHUTDOWNED || ctl->state == DBSTATE_SHUTDOWNED_IN_RECOVERY ||
		ctl->state == DBSTATE_IN_ARCHIVE_RECOVERY;
}

bool
steps_inspect_target(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	bool		clean;

	if (!target_open(c->opts->target_pgdata, c->opts->check, c->opts->shutdown_wait, &c->tgt,
					 err))
		return false;
	clean = target_settled(ctl);
	if (ctl->state == DBSTATE_IN_ARCHIVE_RECOVERY)
		log_info("target was a standby that did not shut down cleanly (\"%s\"): its files hold "
				 "its WAL up to its minimum recovery point " LSN_FMT ", no crash recovery needed",
				 control_state_name(ctl->state), LSN_ARGS(ctl->min_recovery_point));
	if (!clean && c->opts->check)
		c->target_unclean = true;	/* read as it is; check_target says so */
	else if (!clean && c->opts->ensure_shutdown)
	{
		if (c->opts->dry_run)
		{
			log_info("target server was not shut down cleanly (\"%s\"); a real run would first "
					 "run crash recovery with postgres --single", control_state_name(ctl->state));
			c->target_unclean = true;
		}
		else if (!find_postgres(c, err) ||
				 !target_crash_recovery(&c->tgt, c->postgres, c->opts->config_file, err))
			return false;
	}
	/*
	 * --check reports a target without checksums as a finding of its own; a
	 * crashed standby is taken as it is
	 */
	return c->opts->check ||
		target_check_rewindable(&c->tgt, !c->target_unclean &&
								ctl->state != DBSTATE_IN_ARCHIVE_RECOVERY, err);
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
check_source_version(rewind_ctx *c, rw_error *err)
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

bool
steps_inspect_source(rewind_ctx *c, rw_error *err)
{
	const pg_control *t = &c->tgt.control, *s = &c->src_control;

	c->src = c->opts->source_server ? source_libpq_open(c->opts->source_server, c->opts->jobs,
															 c->opts->timeout, err)
		: source_local_open(c->opts->source_pgdata, err);
	if (c->src == NULL)
		return false;
	/*
	 * The role's privileges first: without them the first file read fails
	 * with "permission denied" and no word of the GRANTs that fix it.
	 * --check reports the source's server checks as a finding of their own.
	 */
	if (!c->opts->check && !c->src->ops->check_server(c->src, err))
		return false;
	if (!check_source_version(c, err) || !steps_read_source_control(c, &c->src_control, err))
		return false;
	if (s->system_identifier != t->system_identifier)
	{
		rw_fail(err, RW_EMISMATCH, "source and target clusters are from different systems "
				"(source system identifier %llu, target %llu)",
				(unsigned long long) s->system_identifier,
				(unsigned long long) t->system_identifier);
		rw_hint(err, "The source must be a node of the same cluster (made from the target by a "
				"base backup, or the other way round).");
		return false;
	}
	if (s->catversion != t->catversion || s->xlog_seg_size != t->xlog_seg_size ||
		s->blcksz != t->blcksz || s->xlog_blcksz != t->xlog_blcksz)
		return rw_fail(err, RW_EMISMATCH, "source and target clusters are not compatible "
					   "(catalog version, block or WAL segment size differ)");
	if (c->opts->source_pgdata && s->state != DBSTATE_SHUTDOWNED &&
		s->state != DBSTATE_SHUTDOWNED_IN_RECOVERY)
		return rw_fail(err, RW_ESTATE, "source data directory must be shut down cleanly "
					   "(pg_control says \"%s\")", control_state_name(s->state));
	if (!c->src->ops->wal_position(c->src, &c->src_pos, err))
		return false;
	log_debug("source: %s", c->src->description);
	return true;
}

/* --- step 3: where the histories part ----------------------------------- */

bool
steps_load_history(rewind_ctx *c, bool from_source, uint32_t tli, tl_history *out, rw_error *err)
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

bool
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
	if (c->src_pos.in_recovery || c->src_control.state == DBSTATE_SHUTDOWNED_IN_RECOVERY)
		return newest_source_timeline(c, &c->src_tli, err);
	return true;
}

/* --- step 4: the target's WAL ------------------------------------------- */

bool
steps_open_target_wal(rewind_ctx *c, const tl_history *history, rw_error *err)
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
	c->reader = walreader_new(c->tgt.ver, ctl->system_identifier, ctl->xlog_seg_size,
							  ctl->xlog_blcksz, target_wal_page_reader(c->twal));
	return true;
}

/*
 * Where the target's WAL ends: its shutdown checkpoint; for a target that
 * needs crash recovery, the end of its valid WAL; for a standby (stopped or
 * crashed), the later of its minRecoveryPoint, up to which its files may
 * hold changes, and the end of the valid WAL in its pg_wal: WAL it received
 * but did not replay is replayed from there when it starts again, before it
 * asks the source for anything, so it counts as the target's own.
 */
bool
steps_find_target_end(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	bool		standby = ctl->state == DBSTATE_SHUTDOWNED_IN_RECOVERY ||
		ctl->state == DBSTATE_IN_ARCHIVE_RECOVERY;
	bool		ok;

	if (c->target_unclean || standby)
		ok = scan_end_of_valid_wal(c->reader, ctl->checkpoint, &c->tgt_end, err);
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
bool
steps_check_same_timeline(rewind_ctx *c, rw_error *err)
{
	tl_history	single;
	bool		ahead;

	log_info("source and target cluster are on the same timeline");
	tl_single(c->tgt_tli, &single);
	if (!steps_open_target_wal(c, &single, err) || !steps_find_target_end(c, err))
	{
		tl_free(&single);
		return false;
	}
	/* the reader keeps a pointer to the history; drop both now */
	walreader_free(c->reader);
	target_wal_close(c->twal);
	c->reader = NULL;
	c->twal = NULL;
	tl_free(&single);
	if (c->opts->source_pgdata)
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
		return false;
	}
	return true;
}

/* --- step 6 to 9 -------------------------------------------------------- */

bool
steps_list_both(rewind_ctx *c, rw_error *err)
{
	if (c->opts->progress)
		log_info("reading source file list");
	log_debug("listing the source's files");
	if (!c->src->ops->list_files(c->src, &c->src_files, err))
		return false;
	log_debug("source lists %zu files", c->src_files.n);
	if (c->opts->progress)
		log_info("reading target file list");
	if (!file_list_local(c->tgt.pgdata, &c->tgt_files, err))
		return false;
	log_debug("target lists %zu files", c->tgt_files.n);
	file_list_sort(&c->src_files);
	file_list_sort(&c->tgt_files);
	return true;
}

/* Where the source's WAL ends now: its insert (or replay) position. */
static lsn_t
source_wal_end(const rewind_ctx *c)
{
	return c->src_pos.lsn != LSN_INVALID ? c->src_pos.lsn : c->src_control.checkpoint;
}

bool
steps_build_plan(rewind_ctx *c, rw_error *err)
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

	if (c->opts->progress)
		log_info("reading WAL in target");
	c->map = blockmap_new();
	c->ledger = ledger_new(c->tgt.ver, c->diverge);
	if (c->config_files.n == 0 && !config_target_files(c->tgt.pgdata, &c->config_files, err))
		return false;
	/* the promoted side: the target's own timeline begins at the divergence point */
	if (c->tgt_history.entries[c->common_index].end == c->diverge &&
		!scan_promoted_side(c->tgt.ver, c->reader, c->ckpt.redo, &c->ckpt, c->map, err))
		return false;
	if (!scan_changed_blocks(c->tgt.ver, c->reader, c->ckpt.redo, c->tgt_end, c->diverge,
							 c->tgt.control.data_checksum_version != 0, c->map, c->ledger,
							 &c->stats, err))
		return false;
	ledger_finish(c->ledger);
	if (!plan_build(&in, &c->src_files, &c->tgt_files, c->map, &c->plan, err) ||
		!listing_check_tablespaces(&c->plan, c->tgt.tsdir, err))
		return false;
	log_debug("planned %zu entries", c->plan.n);
	/*
	 * Comparing reads file contents on both sides: a real run only.  A dry
	 * run reads nothing but control and history files (its plan counts the
	 * whole-file copies before comparison); --check asks whether a rewind
	 * would work, not what it would copy.
	 */
	if (!c->opts->check && !c->opts->dry_run &&
		!plan_skip_identical(&c->plan, c->src, c->tgt.pgdata, err))
		return false;
	c->planned = true;
	if (log_debug_enabled())
		plan_print_entries(&c->plan, stderr);
	return true;
}

/* --- WAL the rewound node needs from the source --------------------------- */

/* The segments from 'from' on, named after history, up to the source's WAL position. */
void
steps_source_wal_input(const rewind_ctx *c, lsn_t from, const tl_history *history,
				 check_wal_input *in)
{
	memset(in, 0, sizeof(*in));
	in->source_files = &c->src_files;
	in->source_history = history;
	in->segsize = c->tgt.control.xlog_seg_size;
	in->from = from;
	in->source_end = source_wal_end(c);
}

/* --- configuration ----------------------------------------------------- */

/* Which configuration files and settings differ from the source's. */
static void
compare_config_files(rewind_ctx *c)
{
	str_list	diffs = {0};
	rw_error	e;
	const char *kept = c->opts->copy_config ? "the source's is taken (--copy-config)"
		: "the target's is kept";

	if ((c->config_files.n > 0 || config_target_files(c->tgt.pgdata, &c->config_files, &e)) &&
		config_compare(c->src, c->tgt.pgdata, &c->config_files,
					   c->src_files.n ? &c->src_files : NULL, &diffs, &e))
	{
		for (size_t i = 0; i < diffs.n; i++)
			if (c->opts->check)
				check_add(&c->findings, "config", CHECK_OK, NULL, "%s; %s", diffs.items[i], kept);
			else
				log_info("configuration: %s; %s", diffs.items[i], kept);
	}
	else if (c->opts->check)
		check_add_error(&c->findings, "config", CHECK_WARNING, &e);
	else
		log_warning("could not compare the configuration with the source's: %s", e.msg);
	str_list_free(&diffs);
}

/* Settings below the source's keep the rewound node from starting as a standby. */
static void
check_standby_settings(rewind_ctx *c)
{
	str_list	low = {0};
	rw_error	e;
	bool		check = c->opts->check;

	if (find_postgres(c, &e) && standby_settings_check(&c->tgt, c->postgres, c->opts->config_file,
													   &c->src_control, &low, &e))
	{
		for (size_t i = 0; i < low.n; i++)
			if (check)
				check_add(&c->findings, "standby_settings", CHECK_ERROR, "Raise it in the "
						  "target's configuration to at least the source's value.",
						  "%s: the rewound node would refuse to start as a standby", low.items[i]);
			else
				log_warning("%s: the rewound node will refuse to start as a standby until it is "
							"raised in its configuration", low.items[i]);
		if (check && low.n == 0)
			check_add(&c->findings, "standby_settings", CHECK_OK, NULL, "the target's "
					  "max_connections, max_worker_processes, max_wal_senders, "
					  "max_prepared_transactions and max_locks_per_transaction are at least the "
					  "source's");
	}
	else if (check)
		check_add_error(&c->findings, "standby_settings", CHECK_WARNING, &e);
	else
		log_warning("could not check the settings a standby needs: %s", e.msg);
	str_list_free(&low);
}

/*
 * Messages, or --check findings, about the configuration.  A dry run reads
 * no file content from the source, so it compares no files.  With
 * --copy-config the rewound node gets the source's settings.
 */
void
steps_compare_config(rewind_ctx *c)
{
	if (!c->opts->dry_run)
		compare_config_files(c);
	if (!c->opts->copy_config)
		check_standby_settings(c);
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

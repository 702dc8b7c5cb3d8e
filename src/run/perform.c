/*
 * The run's changes to the target, after the pipeline: the plan carried
 * out under the journal and the rewound node finished (backup label,
 * standby settings, control file last), or, with no rewind required, the
 * standby settings only.  Also creates the replication slot of --slot on
 * the source.
 */
#include "run/perform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/writer.h"
#include "target/finalize.h"
#include "util/log.h"
#include "util/test_hooks.h"
#include "xalloc.h"

static bool
write_standby_config(rewind_ctx *c, target_writer *w, rw_error *err)
{
	char	   *conninfo = NULL;
	bool		ok;

	if (c->opts->write_recovery_conf && source_offers(c->src, SOURCE_GIVES_CONNINFO))
		conninfo = c->src->ops->standby_conninfo(c->src);
	ok = finalize_standby_config(w, c->tgt.pgdata, conninfo,
								 c->opts->write_recovery_conf ? c->opts->slot : NULL, err);
	free(conninfo);
	return ok;
}

/* --slot: from now on the source keeps the WAL the rewound node streams. */
static bool
ensure_slot(rewind_ctx *c, rw_error *err)
{
	bool		created;

	if (c->opts->slot == NULL)
		return true;
	if (!c->src->ops->ensure_slot(c->src, c->opts->slot, &created, err))
		return false;
	log_info(created ? "created replication slot \"%s\" on the source"
			 : "replication slot \"%s\" exists on the source", c->opts->slot);
	return true;
}

bool
perform_no_rewind(rewind_ctx *c, rw_error *err)
{
	target_writer *w;
	bool		ok;

	if (!ensure_slot(c, err))
		return false;
	w = target_writer_open(c->tgt.pgdata, c->opts->dry_run || c->opts->check, err);
	ok = w != NULL && write_standby_config(c, w, err) &&
		(c->opts->no_sync || target_writer_sync(w, err));
	target_writer_close(w);
	return ok;
}

/* Segments that vanished during the copy: too late to refuse, so warned about. */
static void
warn_vanished_wal(const char *first, size_t n)
{
	char		more[48] = "";

	if (n > 1)
		snprintf(more, sizeof(more), " (and %zu more)", n - 1);
	log_warning("WAL segment %s%s vanished from the source during the copy (recycled by a "
				"checkpoint there); the rewound node needs it and can get it only from the "
				"source's WAL archive, through restore_command (set it in the rewound node's "
				"configuration before starting it), or it must be cloned again. To prevent this, "
				"use --slot or wal_keep_size on the source.", first, more);
}

/*
 * What the source dropped, truncated or recycled while the copy ran.  WAL
 * segments the rewound node needs are told apart: replay cannot stand in
 * for them.
 */
static void
report_copy_changes(rewind_ctx *c)
{
	const execute_outcome *o = &c->copied;
	needed_wal	in;
	char		first[WAL_FILE_NAME_LEN + 1];

	steps_source_wal_input(c, steps_needed_wal_from(c), &c->src_history, &in);
	c->wal_vanished = needed_wal_vanished(&in, &o->vanished, first);
	if (o->vanished.n > c->wal_vanished || o->shrunk_files > 0 || o->grown_files > 0)
		log_info("%zu files vanished and %llu shrank on the source during the copy, and %llu "
				 "grew (dropped, truncated or extended there); replaying the source's WAL from "
				 "the last common checkpoint accounts for them", o->vanished.n - c->wal_vanished,
				 (unsigned long long) o->shrunk_files, (unsigned long long) o->grown_files);
	if (c->wal_vanished > 0)
		warn_vanished_wal(first, c->wal_vanished);
}

/*
 * Where recovery of the rewound target must reach before it is consistent:
 * where the source's files stood when the copy ended, and never before the
 * divergence point, up to which the target's own changes stay in its files
 * until the source's WAL replaces them.  Only a standby source can be behind
 * the divergence point (it may not have replayed that far yet).  The
 * timeline is the one the WAL before that position belongs to, as
 * PostgreSQL checks it against the history it follows.
 */
static bool
recovery_end(rewind_ctx *c, const pg_control *after, lsn_t *end, uint32_t *tli,
			 rw_error *err)
{
	source_wal_position pos;

	if (c->src->stopped)
	{
		if (memcmp(after->raw, c->src_control.raw, CONTROL_FILE_SIZE) != 0)
			return rw_fail(err, RW_ESTATE, "source data directory was modified while %s was running",
						   log_progname());
		*end = after->checkpoint;
		*tli = after->ckpt.tli;
		/* a stopped standby: its files hold what it replayed up to there */
		if (after->min_recovery_point > *end)
		{
			*end = after->min_recovery_point;
			*tli = after->min_recovery_tli;
		}
	}
	else if (after->state == DBSTATE_IN_ARCHIVE_RECOVERY)
	{
		/* a standby source: everything it had replayed when we finished */
		*end = after->min_recovery_point;
		*tli = after->min_recovery_tli;
	}
	else if (after->state != DBSTATE_IN_PRODUCTION)
		return rw_fail(err, RW_ESTATE, "source server was in an unexpected state at the end of the "
					   "rewind (\"%s\")", control_state_name(after->state));
	else
	{
		if (!c->src->ops->wal_position(c->src, &pos, err))
			return false;
		*end = pos.lsn;
		*tli = control_timeline(after) > pos.tli ? control_timeline(after) : pos.tli;
	}
	if (*end < c->diverge)
	{
		log_debug("the source's files stand at " LSN_FMT ", before the divergence point: the "
				  "rewound node is consistent from the divergence point on", LSN_ARGS(*end));
		*end = c->diverge;
		*tli = tl_tli_at(&c->src_history, c->diverge - 1);
	}
	return true;
}

static bool
finalize(rewind_ctx *c, target_writer *w, rw_error *err)
{
	pg_control	after;
	lsn_t		end = LSN_INVALID;
	uint32_t	end_tli = 0;
	uint8_t		control[CONTROL_FILE_SIZE];
	char	   *label;
	bool		ok;

	if (c->opts->progress)
		log_info("creating backup label and updating control file");
	if (!steps_read_source_control(c, &after, err))
		return false;
	if (c->backup.label)
	{
		/*
		 * Every file was read before the backup stopped: consistent at its
		 * stop, not at the source's insert position past the stop's WAL
		 * switch, which an idle source reaches only with its next record.
		 */
		end = c->backup.stop_lsn;
		end_tli = tl_tli_at(&c->src_history, end - 1);
	}
	else if (!recovery_end(c, &after, &end, &end_tli, err))
		return false;
	/* a base backup's own label (--method=compare), else one of ours */
	label = c->backup.label ? xstrdup(c->backup.label) :
		finalize_backup_label(c->start_redo, c->start_tli, c->start_ckpt,
							  c->tgt.control.xlog_seg_size);
	ok = target_writer_replace_file(w, "backup_label", (const uint8_t *) label, strlen(label),
									err);
	free(label);
	if (!ok || !write_standby_config(c, w, err))
		return false;
	/* last: until this is written the target still describes its old self */
	finalize_control(&after, end, end_tli, control);
	return target_writer_replace_file(w, "global/pg_control", control, sizeof(control), err);
}

/*
 * --method=compare: the base backup ends after the last copy; the rewound
 * node is consistent once it has replayed up to where it stopped.
 */
static bool
stop_backup(rewind_ctx *c, rw_error *err)
{
	if (!c->backup_started)
		return true;
	c->backup_started = false;
	if (!c->src->ops->backup_stop(c->src, &c->backup, err))
		return false;
	log_info("base backup stopped on the source at WAL location " LSN_FMT
			 "; the rewound node is consistent once it has replayed up to there",
			 LSN_ARGS(c->backup.stop_lsn));
	test_hook_backup_pause();
	return true;
}

/*
 * --method=compare: the WAL from the backup's start to its stop, fetched
 * again after the stop.  The plan copied these segments before the stop,
 * without the record that ends the backup, and the source may recycle them
 * before the rewound node could stream them: without them it never becomes
 * consistent.  Each segment is named after the timeline the source's
 * history gives it: a standby source may start the backup on the timeline
 * before the one it follows.
 */
static bool
fetch_backup_wal(rewind_ctx *c, target_writer *w, rw_error *err)
{
	uint32_t	segsize = c->tgt.control.xlog_seg_size;
	uint64_t	last = lsn_segno_of_end(c->backup.stop_lsn, segsize);

	for (uint64_t segno = lsn_segno(c->start_redo, segsize); segno <= last; segno++)
	{
		char		name[WAL_FILE_NAME_LEN + 1];
		char		path[WAL_FILE_NAME_LEN + 8];
		uint8_t    *data = NULL;
		size_t		len = 0;
		bool		missing = false;
		bool		ok;

		wal_file_name(name, tl_tli_for_segment(&c->src_history, segno, segsize), segno, segsize);
		snprintf(path, sizeof(path), "pg_wal/%s", name);
		if (!c->src->ops->read_file(c->src, path, false, &data, &len, &missing, err))
		{
			rw_context(err, "fetching the WAL of the base backup (up to " LSN_FMT ")",
					   LSN_ARGS(c->backup.stop_lsn));
			rw_hint(err, "If the source recycled it before it could be fetched, run again with "
					"--slot, or with a larger wal_keep_size on the source.");
			return false;
		}
		ok = target_writer_replace_file(w, path, data, len, err);
		free(data);
		if (!ok)
			return false;
		log_debug("fetched %s again after the base backup stopped", path);
	}
	return true;
}

/*
 * A failure from the first change on leaves a marked, partly rewound target
 * and its journal: say what to do next (after any hint already there).
 */
static void
hint_interrupted(rw_error *err)
{
	static const char what[] =
		"The target is partly rewound and will not start; its journal can undo every "
		"change. Fix the cause, then run rewind again with the same options to finish "
		"the rewind (it rolls back first), or with --rollback to put the target back "
		"as it was.";
	char		old[sizeof(err->hint)];

	snprintf(old, sizeof(old), "%s", err->hint);
	rw_hint(err, "%s%s%s", old, old[0] ? " " : "", what);
}

bool
perform_rewind(rewind_ctx *c, rw_error *err)
{
	target_writer *w;
	progress	prog = {.enabled = c->opts->progress};
	journal_identity id = {.major = c->tgt.major, .diverge = c->diverge,
	.checkpoint = c->ckpt_lsn, .source_sysid = c->src_control.system_identifier};
	space_estimate space;
	bool		ok;

	if (!ensure_slot(c, err))
		return false;
	if (c->opts->progress)
		log_info("need to copy %llu MB (total source directory size is %llu MB)",
				 (unsigned long long) (c->plan.totals.fetch_bytes >> 20),
				 (unsigned long long) (c->plan.totals.source_bytes >> 20));
	execute_estimate(&c->plan, &space);
	if (!execute_has_space(c->tgt.pgdata, &space, err))
		return false;
	/* from the first change on, the journal can undo every change */
	memcpy(id.control, c->tgt.control.raw, CONTROL_FILE_SIZE);
	w = target_writer_open(c->tgt.pgdata, c->opts->dry_run || c->opts->check, err);
	if (w == NULL || !target_writer_begin(w, &id, &c->tgt.control, !c->opts->no_sync, err))
	{
		target_writer_close(w);
		return false;
	}
	log_debug("journal started");
	ok = execute_plan(&c->plan, c->src, w, &prog, &c->copied, err);
	if (ok)
		log_debug("plan executed");
	ok = ok && stop_backup(c, err) && (c->backup.label == NULL || fetch_backup_wal(c, w, err));
	report_copy_changes(c);
	/* data first, so the control file never points at data not on disk */
	if (ok && !c->opts->no_sync)
	{
		if (c->opts->progress)
			log_info("syncing target data directory");
		ok = target_writer_sync(w, err);
		if (ok)
			log_debug("changed files synced");
	}
	ok = ok && target_writer_step(w, JSTEP_FINALIZING, err) && finalize(c, w, err) &&
		(c->opts->no_sync || target_writer_sync(w, err));
	if (!ok)
		hint_interrupted(err);
	ok = ok && target_writer_commit(w, !c->opts->no_sync, err);
	target_writer_close(w);
	return ok;
}


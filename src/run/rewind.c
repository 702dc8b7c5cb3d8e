/*
 * A rewind from start to end: the shared steps (steps.c), then the plan
 * carried out, the rewound node finished, and the divergence report and
 * JSON result; --check goes to check_run.c.
 */
#include "run/rewind.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/apply.h"
#include "run/check_run.h"
#include "target/finalize.h"
#include "util/json.h"
#include "util/log.h"
#include "report/report.h"
#include "target/resume.h"
#include "run/steps.h"
#include "target/target_lock.h"
#include "plan/wal_gap.h"
#include "salvage/salvage.h"
#include "xalloc.h"

/* --- the two ways to finish --------------------------------------------- */

static bool
write_standby_config(rewind_ctx *c, target_writer *w, rw_error *err)
{
	char	   *conninfo = NULL;
	bool		ok;

	if (c->opts->write_recovery_conf)
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

static bool
finish_without_rewind(rewind_ctx *c, rw_error *err)
{
	target_writer *w;
	bool		ok;

	log_info("no rewind required");
	c->res->status = "no rewind required";
	if (c->opts->salvage_dir)
		log_info("salvage: the target loses nothing; \"%s\" was not written",
				 c->opts->salvage_dir);
	if (c->opts->dry_run)
		return true;
	if (!ensure_slot(c, err))
		return false;
	w = tw_open(c->tgt.pgdata, false);
	ok = write_standby_config(c, w, err) && (c->opts->no_sync || tw_sync(w, err));
	tw_close(w);
	return ok;
}

/* --- WAL the rewound node needs from the source --------------------------- */

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
 * Before any change: WAL the node needs from 'from' on (along history) that
 * the source recycled; the source is listed first if it was not yet.  The
 * decision is check_wal_gap's, as for --check: a warning when the target has
 * a restore_command, else a refusal.
 */
static bool
check_wal_listed(rewind_ctx *c, lsn_t from, const tl_history *history, rw_error *err)
{
	check_wal_input in;
	char		first[WAL_FILE_NAME_LEN + 1];
	rw_error	gap;

	if (c->src_files.n == 0)
	{
		if (!c->src->ops->list_files(c->src, &c->src_files, err))
			return false;
		file_list_sort(&c->src_files);
	}
	steps_source_wal_input(c, from, history, &in);
	c->wal_missing = check_wal_missing(&in, first);
	if (!wal_gap_prepare(c, &in, err))
		return false;
	switch (check_wal_gap(&in, &gap))
	{
		case CHECK_ERROR:
			*err = gap;
			return false;
		case CHECK_WARNING:
			log_warning("%s. %s", gap.msg, gap.hint);
			break;
		case CHECK_OK:
			break;
	}
	return true;
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
	check_wal_input in;
	char		first[WAL_FILE_NAME_LEN + 1];

	steps_source_wal_input(c, c->diverge, &c->src_history, &in);
	c->wal_vanished = check_wal_vanished(&in, &o->vanished, first);
	if (o->vanished.n > c->wal_vanished || o->shrunk_files > 0 || o->grown_files > 0)
		log_info("%zu files vanished and %llu shrank on the source during the copy, and %llu "
				 "grew (dropped, truncated or extended there); replaying the source's WAL from "
				 "the last common checkpoint accounts for them", o->vanished.n - c->wal_vanished,
				 (unsigned long long) o->shrunk_files, (unsigned long long) o->grown_files);
	if (c->wal_vanished > 0)
		warn_vanished_wal(first, c->wal_vanished);
}

/* --- the divergence report -------------------------------------------- */

/* What the report can say at this point of the run. */
static void
collect_facts(const rewind_ctx *c, report_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->diverge = c->diverge;
	f->diverge_tli = c->diverged ? c->tgt_history.entries[c->common_index].tli : 0;
	f->source_tli = c->src_tli;
	f->target_tli = c->tgt_tli;
	f->target_end = c->tgt_end;
	f->have_checkpoint = c->have_ckpt;
	f->ckpt_lsn = c->ckpt_lsn;
	f->ckpt_redo = c->ckpt.redo;
	f->ckpt_tli = c->ckpt.tli;
	f->scan = c->planned ? &c->stats : NULL;
	f->plan = c->planned ? &c->plan : NULL;
	f->tsdir = c->tgt.tsdir;
	f->ledger = c->planned ? c->ledger : NULL;
	f->names = &c->names;
	f->bytes_fetched = c->src ? c->src->bytes_fetched : 0;
	f->vanished_files = c->copied.vanished.n - c->wal_vanished;
	f->shrunk_files = c->copied.shrunk_files;
	f->grown_files = c->copied.grown_files;
	f->missing_wal_segments = c->wal_missing + c->wal_vanished;
}

/* Names are a courtesy: without them the report shows file numbers. */
static void
resolve_names(rewind_ctx *c)
{
	report_facts f;
	rw_error	err;

	collect_facts(c, &f);
	report_want_names(&f, &c->names);
	rw_error_clear(&err);
	if (!c->src->ops->describe_relations || !rel_names_resolve(&c->names, c->src, &err))
		log_warning("the report shows relation file numbers only: %s",
					err.msg[0] ? err.msg : "the source cannot name relations");
}

typedef void (*json_part) (const report_facts *f, json_writer *w);

/* One JSON value rendered into a malloc'd string. */
static char *
render_json(const report_facts *f, json_part part)
{
	json_buffer b;

	part(f, json_buffer_open(&b));
	return json_buffer_close(&b);
}

/* The JSON of everything the run got to; called whether it failed or not. */
static void
render_result(const rewind_ctx *c)
{
	report_facts f;

	collect_facts(c, &f);
	if (c->diverged)
		c->res->divergence = render_json(&f, report_json_divergence);
	if (c->planned)
	{
		c->res->plan = render_json(&f, report_json_plan);
		c->res->report = render_json(&f, report_json_report);
	}
	if (c->salvage.ran)
	{
		json_buffer b;

		salvage_json(&c->salvage, json_buffer_open(&b));
		c->res->salvage = json_buffer_close(&b);
	}
}

static void
write_report(const rewind_ctx *c, FILE *out)
{
	report_facts f;

	collect_facts(c, &f);
	if (c->opts->format == FORMAT_JSON)
	{
		json_writer w;
		char	   *div = render_json(&f, report_json_divergence);
		char	   *pl = render_json(&f, report_json_plan);
		char	   *rep = render_json(&f, report_json_report);

		json_init(&w, out);
		json_begin_object(&w);
		json_key(&w, "divergence");
		json_raw(&w, div);
		json_key(&w, "plan");
		json_raw(&w, pl);
		json_key(&w, "report");
		json_raw(&w, rep);
		if (c->salvage.ran)
		{
			json_key(&w, "salvage");
			salvage_json(&c->salvage, &w);
		}
		json_end_object(&w);
		free(div);
		free(pl);
		free(rep);
		return;
	}
	plan_print_summary(&c->plan, out);
	report_print_plan_text(&f, out);
	report_print_text(&f, out);
	salvage_print_text(&c->salvage, out);
}

/*
 * Open --report FILE for writing: never through a symbolic link (the path may
 * be in a directory others can write), only a regular file, mode 0600 (the
 * report names tables and rows).
 */
static FILE *
open_report_file(const char *path, rw_error *err)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat st;
	FILE	   *out;

	if (fd < 0 && errno == ELOOP)
	{
		rw_fail(err, RW_EUSAGE, "report file \"%s\" is a symbolic link; refusing to write "
				"through it", path);
		rw_hint(err, "Give --report the path of a new or regular file.");
		return NULL;
	}
	if (fd < 0)
	{
		rw_fail_errno(err, errno, "could not create report file \"%s\"", path);
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		rw_fail(err, RW_EUSAGE, "report file \"%s\" is not a regular file", path);
		rw_hint(err, "Give --report the path of a new or regular file.");
		return NULL;
	}
	if (fchmod(fd, 0600) != 0 || ftruncate(fd, 0) != 0 || (out = fdopen(fd, "w")) == NULL)
	{
		rw_fail_errno(err, errno, "could not create report file \"%s\"", path);
		close(fd);
		return NULL;
	}
	return out;
}

/* --report FILE: written and flushed to disk before the target changes. */
static bool
write_report_file(const rewind_ctx *c, rw_error *err)
{
	const char *path = c->opts->report_file;
	FILE	   *out = open_report_file(path, err);

	if (out == NULL)
		return false;
	write_report(c, out);
	if (fflush(out) != 0 || fsync(fileno(out)) != 0)
	{
		int			e = errno;

		fclose(out);
		return rw_fail_errno(err, e, "could not write report file \"%s\"", path);
	}
	if (fclose(out) != 0)
		return rw_fail_errno(err, errno, "could not write report file \"%s\"", path);
	log_info("divergence report written to \"%s\"", path);
	return true;
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

	if (c->opts->source_pgdata)
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
	if (!steps_read_source_control(c, &after, err) || !recovery_end(c, &after, &end, &end_tli, err))
		return false;
	label = finalize_backup_label(c->start_redo, c->start_tli, c->start_ckpt,
								  c->tgt.control.xlog_seg_size);
	ok = tw_replace_file(w, "backup_label", (const uint8_t *) label, strlen(label), err);
	free(label);
	if (!ok || !write_standby_config(c, w, err))
		return false;
	/* last: until this is written the target still describes its old self */
	finalize_control(&after, end, end_tli, control);
	return tw_replace_file(w, "global/pg_control", control, sizeof(control), err);
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

static bool
perform_rewind(rewind_ctx *c, rw_error *err)
{
	target_writer *w;
	progress	prog = {.enabled = c->opts->progress};
	journal_identity id = {.major = c->tgt.major, .diverge = c->diverge,
	.checkpoint = c->ckpt_lsn, .source_sysid = c->src_control.system_identifier};
	space_estimate space;
	bool		ok;

	if (c->opts->progress)
		log_info("need to copy %llu MB (total source directory size is %llu MB)",
				 (unsigned long long) (c->plan.totals.fetch_bytes >> 20),
				 (unsigned long long) (c->plan.totals.source_bytes >> 20));
	execute_estimate(&c->plan, &space);
	if (!execute_check_space(c->tgt.pgdata, &space, err))
		return false;
	/* from the first change on, the journal can undo every change */
	memcpy(id.control, c->tgt.control.raw, CONTROL_FILE_SIZE);
	w = tw_open(c->tgt.pgdata, false);
	if (!tw_begin(w, &id, &c->tgt.control, !c->opts->no_sync, err))
	{
		tw_close(w);
		return false;
	}
	log_debug("journal started");
	ok = execute_plan(&c->plan, c->src, w, &prog, &c->copied, err);
	if (ok)
		log_debug("plan executed");
	report_copy_changes(c);
	/* data first, so the control file never points at data not on disk */
	if (ok && !c->opts->no_sync)
	{
		if (c->opts->progress)
			log_info("syncing target data directory");
		ok = tw_sync(w, err);
		if (ok)
			log_debug("changed files synced");
	}
	ok = ok && tw_step(w, JSTEP_FINALIZING, err) && finalize(c, w, err) &&
		(c->opts->no_sync || tw_sync(w, err));
	if (!ok)
		hint_interrupted(err);
	ok = ok && tw_commit(w, !c->opts->no_sync, err);
	tw_close(w);
	return ok;
}

/*
 * --salvage: the rows the target loses, saved and synced before anything
 * changes; a failure stops the run here.
 */
static bool
salvage_lost_rows(rewind_ctx *c, rw_error *err)
{
	salvage_input in = {
		.dir = c->opts->salvage_dir,
		.rf = {.pgdata = c->tgt.pgdata, .tsdir = c->tgt.tsdir,
		.blcksz = c->tgt.control.blcksz, .relseg_size = c->tgt.control.relseg_size},
		.ledger = c->ledger,
		.map = c->map,
		.src = c->src,
		.wal = c->reader,
		.ver = c->tgt.ver,
		.wal_redo = c->ckpt.redo,
		.wal_end = c->tgt_end,
	};
	uint64_t	rows = 0;

	if (c->opts->salvage_dir == NULL)
		return true;
	if (!salvage_run(&in, &c->salvage, err))
		return false;
	for (size_t i = 0; i < c->salvage.n; i++)
		rows += c->salvage.tables[i].rows[SALVAGE_WRITTEN] +
			c->salvage.tables[i].rows[SALVAGE_REMOVED];
	log_info("salvage: %llu lost rows of %zu tables saved in \"%s\"", (unsigned long long) rows,
			 c->salvage.n, c->opts->salvage_dir);
	return true;
}

static bool
run_steps(rewind_ctx *c, rw_error *err)
{
	resume_outcome resumed;

	/* before anything else: a refusal here changes nothing */
	if (c->opts->salvage_dir &&
		!salvage_check_dir(c->opts->salvage_dir, c->opts->target_pgdata, err))
		return false;

	if (!resume_interrupted(c->opts, &resumed, err))
		return false;
	if (c->opts->rollback && resumed == RESUME_NOTHING)
	{
		c->res->status = "nothing to roll back";
		return true;
	}
	if (c->opts->rollback)
	{
		log_info("rollback complete: \"%s\" is exactly as it was before the interrupted "
				 "rewind", c->opts->target_pgdata);
		c->res->status = "rolled back";
		return true;
	}
	if (resumed == RESUME_COMPLETED)
	{
		log_info("the target is rewound; start it to follow the source");
		c->res->status = "done";
		return true;
	}
	if (resumed == RESUME_ROLLED_BACK)
		log_info("rewinding again from the target's original state");
	if (!steps_inspect_target(c, err) || !steps_inspect_source(c, err) ||
		!steps_compute_timelines(c, err))
		return false;
	if (c->tgt_tli == c->src_tli)
	{
		tl_history	single;
		bool		ok;

		tl_single(c->src_tli, &single);
		ok = steps_check_same_timeline(c, err) && check_wal_listed(c, c->tgt_end, &single, err) &&
			finish_without_rewind(c, err);
		tl_free(&single);
		return ok;
	}

	if (!steps_load_history(c, true, c->src_tli, &c->src_history, err) ||
		!steps_load_history(c, false, c->tgt_tli, &c->tgt_history, err) ||
		!tl_find_divergence(&c->src_history, &c->tgt_history, &c->diverge, &c->common_index, err))
		return false;
	c->diverged = true;
	log_info("servers diverged at WAL location " LSN_FMT " on timeline %u",
			 LSN_ARGS(c->diverge), c->tgt_history.entries[c->common_index].tli);

	if (!steps_open_target_wal(c, &c->tgt_history, err) || !steps_find_target_end(c, err))
		return false;
	if (c->tgt_end <= c->diverge)
		return check_wal_listed(c, c->tgt_end, &c->src_history, err) &&
			finish_without_rewind(c, err);

	if (!scan_last_common_checkpoint(c->tgt.ver, c->reader, c->diverge, &c->ckpt_lsn,
									 &c->ckpt, err))
		return false;
	c->have_ckpt = true;
	log_info("rewinding from last common checkpoint at " LSN_FMT " on timeline %u",
			 LSN_ARGS(c->ckpt_lsn), c->ckpt.tli);
	steps_choose_recovery_start(c);

	if (!steps_list_both(c, err) || !steps_build_plan(c, err) ||
		!check_wal_listed(c, c->diverge, &c->src_history, err))
		return false;
	steps_compare_config(c);
	resolve_names(c);
	if (!salvage_lost_rows(c, err))
		return false;
	if (c->opts->report_file && !write_report_file(c, err))
		return false;
	if (c->opts->dry_run)
	{
		report_facts f;

		collect_facts(c, &f);
		plan_print_summary(&c->plan, stderr);
		report_print_plan_text(&f, stderr);
		report_print_text(&f, stderr);
		salvage_print_text(&c->salvage, stderr);
		log_info("dry run: the target was not modified");
		c->res->status = "dry run";
		return true;
	}
	if (ledger_get(c->ledger)->nxacts > 0)
		log_info("the target loses %zu transactions it committed after the divergence point "
				 "(--dry-run or --report lists them)", ledger_get(c->ledger)->nxacts);
	if (!ensure_slot(c, err) || !perform_rewind(c, err))
		return false;
	c->res->status = "done";
	return true;
}

bool
rewind_run(const rewind_options *opts, rewind_result *res, rw_error *err)
{
	rewind_ctx	c;
	bool		ok;

	memset(&c, 0, sizeof(c));
	memset(res, 0, sizeof(*res));
	c.opts = opts;
	c.res = res;
	if (opts->check)
	{
		check_run_all(&c);
		check_finish(&c);
		ok = true;
	}
	else
	{
		/* a run that changes the target, or --rollback: one at a time */
		target_lock *lock = NULL;

		ok = (opts->dry_run ? target_lock_check_free(opts->target_pgdata, "dry run", err) :
			  target_lock_acquire(opts->target_pgdata, opts->rollback ? "--rollback" : "rewind",
								  &lock, err)) &&
			run_steps(&c, err);
		target_lock_release(lock);
	}
	if (!ok)
		res->status = NULL;
	if (c.src)
		log_debug("fetched %llu bytes from the source", (unsigned long long) c.src->bytes_fetched);
	if (opts->format == FORMAT_JSON)
		render_result(&c);
	steps_free(&c);
	if (ok && !opts->check)
		log_info("Done!");
	return ok;
}

void
rewind_result_free(rewind_result *res)
{
	free(res->divergence);
	free(res->plan);
	free(res->report);
	free(res->salvage);
	free(res->findings);
	memset(res, 0, sizeof(*res));
}

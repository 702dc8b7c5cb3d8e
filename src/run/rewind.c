/*
 * A rewind from start to end: the mode chosen (a run, a dry run, or --check
 * in preflight.c), the interrupted run dealt with, the pipeline of shared
 * steps (pipeline.c), then what a run and a dry run say at its edges and do
 * at its end: the divergence report, the changes (perform.c), and the JSON
 * result.
 */
#include "run/rewind.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/json.h"
#include "util/log.h"
#include "report/report.h"
#include "run/perform.h"
#include "run/pipeline.h"
#include "run/preflight.h"
#include "salvage/salvage.h"
#include "target/resume.h"
#include "target/target_lock.h"

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
	f->method = c->planned ? &c->method : NULL;
	f->estimate = c->planned ? &c->estimate : NULL;
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

	if (!source_offers(c->src, SOURCE_NAMES_RELATIONS))
		return;					/* a stopped directory has no catalog to ask */
	collect_facts(c, &f);
	report_want_names(&f, &c->names);
	if (!rel_names_resolve(&c->names, c->src, &err))
		log_warning("the report shows relation file numbers only: %s", err.msg);
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
render_result(const rewind_ctx *c, rewind_result *res)
{
	report_facts f;

	collect_facts(c, &f);
	if (c->diverged)
		res->divergence = render_json(&f, report_json_divergence);
	if (c->planned)
	{
		res->plan = render_json(&f, report_json_plan);
		res->report = render_json(&f, report_json_report);
	}
	if (c->salvage.ran)
	{
		json_buffer b;

		salvage_json(&c->salvage, json_buffer_open(&b));
		res->salvage = json_buffer_close(&b);
	}
}

static void
write_report(const rewind_ctx *c, FILE *out)
{
	report_facts f;

	collect_facts(c, &f);
	if (c->opts->format == FORMAT_JSON)
	{
		char	   *div = render_json(&f, report_json_divergence);
		char	   *pl = render_json(&f, report_json_plan);
		char	   *rep = render_json(&f, report_json_report);
		char	   *sal = NULL;
		report_document d = {.divergence = div, .plan = pl, .report = rep};

		if (c->salvage.ran)
		{
			json_buffer b;

			salvage_json(&c->salvage, json_buffer_open(&b));
			d.salvage = sal = json_buffer_close(&b);
		}
		report_json_document(&d, out);
		free(div);
		free(pl);
		free(rep);
		free(sal);
		return;
	}
	report_print(&f, out);
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

/* --- what a run says at the edges of the pipeline ------------------------ */

/* A run stops at the first failure: it is the run's. */
static bool
stop_at_failure(rewind_ctx *c, const char *what, step_outcome o, const rw_error *err)
{
	(void) c;
	(void) what;
	(void) o;
	(void) err;
	return false;
}

/*
 * Before any change: WAL the node needs that the source recycled.  The
 * decision is needed_wal_gap's, as for --check: a warning when the target
 * has a restore_command, else a refusal.
 */
static step_outcome
wal_gap(rewind_ctx *c, rw_error *err)
{
	rw_error	gap;

	switch (needed_wal_gap(&c->wal_needed, &gap))
	{
		case CHECK_ERROR:
			*err = gap;
			return STEP_STOP;
		case CHECK_WARNING:
			log_warning("%s. %s", gap.msg, gap.hint);
			break;
		case CHECK_OK:
			break;
	}
	return STEP_OK;
}

static step_outcome
no_rewind_end(rewind_ctx *c, rw_error *err)
{
	log_info("no rewind required");
	c->status = "no rewind required";
	if (c->opts->salvage_dir)
		log_info("salvage: the target loses nothing; \"%s\" was not written",
				 c->opts->salvage_dir);
	if (c->opts->dry_run)
		return STEP_DONE;
	return perform_no_rewind(c, err) ? STEP_DONE : STEP_STOP;
}

/* Which configuration files differ; a dry run compares none. */
static void
log_config_files(const rewind_ctx *c)
{
	const step_comparison *r = &c->config_diffs;
	const char *kept = c->opts->copy_config ? "the source's is taken (--copy-config)"
		: "the target's is kept";

	if (!r->done)
		return;
	if (r->failed)
		log_warning("could not compare the configuration with the source's: %s", r->err.msg);
	else
		for (size_t i = 0; i < r->items.n; i++)
			log_info("configuration: %s; %s", r->items.items[i], kept);
}

/* Settings below the source's keep the rewound node from starting as a standby. */
static void
log_standby_settings(const rewind_ctx *c)
{
	const step_comparison *r = &c->low_settings;

	if (!r->done)
		return;
	if (r->failed)
		log_warning("could not check the settings a standby needs: %s", r->err.msg);
	else
		for (size_t i = 0; i < r->items.n; i++)
			log_warning("%s: the rewound node will refuse to start as a standby until it is "
						"raised in its configuration", r->items.items[i]);
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
		.wal_next_xid = (uint32_t) c->ckpt.next_xid,
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

/* Everything is known: the report, then the end of a dry run or the changes. */
static step_outcome
ready(rewind_ctx *c, rw_error *err)
{
	resolve_names(c);
	if (!salvage_lost_rows(c, err))
		return STEP_STOP;
	if (c->opts->report_file && !write_report_file(c, err))
		return STEP_STOP;
	if (c->opts->dry_run)
	{
		report_facts f;

		collect_facts(c, &f);
		report_print(&f, stderr);
		salvage_print_text(&c->salvage, stderr);
		log_info("dry run: the target was not modified");
		c->status = "dry run";
		return STEP_DONE;
	}
	if (c->ledger && ledger_get(c->ledger)->nxacts > 0)
		log_info("the target loses %zu transactions it committed after the divergence point "
				 "(--dry-run or --report lists them)", ledger_get(c->ledger)->nxacts);
	if (!perform_rewind(c, err))
		return STEP_STOP;
	c->status = "done";
	return STEP_DONE;
}

/* Which method finds the changed blocks, and why (the JSON plan's "method"). */
static void
log_method(const method_choice *m)
{
	char		reason[METHOD_REASON_MAX];

	method_reason(m, reason, sizeof(reason));
	log_info("method: %s (%s)", method_name(m->used), reason);
}

static step_outcome
run_at(rewind_ctx *c, pipeline_event ev, rw_error *err)
{
	switch (ev)
	{
		case EV_TARGET_SETTLED:
			if (c->target_unclean)
				log_info("target server was not shut down cleanly (\"%s\"); a real run would "
						 "first run crash recovery with postgres --single",
						 control_state_name(c->tgt.control.state));
			break;
		case EV_DIVERGED:
			log_info("servers diverged at WAL location " LSN_FMT " on timeline %u",
					 LSN_ARGS(c->diverge), c->tgt_history.entries[c->common_index].tli);
			break;
		case EV_CHECKPOINT:
			log_info("rewinding from last common checkpoint at " LSN_FMT " on timeline %u",
					 LSN_ARGS(c->ckpt_lsn), c->ckpt.tli);
			break;
		case EV_WAL_NEEDED:
			return wal_gap(c, err);
		case EV_NO_REWIND_END:
			return no_rewind_end(c, err);
		case EV_CONFIG_COMPARED:
			log_config_files(c);
			break;
		case EV_STANDBY_SETTINGS:
			log_standby_settings(c);
			break;
		case EV_PLANNED:
			log_method(&c->method);
			break;
		case EV_READY:
			return ready(c, err);
		case EV_TARGET_REWINDABLE:
		case EV_SOURCE_FITS:
		case EV_HISTORIES:
		case EV_NO_REWIND:
		case EV_SOURCE_LISTED:
			break;
	}
	return STEP_OK;
}

/* A run: crash recovery, files compared by content, the plan carried out. */
static const pipeline_mode run_mode = {
	.recovers_target = true,
	.compares_contents = true,
	.compares_config_files = true,
	.failed = stop_at_failure,
	.at = run_at,
};

/* A dry run: reads no file content beyond control and history files, changes nothing. */
static const pipeline_mode dry_run_mode = {
	.failed = stop_at_failure,
	.at = run_at,
};

/* --- the run ------------------------------------------------------------ */

/*
 * The pipeline in mode; again with the block compare when auto refused the
 * WAL and the page-LSN scan once the listing was read (the compare's base
 * backup starts before its listing).  Nothing was written to the target
 * before that point.
 */
static bool
run_pipeline(rewind_ctx *c, const pipeline_mode *mode, rw_error *err)
{
	const rewind_options *opts = c->opts;
	char		refused[sizeof(c->method.refused)];
	bool		ok = pipeline_run(c, mode, err);

	if (!c->retry_as_compare)
		return ok;
	memcpy(refused, c->method.refused, sizeof(refused));
	steps_free(c);
	memset(c, 0, sizeof(*c));
	c->opts = opts;
	memcpy(c->method.refused, refused, sizeof(refused));
	rw_error_clear(err);
	return pipeline_run(c, mode, err);
}

/*
 * An interrupted rewind first (resume.h); true with c->status set when that
 * is the end of the run (--rollback, or the interrupted run had finished).
 */
static bool
resume(rewind_ctx *c, bool *finished, rw_error *err)
{
	resume_request rq = {.pgdata = c->opts->target_pgdata, .rollback = c->opts->rollback,
	.read_only = c->opts->dry_run, .sync = !c->opts->no_sync};
	resume_outcome resumed;

	*finished = true;
	if (!resume_interrupted(&rq, &resumed, err))
		return false;
	if (c->opts->rollback && resumed == RESUME_NOTHING)
		c->status = "nothing to roll back";
	else if (c->opts->rollback)
	{
		log_info("rollback complete: \"%s\" is exactly as it was before the interrupted "
				 "rewind", c->opts->target_pgdata);
		c->status = "rolled back";
	}
	else if (resumed == RESUME_COMPLETED)
	{
		log_info("the target is rewound; start it to follow the source");
		c->status = "done";
	}
	else
	{
		if (resumed == RESUME_ROLLED_BACK)
			log_info("rewinding again from the target's original state");
		*finished = false;
	}
	return true;
}

/* A run that may change the target, or --rollback: one at a time. */
static bool
run(rewind_ctx *c, rw_error *err)
{
	const rewind_options *opts = c->opts;
	target_lock *lock = NULL;
	bool		finished;
	bool		ok;

	/* before anything else: a refusal here changes nothing */
	if (opts->salvage_dir && !salvage_check_dir(opts->salvage_dir, opts->target_pgdata, err))
		return false;
	ok = (opts->dry_run ? target_lock_check_free(opts->target_pgdata, "dry run", err) :
		  target_lock_acquire(opts->target_pgdata, opts->rollback ? "--rollback" : "rewind",
							  &lock, err)) &&
		resume(c, &finished, err) &&
		(finished || run_pipeline(c, opts->dry_run ? &dry_run_mode : &run_mode, err));
	target_lock_release(lock);
	return ok;
}

bool
rewind_run(const rewind_options *opts, rewind_result *res, rw_error *err)
{
	rewind_ctx	c;
	bool		ok;

	memset(&c, 0, sizeof(c));
	memset(res, 0, sizeof(*res));
	c.opts = opts;
	if (opts->check)
	{
		ok = run_pipeline(&c, preflight_mode(), err);
		preflight_finish(&c, res);
	}
	else
		ok = run(&c, err);
	res->status = ok ? c.status : NULL;
	if (c.src)
		log_debug("fetched %llu bytes from the source", (unsigned long long) c.src->bytes_fetched);
	if (opts->format == FORMAT_JSON)
		render_result(&c, res);
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

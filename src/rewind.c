#include "rewind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "blockmap.h"
#include "findings.h"
#include "check_wal.h"
#include "config_compare.h"
#include "execute.h"
#include "fileutil.h"
#include "hashcmp.h"
#include "finalize.h"
#include "json.h"
#include "ledger.h"
#include "log.h"
#include "plan.h"
#include "report.h"
#include "resume.h"
#include "scan.h"
#include "source.h"
#include "standby_settings.h"
#include "target.h"
#include "targetwal.h"
#include "timeline.h"
#include "walreader.h"
#include "xalloc.h"

/* Everything one run owns; released in one place (ctx_free). */
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
	rel_names	names;
	check_findings findings;	/* --check */
	str_list	config_files;	/* the target's configuration (config_target_files) */
} rewind_ctx;

static void
ctx_free(rewind_ctx *c)
{
	check_free(&c->findings);
	str_list_free(&c->config_files);
	plan_free(&c->plan);
	rel_names_free(&c->names);
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
	return target_find_postgres(c->opts->postgres_bindir, c->tgt.major, &c->postgres, err);
}

/* --- step 1: the target ------------------------------------------------- */

static bool
inspect_target(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	bool		clean;

	if (!target_open(c->opts->target_pgdata, c->opts->check, &c->tgt, err))
		return false;
	clean = ctl->state == DBSTATE_SHUTDOWNED || ctl->state == DBSTATE_SHUTDOWNED_IN_RECOVERY;
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
	/* --check reports a target without checksums as a finding of its own */
	return c->opts->check || target_check_rewindable(&c->tgt, !c->target_unclean, err);
}

/* --- step 2: the source ------------------------------------------------- */

static bool
read_source_control(rewind_ctx *c, pg_control *out, rw_error *err)
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

static bool
inspect_source(rewind_ctx *c, rw_error *err)
{
	const pg_control *t = &c->tgt.control, *s = &c->src_control;

	c->src = c->opts->source_server ? source_libpq_open(c->opts->source_server, c->opts->jobs, err)
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
	if (!check_source_version(c, err) || !read_source_control(c, &c->src_control, err))
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

static void
compute_timelines(rewind_ctx *c)
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
		log_debug("using restore_command: %s", c->restore_command);
	}
	c->twal = target_wal_open(c->tgt.pgdata, history, ctl->xlog_seg_size, ctl->xlog_blcksz,
							  c->restore_command);
	c->reader = walreader_new(c->tgt.ver, ctl->system_identifier, ctl->xlog_seg_size,
							  ctl->xlog_blcksz, target_wal_page_reader(c->twal));
	return true;
}

/* Where the target's WAL ends: its shutdown checkpoint, or minRecoveryPoint. */
static bool
find_target_end(rewind_ctx *c, rw_error *err)
{
	const pg_control *ctl = &c->tgt.control;
	bool		ok;

	if (c->target_unclean)
		ok = scan_end_of_valid_wal(c->reader, ctl->checkpoint, &c->tgt_end, err);
	else
		ok = scan_checkpoint_end(c->reader, ctl->checkpoint, &c->tgt_end, err);
	if (!ok)
		return false;
	if (ctl->min_recovery_point > c->tgt_end)
		c->tgt_end = ctl->min_recovery_point;
	return true;
}

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
	if (c->opts->dry_run)
		return true;
	if (!ensure_slot(c, err))
		return false;
	w = tw_open(c->tgt.pgdata, false);
	ok = write_standby_config(c, w, err) && (c->opts->no_sync || tw_sync(w, err));
	tw_close(w);
	return ok;
}

/*
 * Same timeline on both sides: nothing diverged, unless the target is ahead
 * of the source, in which case it cannot follow it at all.
 */
static bool
check_same_timeline(rewind_ctx *c, rw_error *err)
{
	tl_history	single;
	bool		ahead;

	log_info("source and target cluster are on the same timeline");
	tl_single(c->tgt_tli, &single);
	if (!open_target_wal(c, &single, err) || !find_target_end(c, err))
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

static bool
list_both(rewind_ctx *c, rw_error *err)
{
	if (c->opts->progress)
		log_info("reading source file list");
	if (!c->src->ops->list_files(c->src, &c->src_files, err))
		return false;
	if (c->opts->progress)
		log_info("reading target file list");
	if (!file_list_local(c->tgt.pgdata, &c->tgt_files, err))
		return false;
	file_list_sort(&c->src_files);
	file_list_sort(&c->tgt_files);
	return true;
}

static bool
build_plan(rewind_ctx *c, rw_error *err)
{
	plan_input	in = {
		.ver = c->tgt.ver,
		.tsdir = c->tgt.tsdir,
		.segsize = c->tgt.control.xlog_seg_size,
		.diverge = c->diverge,
		.redo = c->start_redo,
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
	if (!scan_changed_blocks(c->tgt.ver, c->reader, c->ckpt.redo, c->tgt_end, c->diverge,
							 c->ckpt.full_page_writes, c->map, c->ledger, &c->stats, err))
		return false;
	ledger_finish(c->ledger);
	if (!plan_build(&in, &c->src_files, &c->tgt_files, c->map, &c->plan, err))
		return false;
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
static void
compare_config(rewind_ctx *c)
{
	if (!c->opts->dry_run)
		compare_config_files(c);
	if (!c->opts->copy_config)
		check_standby_settings(c);
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
		json_end_object(&w);
		free(div);
		free(pl);
		free(rep);
		return;
	}
	plan_print_summary(&c->plan, out);
	report_print_plan_text(&f, out);
	report_print_text(&f, out);
}

/* --report FILE: written and flushed to disk before the target changes. */
static bool
write_report_file(const rewind_ctx *c, rw_error *err)
{
	const char *path = c->opts->report_file;
	FILE	   *out = fopen(path, "w");

	if (out == NULL)
		return rw_fail_errno(err, errno, "could not create report file \"%s\"", path);
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

/* Where recovery of the rewound target must reach before it is consistent. */
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
		return true;
	}
	if (after->state == DBSTATE_IN_ARCHIVE_RECOVERY)
	{
		/* a standby source: everything it had replayed when we finished */
		*end = after->min_recovery_point;
		*tli = after->min_recovery_tli;
		return true;
	}
	if (after->state != DBSTATE_IN_PRODUCTION)
		return rw_fail(err, RW_ESTATE, "source server was in an unexpected state at the end of the "
					   "rewind (\"%s\")", control_state_name(after->state));
	if (!c->src->ops->wal_position(c->src, &pos, err))
		return false;
	*end = pos.lsn;
	*tli = control_timeline(after) > pos.tli ? control_timeline(after) : pos.tli;
	return true;
}

/*
 * Recovery starts at the last common checkpoint, or earlier when the source's
 * own last checkpoint is older (a standby, or a server promoted moments ago,
 * whose latest restartpoint predates the common checkpoint): the files copied
 * from it are only known to hold every change before that checkpoint's redo.
 */
static void
choose_recovery_start(rewind_ctx *c)
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
	if (!read_source_control(c, &after, err) || !recovery_end(c, &after, &end, &end_tli, err))
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
	ok = execute_plan(&c->plan, c->src, w, &prog, err);
	/* data first, so the control file never points at data not on disk */
	if (ok && !c->opts->no_sync)
	{
		if (c->opts->progress)
			log_info("syncing target data directory");
		ok = tw_sync(w, err);
	}
	ok = ok && tw_step(w, JSTEP_FINALIZING, err) && finalize(c, w, err) &&
		(c->opts->no_sync || tw_sync(w, err));
	if (!ok)
		hint_interrupted(err);
	ok = ok && tw_commit(w, !c->opts->no_sync, err);
	tw_close(w);
	return ok;
}

static bool
run_steps(rewind_ctx *c, rw_error *err)
{
	resume_outcome resumed;

	if (!resume_interrupted(c->opts, &resumed, err))
		return false;
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
	if (!inspect_target(c, err) || !inspect_source(c, err))
		return false;
	compute_timelines(c);
	if (c->tgt_tli == c->src_tli)
		return check_same_timeline(c, err) && finish_without_rewind(c, err);

	if (!load_history(c, true, c->src_tli, &c->src_history, err) ||
		!load_history(c, false, c->tgt_tli, &c->tgt_history, err) ||
		!tl_find_divergence(&c->src_history, &c->tgt_history, &c->diverge, &c->common_index, err))
		return false;
	c->diverged = true;
	log_info("servers diverged at WAL location " LSN_FMT " on timeline %u",
			 LSN_ARGS(c->diverge), c->tgt_history.entries[c->common_index].tli);

	if (!open_target_wal(c, &c->tgt_history, err) || !find_target_end(c, err))
		return false;
	if (c->tgt_end <= c->diverge)
		return finish_without_rewind(c, err);

	if (!scan_last_common_checkpoint(c->tgt.ver, c->reader, c->diverge, &c->ckpt_lsn,
									 &c->ckpt, err))
		return false;
	c->have_ckpt = true;
	log_info("rewinding from last common checkpoint at " LSN_FMT " on timeline %u",
			 LSN_ARGS(c->ckpt_lsn), c->ckpt.tli);
	choose_recovery_start(c);

	if (!list_both(c, err) || !build_plan(c, err))
		return false;
	compare_config(c);
	resolve_names(c);
	if (c->opts->report_file && !write_report_file(c, err))
		return false;
	if (c->opts->dry_run)
	{
		report_facts f;

		collect_facts(c, &f);
		plan_print_summary(&c->plan, stderr);
		report_print_plan_text(&f, stderr);
		report_print_text(&f, stderr);
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

/* --- --check: every step's outcome is a finding ------------------------ */

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
	check_wal_input in = {
		.source_files = &c->src_files,
		.source_history = history,
		.segsize = c->tgt.control.xlog_seg_size,
		.from = from,
		.source_end = c->src_pos.lsn != LSN_INVALID ? c->src_pos.lsn : c->src_control.checkpoint,
		.slot = c->opts->slot,
	};

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
	check_source_wal(&c->findings, &in);
}

/* Same timeline: nothing to rewind unless the target is ahead. */
static void
check_no_divergence(rewind_ctx *c)
{
	rw_error	e;
	tl_history	single;
	bool		ok = check_same_timeline(c, &e);

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

	if (!step(c, load_history(c, true, c->src_tli, &c->src_history, &e) &&
			  load_history(c, false, c->tgt_tli, &c->tgt_history, &e), "timeline_history", &e))
		return;
	check_add(&c->findings, "timeline_history", CHECK_OK, NULL, "the histories of source "
			  "timeline %u and target timeline %u are present", c->src_tli, c->tgt_tli);
	if (!step(c, tl_find_divergence(&c->src_history, &c->tgt_history, &c->diverge,
									&c->common_index, &e), "divergence", &e))
		return;
	c->diverged = true;
	if (!step(c, open_target_wal(c, &c->tgt_history, &e) && find_target_end(c, &e),
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
	choose_recovery_start(c);
	if (!step(c, list_both(c, &e), "file_list", &e))
		return;
	if (!build_plan(c, &e))
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
static void
run_check(rewind_ctx *c)
{
	rw_error	e;

	if (!step(c, inspect_target(c, &e), "target", &e))
		return;
	check_target(c);
	if (!step(c, inspect_source(c, &e), "source", &e))
		return;
	if (step(c, c->src->ops->check_server(c->src, &e), "source_privileges", &e))
		check_add(&c->findings, "source_privileges", CHECK_OK, NULL, "the source (%s) has "
				  "full_page_writes = on and its role every privilege a rewind needs",
				  c->src->description);
	compute_timelines(c);
	if (c->tgt_tli == c->src_tli)
		check_no_divergence(c);
	else
		check_divergence(c);
	compare_config(c);
}

static void
finish_check(rewind_ctx *c)
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
		run_check(&c);
		finish_check(&c);
		ok = true;
	}
	else
		ok = run_steps(&c, err);
	if (!ok)
		res->status = NULL;
	if (c.src)
		log_debug("fetched %llu bytes from the source", (unsigned long long) c.src->bytes_fetched);
	if (opts->format == FORMAT_JSON)
		render_result(&c);
	ctx_free(&c);
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
	free(res->findings);
	memset(res, 0, sizeof(*res));
}

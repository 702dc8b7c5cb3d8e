/*
 * --check (see preflight.h): what the preflight says at each point of the
 * pipeline, as findings in c->findings.  It asks the source what retains
 * the WAL the rewound node needs; it changes nothing.
 */
#include "run/preflight.h"

#include "util/log.h"

/* Every failure is recorded as an error finding; the pipeline goes on where it can. */
static bool
record_failure(rewind_ctx *c, const char *what, step_outcome o, const rw_error *err)
{
	(void) o;
	check_add_error(&c->findings, what, CHECK_ERROR, err);
	return true;
}

/* "target_state": as it was read. */
static void
target_state(rewind_ctx *c)
{
	const pg_control *ctl = &c->tgt.control;

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
}

/* "divergence": no rewind required, on the same timeline or before the divergence point. */
static void
no_rewind(rewind_ctx *c)
{
	if (!c->diverged)
		check_add(&c->findings, "divergence", CHECK_OK, NULL, "no rewind required: source and "
				  "target are on timeline %u and the target's WAL ends at " LSN_FMT ", not ahead "
				  "of the source", c->tgt_tli, LSN_ARGS(c->tgt_end));
	else
		check_add(&c->findings, "divergence", CHECK_OK, NULL, "no rewind required: the target's "
				  "WAL ends at " LSN_FMT ", before the divergence point " LSN_FMT,
				  LSN_ARGS(c->tgt_end), LSN_ARGS(c->diverge));
}

/* "target_wal" and "divergence": a rewind is required, and could be planned. */
static void
planned(rewind_ctx *c)
{
	if (c->method.used == METHOD_PAGELSN)
		check_add(&c->findings, "target_wal", CHECK_WARNING, NULL, "the page-LSN scan would be "
				  "used (%s): %s; the transactions the target loses cannot be listed",
				  c->method.pagelsn_basis, c->method.wal_failure[0] ? c->method.wal_failure :
				  "asked for with --method");
	else if (c->method.used == METHOD_COMPARE)
		check_add(&c->findings, "target_wal", CHECK_WARNING, NULL, "the block compare would be "
				  "used (every file compared with the source's within a base backup): %s; the "
				  "transactions the target loses cannot be listed",
				  c->method.refused[0] ? c->method.refused : "asked for with --method");
	else
		check_add(&c->findings, "target_wal", CHECK_OK, NULL, "the target's WAL from the last "
				  "common checkpoint's redo " LSN_FMT " to its end " LSN_FMT " is readable (%u "
				  "segments through restore_command, %u of the shared history from the source)",
				  LSN_ARGS(c->ckpt.redo), LSN_ARGS(c->tgt_end), c->method.segments_restored,
				  c->method.segments_from_source);
	check_add(&c->findings, "divergence", CHECK_OK, NULL, "a rewind is required: the servers "
			  "diverged at " LSN_FMT " on timeline %u, last common checkpoint " LSN_FMT "; it "
			  "would fetch %llu kB (estimated: %llu kB read on the target, %llu kB on the "
			  "source, %llu to %llu kB transferred)", LSN_ARGS(c->diverge),
			  c->tgt_history.entries[c->common_index].tli, LSN_ARGS(c->ckpt_lsn),
			  (unsigned long long) (c->plan.totals.fetch_bytes >> 10),
			  (unsigned long long) (c->estimate.target_read >> 10),
			  (unsigned long long) (c->estimate.source_read >> 10),
			  (unsigned long long) (c->estimate.transfer_min >> 10),
			  (unsigned long long) (c->estimate.transfer_max >> 10));
}

/*
 * "backup_slot": the block compare's temporary slot, which holds the WAL of
 * its base backup on the source until rewind has fetched it again.
 */
static void
backup_slot(rewind_ctx *c)
{
	if (c->retention.can_create_slot)
		check_add(&c->findings, "backup_slot", CHECK_OK, NULL, "a temporary replication slot "
				  "would hold the source's WAL from the base backup's start until rewind has "
				  "fetched it");
	else
		check_add(&c->findings, "backup_slot", CHECK_WARNING, "Grant the source role "
				  "REPLICATION, or use --slot, or keep enough wal_keep_size on the source.",
				  "the source role cannot create a temporary replication slot (it needs the "
				  "REPLICATION attribute): the WAL of the base backup is kept on the source only "
				  "by its settings until rewind has fetched it");
}

/* "slot", and what keeps the WAL on the source (for "source_wal"). */
static step_outcome
retention(rewind_ctx *c, rw_error *err)
{
	if (!source_offers(c->src, SOURCE_RETAINS_WAL))
		return STEP_OK;
	if (!c->src->ops->wal_retention(c->src, c->opts->slot, &c->retention, err))
		return STEP_STOP;
	c->wal_needed.retention = &c->retention;
	if (c->opts->slot)
		slot_finding(&c->findings, c->opts->slot, &c->retention);
	if (steps_compares(c))
		backup_slot(c);
	return STEP_OK;
}

/* "config": configuration files that differ from the source's. */
static void
config_files(rewind_ctx *c)
{
	const step_comparison *r = &c->config_diffs;
	const char *kept = c->opts->copy_config ? "the source's is taken (--copy-config)"
		: "the target's is kept";

	if (!r->done)
		return;
	if (r->failed)
		check_add_error(&c->findings, "config", CHECK_WARNING, &r->err);
	else
		for (size_t i = 0; i < r->items.n; i++)
			check_add(&c->findings, "config", CHECK_OK, NULL, "%s; %s", r->items.items[i], kept);
}

/* "standby_settings": settings below the source's keep the rewound node from starting. */
static void
standby_settings(rewind_ctx *c)
{
	const step_comparison *r = &c->low_settings;

	if (!r->done)
		return;
	if (r->failed)
	{
		check_add_error(&c->findings, "standby_settings", CHECK_WARNING, &r->err);
		return;
	}
	for (size_t i = 0; i < r->items.n; i++)
		check_add(&c->findings, "standby_settings", CHECK_ERROR, "Raise it in the target's "
				  "configuration to at least the source's value.",
				  "%s: the rewound node would refuse to start as a standby", r->items.items[i]);
	if (r->items.n == 0)
		check_add(&c->findings, "standby_settings", CHECK_OK, NULL, "the target's "
				  "max_connections, max_worker_processes, max_wal_senders, "
				  "max_prepared_transactions and max_locks_per_transaction are at least the "
				  "source's");
}

static step_outcome
preflight_at(rewind_ctx *c, pipeline_event ev, rw_error *err)
{
	switch (ev)
	{
		case EV_TARGET_SETTLED:
			target_state(c);
			break;
		case EV_TARGET_REWINDABLE:
			check_add(&c->findings, "target_rewindable", CHECK_OK, NULL, "%s",
					  c->tgt.control.data_checksum_version ? "target has data checksums"
					  : c->tgt.control.wal_log_hints ? "target has wal_log_hints = on"
					  : "target has neither data checksums nor wal_log_hints = on: only the "
					  "block compare can rewind it");
			break;
		case EV_SOURCE_FITS:
			check_add(&c->findings, "source_privileges", CHECK_OK, NULL, "the source (%s) has "
					  "full_page_writes = on and its role every privilege a rewind needs",
					  c->src->description);
			break;
		case EV_HISTORIES:
			check_add(&c->findings, "timeline_history", CHECK_OK, NULL, "the histories of "
					  "source timeline %u and target timeline %u are present", c->src_tli,
					  c->tgt_tli);
			break;
		case EV_NO_REWIND:
			no_rewind(c);
			break;
		case EV_PLANNED:
			planned(c);
			break;
		case EV_SOURCE_LISTED:
			return retention(c, err);
		case EV_WAL_NEEDED:
			needed_wal_finding(&c->findings, &c->wal_needed);
			break;
		case EV_CONFIG_COMPARED:
			config_files(c);
			break;
		case EV_STANDBY_SETTINGS:
			standby_settings(c);
			break;
		case EV_DIVERGED:
		case EV_CHECKPOINT:
		case EV_NO_REWIND_END:
		case EV_READY:
			break;
	}
	return STEP_OK;
}

const pipeline_mode *
preflight_mode(void)
{
	static const pipeline_mode mode = {
		.target_as_is = true,
		.compares_config_files = true,
		.failed = record_failure,
		.at = preflight_at,
	};

	return &mode;
}

void
preflight_finish(rewind_ctx *c, rewind_result *res)
{
	check_print(&c->findings, stderr);
	res->check_failed = check_failed(&c->findings);
	c->status = res->check_failed ? "check failed" : "check passed";
	log_info("%s", c->status);
	if (c->opts->format == FORMAT_JSON)
	{
		json_buffer b;

		check_json(&c->findings, json_buffer_open(&b));
		res->findings = json_buffer_close(&b);
	}
}

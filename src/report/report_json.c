/*
 * The report as JSON.  Every field is described in man/rewind.1 (JSON
 * OUTPUT); changing one here means changing it there.
 */
#include <stdio.h>

#include "pgver.h"
#include "report/report.h"

static void
kv_lsn(json_writer *w, const char *key, lsn_t lsn)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), LSN_FMT, LSN_ARGS(lsn));
	json_kv_string(w, key, buf);
}

static void
kv_string_or_null(json_writer *w, const char *key, const char *s)
{
	json_kv_string(w, key, s && s[0] ? s : NULL);
}

/* The members that identify a relation file and name it. */
static void
relation_members(const report_facts *f, relfile_locator loc, json_writer *w)
{
	const relation_name *n;
	const char *status = report_rel_status(f, loc, &n);
	char		qualified[2 * RELATION_NAME_LEN + 2];

	json_kv_uint(w, "tablespace", loc.spc);
	json_kv_uint(w, "database", loc.db);
	json_kv_uint(w, "relfilenode", loc.rel);
	json_kv_string(w, "status", status);
	if (n)
		snprintf(qualified, sizeof(qualified), "%s.%s", n->schema, n->name);
	kv_string_or_null(w, "name", n ? qualified : NULL);
	kv_string_or_null(w, "kind", n ? n->kind : NULL);
	if (n && n->owner_name[0])
		snprintf(qualified, sizeof(qualified), "%s.%s", n->owner_schema, n->owner_name);
	kv_string_or_null(w, "owner", n && n->owner_name[0] ? qualified : NULL);
}

void
report_json_divergence(const report_facts *f, json_writer *w)
{
	json_begin_object(w);
	kv_lsn(w, "lsn", f->diverge);
	json_kv_uint(w, "timeline", f->diverge_tli);
	json_kv_uint(w, "source_timeline", f->source_tli);
	json_kv_uint(w, "target_timeline", f->target_tli);
	kv_lsn(w, "target_wal_end", f->target_end);
	json_key(w, "last_common_checkpoint");
	if (f->have_checkpoint)
	{
		json_begin_object(w);
		kv_lsn(w, "lsn", f->ckpt_lsn);
		kv_lsn(w, "redo", f->ckpt_redo);
		json_kv_uint(w, "timeline", f->ckpt_tli);
		json_end_object(w);
	}
	else
		json_null(w);
	json_end_object(w);
}

static void
action_entry(json_writer *w, const char *name, uint64_t files, uint64_t blocks,
			 uint64_t bytes)
{
	json_begin_object(w);
	json_kv_string(w, "action", name);
	json_kv_uint(w, "files", files);
	json_kv_uint(w, "blocks", blocks);
	json_kv_uint(w, "bytes", bytes);
	json_end_object(w);
}

/* "method": how the changed blocks were found, and why. */
static void
method_member(const method_choice *m, json_writer *w)
{
	char		reason[METHOD_REASON_MAX];

	method_reason(m, reason, sizeof(reason));
	json_key(w, "method");
	json_begin_object(w);
	json_kv_string(w, "name", method_name(m->used));
	json_kv_string(w, "requested", method_name(m->requested));
	json_kv_string(w, "reason", reason);
	json_kv_uint(w, "wal_segments_restored", m->segments_restored);
	json_kv_uint(w, "wal_segments_from_source", m->segments_from_source);
	if (m->used == METHOD_PAGELSN)
	{
		const pagelsn_stats *p = &m->pagelsn;

		json_kv_string(w, "wal_failure", m->wal_failure);
		json_key(w, "pagelsn");
		json_begin_object(w);
		json_kv_uint(w, "files_read", p->files);
		json_kv_uint(w, "blocks_read", p->blocks);
		json_kv_uint(w, "blocks_by_lsn", p->by_lsn);
		json_kv_uint(w, "blocks_all_zero", p->all_zero);
		json_kv_uint(w, "blocks_invalid", p->invalid);
		json_kv_uint(w, "blocks_bad_checksum", p->bad_checksum);
		json_end_object(w);
	}
	json_end_object(w);
}

void
report_json_plan(const report_facts *f, json_writer *w)
{
	const plan_totals *t = &f->plan->totals;
	static const plan_action order[] = {ACT_COPY, ACT_COPY_TAIL, ACT_TRUNCATE, ACT_REMOVE,
	ACT_RECYCLE, ACT_CREATE_DIR, ACT_CREATE_LINK};
	plan_relation_bytes top[REPORT_TOP_RELATIONS];
	size_t		ntop = plan_top_relations(f->plan, f->tsdir, top, REPORT_TOP_RELATIONS);

	json_begin_object(w);
	json_key(w, "actions");
	json_begin_array(w);
	action_entry(w, "copy blocks", t->block_files, t->blocks, t->blocks * BLCKSZ);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		action_entry(w, plan_action_name(order[i]), t->files[order[i]], 0, t->bytes[order[i]]);
	json_end_array(w);
	json_kv_uint(w, "wal_segments_kept", t->wal_kept);
	json_kv_uint(w, "fetch_bytes", t->fetch_bytes);
	json_kv_uint(w, "source_bytes", t->source_bytes);
	json_kv_uint(w, "identical_files", t->identical_files);
	json_kv_uint(w, "identical_bytes", t->identical_bytes);
	json_kv_uint(w, "bytes_fetched", f->bytes_fetched);
	json_kv_uint(w, "vanished_files", f->vanished_files);
	json_kv_uint(w, "shrunk_files", f->shrunk_files);
	json_kv_uint(w, "grown_files", f->grown_files);
	json_kv_uint(w, "missing_wal_segments", f->missing_wal_segments);
	method_member(f->method, w);
	json_key(w, "largest_relations");
	json_begin_array(w);
	for (size_t i = 0; i < ntop; i++)
	{
		json_begin_object(w);
		relation_members(f, top[i].loc, w);
		json_kv_uint(w, "bytes", top[i].bytes);
		json_kv_uint(w, "blocks", top[i].blocks);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "wal_scanned");
	json_begin_object(w);
	kv_lsn(w, "start", f->scan->start);
	kv_lsn(w, "end", f->scan->end);
	json_kv_uint(w, "records", f->scan->records);
	json_end_object(w);
	json_key(w, "blocks");
	json_begin_object(w);
	json_kv_string(w, "mode", f->scan->blocks.since_divergence ? "since-divergence" : "since-redo");
	json_kv_string(w, "since_redo_reason", f->scan->blocks.since_redo_reason);
	json_kv_uint(w, "replayed_blocks", f->scan->blocks.replayed_blocks);
	json_kv_uint(w, "partial_first_blocks", f->scan->blocks.partial_first_blocks);
	json_end_object(w);
	json_key(w, "estimate");
	json_begin_object(w);
	json_kv_uint(w, "seconds", report_estimate_seconds(f->plan));
	json_kv_uint(w, "assumed_bytes_per_second", REPORT_ASSUMED_BYTES_PER_SECOND);
	json_kv_bool(w, "measured", false);
	if (f->estimate)
	{
		const plan_estimate *e = f->estimate;

		json_kv_uint(w, "target_read_bytes", e->target_read);
		json_kv_uint(w, "target_wal_read_bytes", e->target_wal_read);
		json_kv_uint(w, "target_relation_read_bytes", e->target_relation_read);
		json_kv_uint(w, "source_read_bytes", e->source_read);
		json_kv_uint(w, "source_wal_bytes", e->source_wal);
		json_kv_uint(w, "transfer_bytes_min", e->transfer_min);
		json_kv_uint(w, "transfer_bytes_max", e->transfer_max);
		json_kv_uint(w, "wal_transfer_bytes_min", e->wal_min);
		json_kv_uint(w, "wal_transfer_bytes_max", e->wal_max);
	}
	json_end_object(w);
	json_end_object(w);
}

static void
transactions(const ledger_result *r, json_writer *w)
{
	char		when[40];

	json_key(w, "committed_transactions");
	json_begin_array(w);
	for (size_t i = 0; i < r->nxacts; i++)
	{
		report_format_pg_time(r->xacts[i].time, when, sizeof(when));
		json_begin_object(w);
		json_kv_uint(w, "xid", r->xacts[i].xid);
		json_kv_string(w, "commit_time", when);
		kv_lsn(w, "commit_lsn", r->xacts[i].lsn);
		json_kv_bool(w, "two_phase", r->xacts[i].two_phase);
		json_end_object(w);
	}
	json_end_array(w);
	json_kv_uint(w, "aborted_transactions", r->aborted);
	json_kv_uint(w, "aborted_subtransactions", r->subxacts_aborted);
	json_key(w, "prepared_not_committed");
	json_begin_array(w);
	for (size_t i = 0; i < r->nprepared; i++)
		json_uint(w, r->prepared[i]);
	json_end_array(w);
}

static void
relations(const report_facts *f, const ledger_result *r, json_writer *w)
{
	char		ctid[32];

	json_key(w, "relations");
	json_begin_array(w);
	for (size_t i = 0; i < r->nrels; i++)
	{
		const ledger_rel *rel = &r->rels[i];

		json_begin_object(w);
		relation_members(f, rel->loc, w);
		json_kv_uint(w, "inserted", rel->inserted);
		json_kv_uint(w, "updated_hot", rel->hot_updated);
		json_kv_uint(w, "updated_non_hot", rel->updated);
		json_kv_uint(w, "deleted", rel->deleted);
		json_key(w, "newest_ctids");
		json_begin_array(w);
		for (size_t j = 0; j < rel->nctids; j++)
		{
			snprintf(ctid, sizeof(ctid), "(%u,%u)", (unsigned) rel->ctids[j].block,
					 (unsigned) rel->ctids[j].offset);
			json_string(w, ctid);
		}
		json_end_array(w);
		json_kv_uint(w, "newest_ctids_unlisted", rel->ctids_unlisted);
		json_end_object(w);
	}
	json_end_array(w);
}

static const char *
change_kind_name(ledger_change_kind k)
{
	switch (k)
	{
		case LC_SEQUENCE:
			return "sequence advanced";
		case LC_SMGR_TRUNCATE:
			return "relation truncated";
		case LC_HEAP_TRUNCATE:
			return "table truncated";
		case LC_REL_CREATED:
			return "relation created";
		case LC_REL_DROPPED:
			return "relation dropped";
		case LC_DB_CREATED:
			return "database created";
		case LC_DB_DROPPED:
			return "database dropped";
	}
	return "?";
}

static void
change(const report_facts *f, const ledger_change *c, json_writer *w)
{
	json_begin_object(w);
	json_kv_string(w, "change", change_kind_name(c->kind));
	kv_lsn(w, "lsn", c->lsn);
	json_key(w, "xid");
	if (c->xid)
		json_uint(w, c->xid);
	else
		json_null(w);
	switch (c->kind)
	{
		case LC_HEAP_TRUNCATE:
			json_kv_uint(w, "database", c->loc.db);
			json_kv_uint(w, "relation_oid", c->loc.rel);
			break;
		case LC_DB_CREATED:
		case LC_DB_DROPPED:
			json_kv_uint(w, "database", c->loc.db);
			break;
		default:
			relation_members(f, c->loc, w);
			break;
	}
	if (c->kind == LC_SEQUENCE)
		json_kv_uint(w, "records", c->count);
	if (c->kind == LC_SMGR_TRUNCATE)
		json_kv_uint(w, "new_blocks", c->nblocks);
	json_end_object(w);
}

void
report_json_report(const report_facts *f, json_writer *w)
{
	const ledger_result *r;

	json_begin_object(w);
	if (report_lost_unavailable(f))
	{
		/* no counts: zeros would claim that nothing is lost */
		json_kv_bool(w, "available", false);
		json_kv_string(w, "unavailable_reason", report_lost_unavailable(f));
		json_end_object(w);
		return;
	}
	json_kv_bool(w, "available", true);
	r = ledger_get(f->ledger);
	json_kv_bool(w, "committed_data_lost", r->nxacts > 0);
	transactions(r, w);
	relations(f, r, w);
	json_key(w, "other_changes");
	json_begin_array(w);
	for (size_t i = 0; i < r->nchanges; i++)
		change(f, &r->changes[i], w);
	json_end_array(w);
	json_kv_uint(w, "records_after_divergence", r->records);
	json_kv_uint(w, "undecodable_records", r->undecodable);
	json_end_object(w);
}

static void
error_member(const rw_error *err, json_writer *w)
{
	json_key(w, "error");
	if (err == NULL)
	{
		json_null(w);
		return;
	}
	json_begin_object(w);
	json_kv_string(w, "kind", rw_errkind_name(err->kind));
	json_kv_string(w, "message", err->msg);
	json_kv_string(w, "hint", err->hint[0] ? err->hint : NULL);
	json_end_object(w);
}

void
report_json_document(const report_document *d, FILE *out)
{
	json_writer w;

	json_init(&w, out);
	json_begin_object(&w);
	if (d->result)
	{
		json_kv_string(&w, "status", d->status);
		error_member(d->err, &w);
	}
	json_key(&w, "divergence");
	json_raw(&w, d->divergence);
	json_key(&w, "plan");
	json_raw(&w, d->plan);
	json_key(&w, "report");
	json_raw(&w, d->report);
	if (d->salvage)
	{
		json_key(&w, "salvage");
		json_raw(&w, d->salvage);
	}
	if (d->findings)
	{
		json_key(&w, "findings");
		json_raw(&w, d->findings);
	}
	json_end_object(&w);
}

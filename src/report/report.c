/*
 * The divergence report and the dry run's plan summary as text (report.h):
 * transactions, rows per relation, other lost changes, sizes and the copy
 * estimate.  Writes only to the stream it is given.
 */

#include "report/report.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "byte_size.h"

/* Seconds from 1970-01-01 to 2000-01-01, PostgreSQL's timestamp epoch. */
#define PG_EPOCH_UNIX 946684800

void
report_format_pg_time(int64_t usecs, char *out, size_t outlen)
{
	int64_t		secs = usecs / 1000000;
	int64_t		frac = usecs % 1000000;
	time_t		t;
	struct tm	tm;

	if (frac < 0)
	{
		frac += 1000000;
		secs--;
	}
	t = (time_t) (secs + PG_EPOCH_UNIX);
	if (gmtime_r(&t, &tm) == NULL)
	{
		snprintf(out, outlen, "?");
		return;
	}
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) frac);
}

const char *
report_rel_status(const report_facts *f, relfile_locator loc, const relation_name **name)
{
	*name = f->names ? rel_names_find(f->names, loc) : NULL;
	if (*name && (*name)->found)
		return "known";
	*name = NULL;
	if (f->ledger && ledger_created_after(f->ledger, loc))
		return "created after divergence";
	return "unknown";
}

/* "public.t (table)", "relation file 16390 in database 5 (created after divergence)" */
static void
report_rel_label(const report_facts *f, relfile_locator loc, char *out, size_t outlen)
{
	const relation_name *n;
	const char *status = report_rel_status(f, loc, &n);

	if (n == NULL)
		snprintf(out, outlen, "relation file %u in database %u (%s)",
				 (unsigned) loc.rel, (unsigned) loc.db,
				 strcmp(status, "unknown") == 0 ? "unknown to the source" : status);
	else if (n->owner_name[0])
		snprintf(out, outlen, "%s.%s (%s of %s.%s, database %u)", n->schema, n->name,
				 n->kind, n->owner_schema, n->owner_name, (unsigned) loc.db);
	else
		snprintf(out, outlen, "%s.%s (%s, database %u)", n->schema, n->name, n->kind,
				 (unsigned) loc.db);
}

void
report_want_names(const report_facts *f, rel_names *rn)
{
	if (f->ledger)
	{
		const ledger_result *r = ledger_get(f->ledger);

		for (size_t i = 0; i < r->nrels; i++)
			rel_names_want(rn, r->rels[i].loc);
		for (size_t i = 0; i < r->nchanges; i++)
		{
			ledger_change_kind k = r->changes[i].kind;

			/* HEAP TRUNCATE names relation OIDs, databases have no file */
			if (k == LC_SEQUENCE || k == LC_SMGR_TRUNCATE || k == LC_REL_CREATED ||
				k == LC_REL_DROPPED)
				rel_names_want(rn, r->changes[i].loc);
		}
	}
	if (f->plan)
	{
		plan_relation_bytes top[REPORT_TOP_RELATIONS];
		size_t		n = plan_top_relations(f->plan, f->tsdir, top, REPORT_TOP_RELATIONS);

		for (size_t i = 0; i < n; i++)
			rel_names_want(rn, top[i].loc);
	}
}

uint64_t
report_estimate_seconds(const plan *p)
{
	return (p->totals.fetch_bytes + REPORT_ASSUMED_BYTES_PER_SECOND - 1) /
		REPORT_ASSUMED_BYTES_PER_SECOND;
}

/* The estimate of the reads on each side and of the transfer (plan/estimate.h). */
static void
report_print_estimate(const report_facts *f, FILE *out)
{
	const plan_estimate *e = f->estimate;
	bool		compare = f->method && f->method->used == METHOD_COMPARE;
	char		a[BYTE_SIZE_LEN], b[BYTE_SIZE_LEN];

	fprintf(out, "  estimated reads and transfer (before any file content is compared):\n");
	byte_size_format(a, sizeof(a), e->target_read);
	if (compare)
		fprintf(out, "    read on the target: %s (every file both sides have, compared)\n", a);
	else
	{
		byte_size_format(b, sizeof(b), e->target_wal_read);
		fprintf(out, "    read on the target: %s (its WAL %s", a, b);
		byte_size_format(b, sizeof(b), e->target_relation_read);
		if (f->method && f->method->used == METHOD_PAGELSN)
			fprintf(out, ", every relation file for the page-LSN scan %s", b);
		fprintf(out, ", and the files copied whole that it has at the same size, hashed)\n");
	}
	byte_size_format(a, sizeof(a), e->source_read);
	byte_size_format(b, sizeof(b), e->source_wal);
	fprintf(out, "    read on the source: %s (each byte it sends or hashes counted once; WAL "
			"segments %s of it)\n", a, b);
	byte_size_format(a, sizeof(a), e->transfer_min);
	byte_size_format(b, sizeof(b), e->transfer_max);
	fprintf(out, "    transfer from the source: lower bound %s, upper bound %s\n", a, b);
	if (compare)
		fprintf(out, "      (lower: the files only the source has, their growth, the block "
				"digests; upper: as if every compared block differed)\n");
	else
		fprintf(out, "      (whole-file copies of files the target has at the same size are "
				"compared by digests first: lower as if all were identical, upper as if none)\n");
	byte_size_format(a, sizeof(a), e->wal_min);
	byte_size_format(b, sizeof(b), e->wal_max);
	if (compare && e->wal_min != e->wal_max)
		fprintf(out, "      WAL from the base backup's start, copied and fetched again after its "
				"stop: %s to %s of both (the upper bound holds while the source writes less "
				"than one WAL segment during the run)\n", a, b);
	else
		fprintf(out, "      WAL segments copied: %s of both\n", a);
}

/* Plan details beyond plan_print_summary: largest relations, WAL, estimate. */
static void
report_print_plan_text(const report_facts *f, FILE *out)
{
	plan_relation_bytes top[REPORT_TOP_RELATIONS];
	size_t		n = plan_top_relations(f->plan, f->tsdir, top, REPORT_TOP_RELATIONS);
	char		label[512], size[BYTE_SIZE_LEN];

	if (n > 0)
		fprintf(out, "  largest relations to fetch:\n");
	for (size_t i = 0; i < n; i++)
	{
		report_rel_label(f, top[i].loc, label, sizeof(label));
		byte_size_format(size, sizeof(size), top[i].bytes);
		fprintf(out, "    %10s  %s\n", size, label);
	}
	if (f->scan)
		fprintf(out, "  WAL scanned: " LSN_FMT " to " LSN_FMT " (%" PRIu64 " records)\n",
				LSN_ARGS(f->scan->start), LSN_ARGS(f->scan->end), f->scan->records);
	if (f->scan && f->scan->blocks.since_divergence)
		fprintf(out, "  blocks: changed after the divergence point, and before it where the first "
				"change since the redo point is not a whole page (%" PRIu64 "); %" PRIu64
				" changed only before it are restored by WAL replay\n",
				f->scan->blocks.partial_first_blocks, f->scan->blocks.replayed_blocks);
	else if (f->scan)
		fprintf(out, "  blocks: every block changed since the redo point (%s)\n",
				f->scan->blocks.since_redo_reason);
	fprintf(out, "  estimated copy time: ");
	if (f->plan->totals.fetch_bytes == 0)
		fprintf(out, "nothing to copy\n");
	else
		fprintf(out, "about %" PRIu64 " s at an assumed %" PRIu64 " MB/s (not measured)\n",
				report_estimate_seconds(f->plan), REPORT_ASSUMED_BYTES_PER_SECOND >> 20);
	if (f->estimate)
		report_print_estimate(f, out);
}

static void
print_transactions(const ledger_result *r, FILE *out)
{
	char		when[40];

	if (r->nxacts == 0)
		fprintf(out, "  no committed transaction is lost: the target committed none after the divergence point\n");
	else
		fprintf(out, "  %zu transaction%s committed on the target after the divergence point (lost by the rewind):\n",
				r->nxacts, r->nxacts == 1 ? "" : "s");
	for (size_t i = 0; i < r->nxacts; i++)
	{
		const ledger_xact *x = &r->xacts[i];

		report_format_pg_time(x->time, when, sizeof(when));
		fprintf(out, "    xid %u committed %s at " LSN_FMT "%s\n", (unsigned) x->xid, when,
				LSN_ARGS(x->lsn), x->two_phase ? " (two-phase)" : "");
	}
	fprintf(out, "  aborted transactions: %" PRIu64, r->aborted);
	if (r->subxacts_aborted)
		fprintf(out, " (and %" PRIu64 " rolled-back subtransactions)", r->subxacts_aborted);
	fputc('\n', out);
	if (r->nprepared > 0)
	{
		fprintf(out, "  prepared but never committed (lost with their changes):");
		for (size_t i = 0; i < r->nprepared; i++)
			fprintf(out, " xid %u", (unsigned) r->prepared[i]);
		fputc('\n', out);
	}
}

static void
print_relations(const report_facts *f, const ledger_result *r, FILE *out)
{
	char		label[512];

	if (r->nrels > 0)
		fprintf(out, "  rows changed by those transactions:\n");
	for (size_t i = 0; i < r->nrels; i++)
	{
		const ledger_rel *rel = &r->rels[i];

		report_rel_label(f, rel->loc, label, sizeof(label));
		fprintf(out, "    %s: %" PRIu64 " inserted, %" PRIu64 " updated (%" PRIu64 " HOT, %"
				PRIu64 " not HOT), %" PRIu64 " deleted\n", label, rel->inserted,
				rel->hot_updated + rel->updated, rel->hot_updated, rel->updated, rel->deleted);
		if (rel->nctids == 0)
			continue;
		fprintf(out, "      newest row versions (ctid):");
		for (size_t j = 0; j < rel->nctids; j++)
			fprintf(out, " (%u,%u)", (unsigned) rel->ctids[j].block,
					(unsigned) rel->ctids[j].offset);
		if (rel->ctids_unlisted)
			fprintf(out, " and %" PRIu64 " more", rel->ctids_unlisted);
		fputc('\n', out);
	}
}

static void
print_change(const report_facts *f, const ledger_change *c, FILE *out)
{
	char		label[512];

	report_rel_label(f, c->loc, label, sizeof(label));
	switch (c->kind)
	{
		case LC_SEQUENCE:
			fprintf(out, "    sequence advanced: %s, %" PRIu64 " WAL record%s\n", label,
					c->count, c->count == 1 ? "" : "s");
			break;
		case LC_SMGR_TRUNCATE:
			fprintf(out, "    truncated to %u blocks: %s\n", (unsigned) c->nblocks, label);
			break;
		case LC_HEAP_TRUNCATE:
			fprintf(out, "    truncated (TRUNCATE): relation OID %u in database %u\n",
					(unsigned) c->loc.rel, (unsigned) c->loc.db);
			break;
		case LC_REL_CREATED:
			fprintf(out, "    relation created: %s\n", label);
			break;
		case LC_REL_DROPPED:
			fprintf(out, "    relation dropped: %s\n", label);
			break;
		case LC_DB_CREATED:
			fprintf(out, "    database created: OID %u\n", (unsigned) c->loc.db);
			break;
		case LC_DB_DROPPED:
			fprintf(out, "    database dropped: OID %u\n", (unsigned) c->loc.db);
			break;
	}
}

const char *
report_lost_unavailable(const report_facts *f)
{
	if (f->ledger == NULL || (f->method != NULL && f->method->used == METHOD_COMPARE))
		return "the files were compared (--method=compare): no WAL of the target was read, so "
			"the transactions and changes the target loses cannot be listed";
	if (f->method == NULL || f->method->used != METHOD_PAGELSN)
		return NULL;
	return "the page-LSN scan was used: no WAL of the target after the divergence point was "
		"read, so the transactions and changes the target loses cannot be listed";
}

/* The divergence report for people. */
static void
report_print_text(const report_facts *f, FILE *out)
{
	const ledger_result *r;

	fprintf(out, "Divergence report:\n");
	fprintf(out, "  the servers diverged at " LSN_FMT " on timeline %u; the target went on to "
			LSN_FMT " on timeline %u, the source is on timeline %u\n", LSN_ARGS(f->diverge),
			(unsigned) f->diverge_tli, LSN_ARGS(f->target_end), (unsigned) f->target_tli,
			(unsigned) f->source_tli);
	if (f->have_checkpoint)
		fprintf(out, "  last common checkpoint: " LSN_FMT " (redo " LSN_FMT ") on timeline %u\n",
				LSN_ARGS(f->ckpt_lsn), LSN_ARGS(f->ckpt_redo), (unsigned) f->ckpt_tli);
	if (report_lost_unavailable(f))
	{
		fprintf(out, "  lost transactions: unavailable (%s)\n", report_lost_unavailable(f));
		return;
	}
	r = ledger_get(f->ledger);
	print_transactions(r, out);
	print_relations(f, r, out);
	if (r->nchanges > 0)
		fprintf(out, "  other changes lost:\n");
	for (size_t i = 0; i < r->nchanges; i++)
		print_change(f, &r->changes[i], out);
	if (r->undecodable)
		fprintf(out, "  warning: %" PRIu64 " WAL record%s could not be decoded for this report "
				"(first at " LSN_FMT "); the counts may be incomplete\n", r->undecodable,
				r->undecodable == 1 ? "" : "s", LSN_ARGS(r->first_undecodable));
}

void
report_print(const report_facts *f, FILE *out)
{
	if (f->plan)
		plan_print_summary(f->plan, out);
	report_print_plan_text(f, out);
	report_print_text(f, out);
}

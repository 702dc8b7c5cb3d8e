/*
 * The divergence report: what the target committed after the divergence
 * point and loses in the rewind, with relation names from the source's
 * catalog; and the dry run's view of the plan.  Printed as text on stderr,
 * or rendered as JSON for --format json and --report.
 */
#ifndef RW_REPORT_H
#define RW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/json.h"
#include "ledger.h"
#include "plan/estimate.h"
#include "plan/method.h"
#include "plan/plan.h"
#include "plan/scan.h"
#include "report/relnames.h"
#include "source/source.h"

/* The estimate of the copy time assumes this rate; it is not measured. */
#define REPORT_ASSUMED_BYTES_PER_SECOND (UINT64_C(100) * 1024 * 1024)

/* How many relations the plan lists by bytes to fetch. */
#define REPORT_TOP_RELATIONS 10

/* What the report is made of; members are borrowed, NULL when not reached. */
typedef struct report_facts {
	lsn_t		diverge;
	uint32_t	diverge_tli;	/* the last timeline both histories share */
	uint32_t	source_tli;
	uint32_t	target_tli;
	lsn_t		target_end;		/* end of the target's WAL */
	bool		have_checkpoint;
	lsn_t		ckpt_lsn;		/* last common checkpoint */
	lsn_t		ckpt_redo;
	uint32_t	ckpt_tli;
	const scan_stats *scan;
	const plan *plan;
	const method_choice *method;	/* with plan */
	const plan_estimate *estimate;	/* with plan: reads and transfer */
	const char *tsdir;
	const ledger *ledger;		/* finished */
	const rel_names *names;
	uint64_t	bytes_fetched;	/* read from the source so far (file contents,
								 * digests) */
	/* changed on the source during the copy (0 until it ran): files gone
	 * (but the WAL segments counted below) and files shorter than listed */
	uint64_t	vanished_files;
	uint64_t	shrunk_files;
	uint64_t	grown_files;
	/* WAL segments the rewound node needs that the source no longer had,
	 * before the first change or when they were to be copied */
	uint64_t	missing_wal_segments;
} report_facts;

/*
 * Why the transactions and changes the target loses cannot be listed (the
 * page-LSN scan read no WAL after the divergence point); NULL when they can.
 */
const char *report_lost_unavailable(const report_facts *f);

/*
 * What is known about a relation file: "known" (*name set), "created after
 * divergence" or "unknown" (*name NULL).
 */
const char *report_rel_status(const report_facts *f, relfile_locator loc,
							  const relation_name **name);

/* Seconds the copy takes at REPORT_ASSUMED_BYTES_PER_SECOND, rounded up. */
uint64_t	report_estimate_seconds(const plan *p);

/* Every relation file the report names, for rel_names_resolve. */
void		report_want_names(const report_facts *f, rel_names *rn);

/*
 * Everything a dry run or --report shows people: the plan summary, its
 * details, then the divergence report.
 */
void		report_print(const report_facts *f, FILE *out);

/* The JSON values of the "divergence", "plan" and "report" members. */
void		report_json_divergence(const report_facts *f, json_writer *w);
void		report_json_plan(const report_facts *f, json_writer *w);
void		report_json_report(const report_facts *f, json_writer *w);

/*
 * A JSON document: the result on stdout (--format json, with "status" and
 * "error" first) or the --report file (the three parts only).  The parts
 * are rendered JSON values; NULL writes null, and no "findings" member.
 */
typedef struct report_document {
	bool		result;			/* with "status" and "error" */
	const char *status;
	const rw_error *err;		/* NULL: "error": null */
	const char *divergence;
	const char *plan;
	const char *report;
	const char *salvage;		/* --salvage only */
	const char *findings;		/* --check only */
} report_document;

/* The one writer of the document's members (man/rewind.1, JSON OUTPUT). */
void		report_json_document(const report_document *d, FILE *out);

/* "2024-05-01T12:00:00.123456Z" from µs since 2000-01-01 00:00 UTC. */
void		report_format_pg_time(int64_t usecs, char *out, size_t outlen);

#endif

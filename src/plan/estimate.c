/*
 * The estimate of a run's reads and transfer (estimate.h), from a plan
 * built from both listings: which files each side reads is what the plan
 * and the method decide; only whether compared bytes differ is unknown
 * before the comparison, hence a lower and an upper bound of the transfer.
 * Memory only.
 */
#include "plan/estimate.h"

#include <string.h>

#include "control.h"
#include "lsn.h"
#include "pgver.h"
#include "plan/skip_identical.h"
#include "relpath.h"
#include "util/digest.h"

/* What the source sends for every range it hashes. */
#define DIGEST_BYTES ((uint64_t) DIGEST_LEN)

static uint64_t
pieces(uint64_t size, uint64_t unit)
{
	return (size + unit - 1) / unit;
}

static bool
is_wal_segment(const plan_entry *e, uint32_t segsize)
{
	uint32_t	tli;
	uint64_t	segno;

	return e->action == ACT_COPY && strncmp(e->path, "pg_wal/", 7) == 0 &&
		wal_file_name_parse(e->path + 7, segsize, &tli, &segno);
}

/* What every run reads of the source besides the plan: now, and at most. */
static void
reads_beside_plan(const estimate_input *in, plan_estimate *out)
{
	uint64_t	later = CONTROL_FILE_SIZE;	/* its control file again, at the end */

	for (size_t i = 0; in->config_files && i < in->config_files->n; i++)
	{
		const file_entry *f = file_list_find(in->source_files, in->config_files->items[i]);

		if (f && f->type == FILE_TYPE_REGULAR)
			later += f->size;
	}
	out->transfer_min = in->fetched_so_far;
	out->transfer_max = in->fetched_so_far + later;
}

/* The page-LSN scan reads every main-fork file of the target. */
static uint64_t
relation_files_size(const estimate_input *in)
{
	uint64_t	sum = 0;

	for (size_t i = 0; i < in->target_files->n; i++)
	{
		const file_entry *f = &in->target_files->items[i];
		relpath_info rp;

		if (f->type == FILE_TYPE_REGULAR && relpath_parse(f->path, in->tsdir, &rp) &&
			rp.fork == FORK_MAIN)
			sum += f->size;
	}
	return sum;
}

/*
 * The WAL and page-LSN methods: the blocks are known; whole-file copies
 * of a file the target has at the same size are hashed first and copied
 * only where they differ (plan_skip_identical).
 */
static void
estimate_known_blocks(const estimate_input *in, plan_estimate *out)
{
	const plan *p = in->plan;
	uint64_t	maybe_same = 0, digests = 0;

	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];

		if (is_wal_segment(e, in->segsize))
			out->source_wal += e->source_size;
		if (e->action == ACT_COPY && e->type == FILE_TYPE_REGULAR && e->target_exists &&
			e->source_size == e->target_size)
		{
			maybe_same += e->source_size;
			digests += pieces(e->source_size, HASH_CHUNK) * DIGEST_BYTES;
		}
	}
	out->target_relation_read = in->method == METHOD_PAGELSN ? relation_files_size(in) : 0;
	out->target_wal_read = in->target_wal_read;
	out->target_read = out->target_wal_read + out->target_relation_read + maybe_same;
	out->source_read = p->totals.fetch_bytes;
	out->transfer_min += p->totals.fetch_bytes - maybe_same + digests;
	out->transfer_max += p->totals.fetch_bytes + digests;
	out->wal_min = out->wal_max = out->source_wal;
}

/* Does the block compare hash e (plan_block_compare's candidates)? */
static bool
compared(const plan_entry *e)
{
	if (e->type != FILE_TYPE_REGULAR)
		return false;
	return e->action == ACT_NONE || e->action == ACT_COPY_TAIL || e->action == ACT_TRUNCATE ||
		(e->action == ACT_COPY && e->target_exists && e->source_size == e->target_size);
}

/*
 * The block compare: both sides read every byte they share once, and the
 * source sends the digest of each block of it;
 * what only the source has, or has more of, is copied in any case.  A
 * running source's WAL from the backup start is copied with the plan and
 * fetched again after the stop: at least the start's segment twice; at
 * most the plan's segments and one more, twice, when the source writes
 * less than a segment during the run.
 */
static void
estimate_compare(const estimate_input *in, plan_estimate *out)
{
	const plan *p = in->plan;
	uint64_t	sure = 0, maybe = 0, digests = 0;

	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];
		uint64_t	common = e->source_size < e->target_size ? e->source_size : e->target_size;

		if (is_wal_segment(e, in->segsize))
			out->source_wal += e->source_size;
		else if (compared(e))
		{
			maybe += common;
			digests += pieces(common, BLCKSZ) * DIGEST_BYTES;
			if (e->action == ACT_COPY_TAIL)
				sure += e->source_size - e->target_size;
		}
		else if (e->action == ACT_COPY && e->type == FILE_TYPE_REGULAR)
			sure += e->source_size;
	}
	out->target_read = maybe;
	out->source_read = sure + maybe + out->source_wal;
	out->wal_min = in->backup ? 2 * (uint64_t) in->segsize : out->source_wal;
	out->wal_max = in->backup ? 2 * (out->source_wal + in->segsize) : out->source_wal;
	out->transfer_min += sure + digests + out->wal_min;
	out->transfer_max += sure + maybe + digests + out->wal_max;
}

void
plan_estimate_compute(const estimate_input *in, plan_estimate *out)
{
	memset(out, 0, sizeof(*out));
	reads_beside_plan(in, out);
	if (in->method == METHOD_COMPARE)
		estimate_compare(in, out);
	else
		estimate_known_blocks(in, out);
}

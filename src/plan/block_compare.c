/*
 * The block compare (block_compare.h): the plan's files that both sides
 * have, read once in ranges of COMPARE_RANGE on each side (hash_blocks on
 * the source, here at the same time), their blocks' digests compared, and
 * the plan trimmed to the blocks that differ.  Reads the target and asks
 * the source; changes only the plan.
 */
#include "plan/block_compare.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/digest.h"
#include "util/log.h"
#include "pgver.h"
#include "xalloc.h"

/*
 * Ranges per round: bounds the memory of a compare of any size (a round
 * holds its ranges and both sides' block digests, 32 MB) while keeping
 * many batched queries in flight.
 */
#define ROUND_RANGES 4096

#define RANGE_BLOCKS (COMPARE_RANGE / BLCKSZ)

/* Ranges to compare, each owned by a plan entry, and their blocks' digests. */
typedef struct range_set {
	fetch_range *ranges;		/* paths borrowed from the plan */
	size_t	   *owner;			/* plan entry of each range */
	size_t		n;
	size_t		cap;
	size_t		owner_cap;
	/* range i's blocks: local[i * RANGE_BLOCKS ...], remote[i] */
	uint8_t    (*local)[DIGEST_LEN];
	uint32_t   *local_n;
	source_block_digests *remote;
} range_set;

static void
add_range(range_set *rs, const char *path, uint64_t off, uint32_t len, size_t owner)
{
	xgrow((void **) &rs->ranges, &rs->cap, rs->n + 1, sizeof(fetch_range));
	xgrow((void **) &rs->owner, &rs->owner_cap, rs->n + 1, sizeof(size_t));
	rs->ranges[rs->n].path = path;
	rs->ranges[rs->n].offset = off;
	rs->ranges[rs->n].len = len;
	rs->owner[rs->n++] = owner;
}

static void
range_set_free(range_set *rs)
{
	free(rs->ranges);
	free(rs->owner);
	free(rs->local);
	free(rs->local_n);
	if (rs->remote != NULL)
		free(rs->remote[0].sha256);
	free(rs->remote);
	memset(rs, 0, sizeof(*rs));
}

/* Is e a file both sides have, to compare over the bytes they share? */
static bool
is_candidate(const plan_entry *e)
{
	if (e->type != FILE_TYPE_REGULAR)
		return false;
	switch (e->action)
	{
		case ACT_NONE:
		case ACT_COPY_TAIL:
		case ACT_TRUNCATE:
			return true;
		case ACT_COPY:
			return e->target_exists && e->source_size == e->target_size;
		default:
			return false;
	}
}

static uint64_t
common_size(const plan_entry *e)
{
	return e->source_size < e->target_size ? e->source_size : e->target_size;
}

/* --- digests of both sides' blocks ---------------------------------------- */

typedef struct local_job {
	range_set  *rs;
	const char *pgdata;
	bool		ok;
	rw_error	err;
} local_job;

static void *
local_digests(void *arg)
{
	local_job  *j = arg;
	const char *open_path = NULL;
	char	   *full = NULL;
	uint8_t    *buf = xmalloc(COMPARE_RANGE);
	int			fd = -1;

	j->ok = true;
	for (size_t i = 0; j->ok && i < j->rs->n; i++)
	{
		const fetch_range *r = &j->rs->ranges[i];

		if (open_path != r->path)
		{
			if (fd >= 0)
				close(fd);
			free(full);
			open_path = r->path;
			full = xasprintf("%s/%s", j->pgdata, r->path);
			fd = open(full, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
			{
				j->ok = rw_fail_errno(&j->err, errno, "could not open file \"%s\"", full);
				break;
			}
		}
		j->ok = digest_fd_blocks(fd, full, r->offset, r->len, BLCKSZ, buf,
								 &j->rs->local[i * RANGE_BLOCKS], &j->rs->local_n[i], &j->err);
	}
	if (fd >= 0)
		close(fd);
	free(full);
	free(buf);
	return NULL;
}

/* Both sides' block digests of rs's ranges: the target is read while the source hashes. */
static bool
hash_both_sides(range_set *rs, source *src, const char *pgdata, rw_error *err)
{
	uint8_t    (*remote)[DIGEST_LEN] = xcalloc(rs->n * RANGE_BLOCKS + 1, DIGEST_LEN);
	local_job	job = {.rs = rs, .pgdata = pgdata};
	pthread_t	th;
	bool		threaded,
				ok;

	rs->local = xcalloc(rs->n * RANGE_BLOCKS + 1, DIGEST_LEN);
	rs->local_n = xcalloc(rs->n + 1, sizeof(uint32_t));
	rs->remote = xcalloc(rs->n + 1, sizeof(source_block_digests));
	for (size_t i = 0; i <= rs->n; i++)
		rs->remote[i].sha256 = &remote[i * RANGE_BLOCKS];
	threaded = pthread_create(&th, NULL, local_digests, &job) == 0;
	ok = src->ops->hash_blocks(src, rs->ranges, rs->n, rs->remote, err);
	if (threaded)
		pthread_join(th, NULL);
	else
		local_digests(&job);
	if (ok && !job.ok)
	{
		*err = job.err;
		ok = false;
	}
	return ok;
}

/* --- one round: the verdict of each entry from its blocks' digests ------- */

typedef struct verdict {
	bool		missing;		/* the file is gone from the source */
	uint32_t   *blocks;			/* differing blocks, ascending */
	size_t		nblocks;
	size_t		cap;
	uint64_t	same_bytes;
} verdict;

/*
 * Range i's blocks into its entry's verdict: a block is the same when
 * both sides read it and their digests match; one the source no longer
 * has (a file shorter now) differs, and the copy finds out.
 */
static void
judge_range(const range_set *rs, size_t i, verdict *e, compare_stats *stats)
{
	const fetch_range *r = &rs->ranges[i];
	const source_block_digests *remote = &rs->remote[i];
	uint32_t	nblocks = (r->len + BLCKSZ - 1) / BLCKSZ;

	stats->bytes += r->len;
	stats->blocks += nblocks;
	if (remote->missing)
	{
		e->missing = true;
		return;
	}
	for (uint32_t k = 0; k < nblocks; k++)
	{
		uint32_t	len = r->len - k * BLCKSZ < BLCKSZ ? r->len - k * BLCKSZ : BLCKSZ;

		if (k < remote->nblocks && k < rs->local_n[i] &&
			memcmp(remote->sha256[k], rs->local[i * RANGE_BLOCKS + k], DIGEST_LEN) == 0)
			e->same_bytes += len;
		else
		{
			xgrow((void **) &e->blocks, &e->cap, e->nblocks + 1, sizeof(uint32_t));
			e->blocks[e->nblocks++] = (uint32_t) (r->offset / BLCKSZ + k);
			stats->blocks_differing++;
		}
	}
}

/* Entry e after its compare; ACT_COUNT marks it for removal. */
static void
apply_verdict(plan *p, plan_entry *e, verdict *v)
{
	p->totals.identical_bytes += v->same_bytes;
	if (v->missing)
	{
		/* gone from the source: a whole-file copy, which removes it */
		e->action = ACT_COPY;
		e->target_exists = true;
		free(v->blocks);
		return;
	}
	e->blocks = v->blocks;
	e->nblocks = v->nblocks;
	if (e->action == ACT_COPY)
		e->action = ACT_NONE;
	if (e->action == ACT_NONE && e->nblocks == 0)
	{
		p->totals.identical_files++;
		e->action = ACT_COUNT;
	}
}

/* Compare entries first..end (candidates among them). */
static bool
compare_round(plan *p, size_t first, size_t end, source *src, const char *pgdata,
			  compare_stats *stats, rw_error *err)
{
	range_set	rs = {0};
	verdict    *v = xcalloc(end - first, sizeof(verdict));
	bool		ok;

	for (size_t i = first; i < end; i++)
	{
		const plan_entry *e = &p->entries[i];
		uint64_t	size = common_size(e);

		if (!is_candidate(e))
			continue;
		stats->files++;
		for (uint64_t off = 0; off < size; off += COMPARE_RANGE)
			add_range(&rs, e->path, off,
					  (uint32_t) (size - off < COMPARE_RANGE ? size - off : COMPARE_RANGE), i);
	}
	ok = hash_both_sides(&rs, src, pgdata, err);
	for (size_t i = 0; ok && i < rs.n; i++)
		judge_range(&rs, i, &v[rs.owner[i] - first], stats);
	for (size_t i = first; i < end; i++)
	{
		if (ok && is_candidate(&p->entries[i]))
			apply_verdict(p, &p->entries[i], &v[i - first]);
		else
			free(v[i - first].blocks);
	}
	free(v);
	range_set_free(&rs);
	return ok;
}

bool
plan_block_compare(plan *p, source *src, const char *target_pgdata, compare_stats *stats,
				   rw_error *err)
{
	size_t		first = 0;
	bool		ok = true;

	memset(stats, 0, sizeof(*stats));
	while (ok && first < p->n)
	{
		size_t		end = first;
		uint64_t	nranges = 0;

		/* whole entries per round, until it holds ROUND_RANGES ranges */
		while (end < p->n && (nranges < ROUND_RANGES || end == first))
		{
			if (is_candidate(&p->entries[end]))
				nranges += (common_size(&p->entries[end]) + COMPARE_RANGE - 1) / COMPARE_RANGE;
			end++;
		}
		ok = compare_round(p, first, end, src, target_pgdata, stats, err);
		first = end;
	}
	if (!ok)
	{
		rw_context(err, "comparing files with the source");
		return false;
	}
	plan_drop_marked(p);
	plan_recount(p);
	log_debug("compared %llu files (%llu blocks, %llu bytes read once on each side): "
			  "%llu blocks differ", (unsigned long long) stats->files,
			  (unsigned long long) stats->blocks, (unsigned long long) stats->bytes,
			  (unsigned long long) stats->blocks_differing);
	return true;
}

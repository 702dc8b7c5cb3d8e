/*
 * The block compare (block_compare.h): the plan's files that both sides
 * have, hashed in chunks on the source (hash_ranges) and here at the same
 * time, the differing chunks hashed again block by block, and the plan
 * trimmed to the blocks that differ.  Reads the target and asks the
 * source; changes only the plan.
 */
#include "plan/block_compare.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/skip_identical.h"
#include "util/digest.h"
#include "util/log.h"
#include "pgver.h"
#include "xalloc.h"

/*
 * Chunks per round: bounds the memory of a compare of any size (a round
 * holds its ranges and digests) while keeping many batched queries in
 * flight.
 */
#define ROUND_CHUNKS 4096

/* Ranges to compare, each owned by a plan entry. */
typedef struct range_set {
	fetch_range *ranges;		/* paths borrowed from the plan */
	size_t	   *owner;			/* plan entry of each range */
	size_t		n;
	size_t		cap;
	size_t		owner_cap;
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

/* --- digests of the target's ranges -------------------------------------- */

typedef struct local_job {
	const range_set *rs;
	const char *pgdata;
	uint8_t    (*out)[DIGEST_LEN];
	bool		ok;
	rw_error	err;
} local_job;

static void *
local_digests(void *arg)
{
	local_job  *j = arg;
	const char *open_path = NULL;
	char	   *full = NULL;
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
		j->ok = digest_fd_range(fd, full, r->offset, r->len, j->out[i], &j->err);
	}
	if (fd >= 0)
		close(fd);
	free(full);
	return NULL;
}

/*
 * same[i]: range i has the same digest on both sides; missing[i]: its file
 * is gone from the source.  The target is read while the source hashes.
 */
static bool
compare_ranges(const range_set *rs, source *src, const char *pgdata, bool *same,
			   bool *missing, rw_error *err)
{
	source_digest *remote = xcalloc(rs->n + 1, sizeof(source_digest));
	uint8_t    (*local)[DIGEST_LEN] = xcalloc(rs->n + 1, DIGEST_LEN);
	local_job	job = {.rs = rs, .pgdata = pgdata, .out = local};
	pthread_t	th;
	bool		threaded = pthread_create(&th, NULL, local_digests, &job) == 0;
	bool		ok = src->ops->hash_ranges(src, rs->ranges, rs->n, remote, err);

	if (threaded)
		pthread_join(th, NULL);
	else
		local_digests(&job);
	if (ok && !job.ok)
	{
		*err = job.err;
		ok = false;
	}
	for (size_t i = 0; ok && i < rs->n; i++)
	{
		missing[i] = remote[i].missing;
		same[i] = !missing[i] && memcmp(local[i], remote[i].sha256, DIGEST_LEN) == 0;
	}
	free(remote);
	free(local);
	return ok;
}

/* --- one round: chunks, then the blocks of those that differ ------------- */

typedef struct verdict {
	bool		missing;		/* the file is gone from the source */
	uint32_t   *blocks;			/* differing blocks, ascending */
	size_t		nblocks;
	size_t		cap;
	uint64_t	same_bytes;
} verdict;

static bool
compare_blocks(const range_set *chunks, const bool *chunk_same, const bool *chunk_missing,
			   source *src, const char *pgdata, verdict *v, size_t first_entry,
			   compare_stats *stats, rw_error *err)
{
	range_set	blocks = {0};
	bool	   *same, *missing;
	bool		ok;

	for (size_t i = 0; i < chunks->n; i++)
	{
		const fetch_range *c = &chunks->ranges[i];

		if (chunk_same[i] || chunk_missing[i])
			continue;
		stats->chunks_differing++;
		for (uint64_t off = c->offset; off < c->offset + c->len; off += BLCKSZ)
		{
			uint64_t	left = c->offset + c->len - off;

			add_range(&blocks, c->path, off, (uint32_t) (left < BLCKSZ ? left : BLCKSZ),
					  chunks->owner[i]);
		}
	}
	same = xcalloc(blocks.n + 1, sizeof(bool));
	missing = xcalloc(blocks.n + 1, sizeof(bool));
	ok = compare_ranges(&blocks, src, pgdata, same, missing, err);
	for (size_t i = 0; ok && i < blocks.n; i++)
	{
		verdict    *e = &v[blocks.owner[i] - first_entry];

		stats->bytes += blocks.ranges[i].len;
		if (missing[i])
			e->missing = true;
		else if (same[i])
			e->same_bytes += blocks.ranges[i].len;
		else
		{
			xgrow((void **) &e->blocks, &e->cap, e->nblocks + 1, sizeof(uint32_t));
			e->blocks[e->nblocks++] = (uint32_t) (blocks.ranges[i].offset / BLCKSZ);
			stats->blocks_differing++;
		}
	}
	free(same);
	free(missing);
	range_set_free(&blocks);
	return ok;
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
	range_set	chunks = {0};
	verdict    *v = xcalloc(end - first, sizeof(verdict));
	bool	   *same, *missing;
	bool		ok;

	for (size_t i = first; i < end; i++)
	{
		const plan_entry *e = &p->entries[i];
		uint64_t	size = common_size(e);

		if (!is_candidate(e))
			continue;
		stats->files++;
		for (uint64_t off = 0; off < size; off += HASH_CHUNK)
			add_range(&chunks, e->path, off,
					  (uint32_t) (size - off < HASH_CHUNK ? size - off : HASH_CHUNK), i);
	}
	stats->chunks += chunks.n;
	same = xcalloc(chunks.n + 1, sizeof(bool));
	missing = xcalloc(chunks.n + 1, sizeof(bool));
	ok = compare_ranges(&chunks, src, pgdata, same, missing, err);
	for (size_t i = 0; ok && i < chunks.n; i++)
	{
		verdict    *e = &v[chunks.owner[i] - first];

		stats->bytes += chunks.ranges[i].len;
		e->missing = e->missing || missing[i];
		if (same[i])
			e->same_bytes += chunks.ranges[i].len;
	}
	ok = ok && compare_blocks(&chunks, same, missing, src, pgdata, v, first, stats, err);
	for (size_t i = first; i < end; i++)
	{
		if (ok && is_candidate(&p->entries[i]))
			apply_verdict(p, &p->entries[i], &v[i - first]);
		else
			free(v[i - first].blocks);
	}
	free(same);
	free(missing);
	free(v);
	range_set_free(&chunks);
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
		uint64_t	nchunks = 0;

		/* whole entries per round, until it holds ROUND_CHUNKS chunks */
		while (end < p->n && (nchunks < ROUND_CHUNKS || end == first))
		{
			if (is_candidate(&p->entries[end]))
				nchunks += (common_size(&p->entries[end]) + HASH_CHUNK - 1) / HASH_CHUNK;
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
	log_debug("compared %llu files (%llu chunks, %llu bytes on each side): %llu chunks "
			  "differ, %llu blocks of them", (unsigned long long) stats->files,
			  (unsigned long long) stats->chunks, (unsigned long long) stats->bytes,
			  (unsigned long long) stats->chunks_differing,
			  (unsigned long long) stats->blocks_differing);
	return true;
}

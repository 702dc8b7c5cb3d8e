/*
 * Whole-file copies the target may not need: SHA-256 digests of the
 * planned ranges from the source against the target's own, and the plan
 * trimmed to what differs (skip_identical.h).  Reads the target and asks the
 * source; changes only the plan.
 */

#include "plan/skip_identical.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/digest.h"
#include "util/log.h"
#include "pgver.h"
#include "xalloc.h"

/*
 * Which files are worth comparing.  A comparison costs a share of one
 * batched round trip (up to 256 ranges each, several in flight with --jobs)
 * and reading the file on both sides; a copy costs the same round-trip
 * share plus the bytes, a write and an fsync of the file on the target.
 * The hash query and the fetch batch ranges alike, so even for the
 * smallest files a comparison never adds more than one round trip per 256
 * files that turn out to differ, and each identical file saves a write and
 * an fsync.  So every candidate is compared: no size threshold.  Empty
 * files of the same size are identical without asking.
 */
static bool
is_candidate(const plan_entry *e)
{
	return e->action == ACT_COPY && e->type == FILE_TYPE_REGULAR && e->target_exists &&
		e->source_size == e->target_size;
}

typedef struct compare_set {
	fetch_range *ranges;		/* paths borrowed from the plan */
	size_t	   *owner;			/* plan entry of each range */
	size_t		n;
	size_t		cap;
	size_t		owner_cap;
} compare_set;

static void
add_ranges(compare_set *cs, const plan_entry *e, size_t index)
{
	for (uint64_t off = 0; off < e->source_size; off += HASH_CHUNK)
	{
		uint64_t	left = e->source_size - off;

		xgrow((void **) &cs->ranges, &cs->cap, cs->n + 1, sizeof(fetch_range));
		xgrow((void **) &cs->owner, &cs->owner_cap, cs->n + 1, sizeof(size_t));
		cs->ranges[cs->n].path = e->path;
		cs->ranges[cs->n].offset = off;
		cs->ranges[cs->n].len = (uint32_t) (left < HASH_CHUNK ? left : HASH_CHUNK);
		cs->owner[cs->n++] = index;
	}
}

/* Does the target's copy of each range match the source's digest? */
static bool
compare_local(const compare_set *cs, const source_digest *remote, const char *pgdata,
			  bool *same, rw_error *err)
{
	const char *open_path = NULL;
	char	   *full = NULL;
	int			fd = -1;
	bool		ok = true;

	for (size_t i = 0; ok && i < cs->n; i++)
	{
		const fetch_range *r = &cs->ranges[i];
		uint8_t		local[DIGEST_LEN];

		same[i] = false;
		if (remote[i].missing)
			continue;
		if (open_path != r->path)
		{
			if (fd >= 0)
				close(fd);
			free(full);
			open_path = r->path;
			full = xasprintf("%s/%s", pgdata, r->path);
			fd = open(full, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				ok = rw_fail_errno(err, errno, "could not open file \"%s\"", full);
		}
		if (ok)
			ok = digest_fd_range(fd, full, r->offset, r->len, local, err);
		if (ok)
			same[i] = memcmp(local, remote[i].sha256, DIGEST_LEN) == 0;
	}
	if (fd >= 0)
		close(fd);
	free(full);
	return ok;
}

/* The blocks of the differing chunks first..end of entry e. */
static void
chunks_to_blocks(plan_entry *e, const compare_set *cs, const bool *same, size_t first,
				 size_t end)
{
	size_t		count = 0;

	for (size_t i = first; i < end; i++)
		if (!same[i])
			count += (cs->ranges[i].len + BLCKSZ - 1) / BLCKSZ;
	e->blocks = xmalloc(count * sizeof(uint32_t));
	for (size_t i = first; i < end; i++)
	{
		uint32_t	blk = (uint32_t) (cs->ranges[i].offset / BLCKSZ);
		uint32_t	nblk = (cs->ranges[i].len + BLCKSZ - 1) / BLCKSZ;

		for (uint32_t b = 0; !same[i] && b < nblk; b++)
			e->blocks[e->nblocks++] = blk + b;
	}
	e->action = ACT_NONE;
}

/*
 * Apply the verdicts to the entries owning cs's ranges: identical ones get
 * ACT_COUNT (removed by the caller), large ones that differ in part copy
 * the differing chunks only.  A file the source no longer has stays a
 * whole-file copy, which removes it from the target.
 */
static void
apply_verdicts(plan *p, const compare_set *cs, const source_digest *remote, const bool *same)
{
	size_t		i = 0;

	while (i < cs->n)
	{
		plan_entry *e = &p->entries[cs->owner[i]];
		size_t		end = i, ndiff = 0;
		uint64_t	same_bytes = 0;
		bool		missing = false;

		for (; end < cs->n && cs->owner[end] == cs->owner[i]; end++)
		{
			ndiff += !same[end];
			missing = missing || remote[end].missing;
			if (same[end])
				same_bytes += cs->ranges[end].len;
		}
		if (ndiff == 0)
		{
			p->totals.identical_files++;
			p->totals.identical_bytes += same_bytes;
			e->action = ACT_COUNT;
		}
		else if (!missing && same_bytes > 0)
		{
			p->totals.identical_bytes += same_bytes;
			chunks_to_blocks(e, cs, same, i, end);
		}
		i = end;
	}
}

bool
plan_skip_identical(plan *p, source *src, const char *target_pgdata, rw_error *err)
{
	compare_set cs = {0};
	source_digest *remote;
	bool	   *same;
	bool		ok;

	for (size_t i = 0; i < p->n; i++)
	{
		plan_entry *e = &p->entries[i];

		if (!is_candidate(e))
			continue;
		if (e->source_size == 0)
		{
			p->totals.identical_files++;
			e->action = ACT_COUNT;
		}
		else
			add_ranges(&cs, e, i);
	}
	remote = xcalloc(cs.n + 1, sizeof(source_digest));
	same = xcalloc(cs.n + 1, sizeof(bool));
	ok = src->ops->hash_ranges(src, cs.ranges, cs.n, remote, err) &&
		compare_local(&cs, remote, target_pgdata, same, err);
	if (ok)
	{
		apply_verdicts(p, &cs, remote, same);
		plan_drop_marked(p);
		plan_recount(p);
		log_debug("compared %zu ranges by SHA-256: %llu files identical, %llu bytes not fetched",
				  cs.n, (unsigned long long) p->totals.identical_files,
				  (unsigned long long) p->totals.identical_bytes);
	}
	else
		rw_context(err, "comparing files with the source");
	free(remote);
	free(same);
	free(cs.ranges);
	free(cs.owner);
	return ok;
}

#include "execute.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define BLCKSZ 8192
/* Ranges handed to the source at once; it batches them into round trips. */
#define QUEUE_RANGES 4096

typedef struct range_owner {
	const plan_entry *entry;
} range_owner;

typedef struct fetch_queue {
	fetch_range ranges[QUEUE_RANGES];
	range_owner owners[QUEUE_RANGES];
	size_t		n;
	source	   *src;
	target_writer *w;
	progress   *prog;
} fetch_queue;

static bool
sink(void *ctx, size_t index, const uint8_t *data, size_t len, bool missing,
	 rw_error *err)
{
	fetch_queue *q = ctx;
	const fetch_range *r = &q->ranges[index];
	const plan_entry *e = q->owners[index].entry;

	if (missing)
	{
		/*
		 * Gone from the source while we run: the relation or segment was
		 * dropped there, and replaying the source's WAL from the last common
		 * checkpoint removes it too.  A whole-file copy leaves nothing behind.
		 */
		if (e->action == ACT_COPY)
			return tw_remove_file(q->w, e->path, err);
		return true;
	}
	progress_update(q->prog, len, false);
	return tw_write(q->w, r->path, r->offset, data, len, err);
}

static bool
flush(fetch_queue *q, rw_error *err)
{
	bool		ok;

	if (q->n == 0)
		return true;
	ok = q->src->ops->fetch(q->src, q->ranges, q->n, sink, q, err);
	q->n = 0;
	return ok;
}

static bool
queue_range(fetch_queue *q, const plan_entry *e, uint64_t offset, uint64_t len,
			rw_error *err)
{
	while (len > 0)
	{
		uint32_t	piece = len > FETCH_RANGE_MAX ? FETCH_RANGE_MAX : (uint32_t) len;

		if (q->n == QUEUE_RANGES && !flush(q, err))
			return false;
		q->ranges[q->n].path = e->path;
		q->ranges[q->n].offset = offset;
		q->ranges[q->n].len = piece;
		q->owners[q->n].entry = e;
		q->n++;
		offset += piece;
		len -= piece;
	}
	return true;
}

/* Adjacent changed blocks become one range. */
static bool
queue_blocks(fetch_queue *q, const plan_entry *e, rw_error *err)
{
	size_t		i = 0;

	while (i < e->nblocks)
	{
		size_t		j = i + 1;

		while (j < e->nblocks && e->blocks[j] == e->blocks[j - 1] + 1 &&
			   (uint64_t) (j - i + 1) * BLCKSZ <= FETCH_RANGE_MAX)
			j++;
		if (!queue_range(q, e, (uint64_t) e->blocks[i] * BLCKSZ,
						 (uint64_t) (j - i) * BLCKSZ, err))
			return false;
		i = j;
	}
	return true;
}

static bool
start_entry(fetch_queue *q, const plan_entry *e, rw_error *err)
{
	target_writer *w = q->w;

	switch (e->action)
	{
		case ACT_CREATE_DIR:
			return tw_create_dir(w, e->path, err);
		case ACT_CREATE_LINK:
			return tw_create_symlink(w, e->path, e->link_target, err);
		case ACT_COPY:
			return tw_create_empty(w, e->path, err) &&
				queue_range(q, e, 0, e->source_size, err);
		case ACT_COPY_TAIL:
			return queue_blocks(q, e, err) &&
				queue_range(q, e, e->target_size, e->source_size - e->target_size, err);
		case ACT_TRUNCATE:
			return tw_truncate(w, e->path, e->source_size, err) && queue_blocks(q, e, err);
		case ACT_NONE:
			return queue_blocks(q, e, err);
		case ACT_REMOVE:
		case ACT_COUNT:
			break;
	}
	return true;
}

bool
execute_plan(const plan *p, source *src, target_writer *w, progress *prog, rw_error *err)
{
	fetch_queue *q = xcalloc(1, sizeof(*q));
	bool		ok = true;

	q->src = src;
	q->w = w;
	q->prog = prog;
	prog->total = p->totals.fetch_bytes;

	/* parents sort before their children: create and copy in path order */
	for (size_t i = 0; ok && i < p->n; i++)
		ok = start_entry(q, &p->entries[i], err);
	ok = ok && flush(q, err);
	free(q);
	if (!ok)
		return false;
	progress_update(prog, 0, true);

	/* children before their parents: remove in reverse order */
	for (size_t i = p->n; i-- > 0;)
	{
		const plan_entry *e = &p->entries[i];

		if (e->action != ACT_REMOVE)
			continue;
		if (e->type == FILE_TYPE_DIRECTORY ? !tw_remove_dir(w, e->path, err)
			: !tw_remove_file(w, e->path, err))
			return false;
	}
	return true;
}

/*
 * Carrying out a plan (execute.h): fetch the ranges it needs from the
 * source and hand them to the target writer, remove and recycle what the
 * target must lose, and estimate the disk space first.  Changes the target
 * only through the writer.
 */

#include "run/execute.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "byte_size.h"
#include "pathname.h"
#include "pgver.h"
#include "target/journal.h"
#include "util/test_hooks.h"
#include "xalloc.h"

/*
 * Ranges handed to the source at once; it batches them into round trips.
 * The first batch is saved in the journal before any fetch starts, so it
 * is small, and each one after it twice the one before (up to the most):
 * the fetch starts early and the saving keeps ahead of it.
 */
#define QUEUE_RANGES 4096
#define QUEUE_RANGES_FIRST 256

typedef struct range_owner {
	const plan_entry *entry;
	bool		probe;			/* the byte after the listed end: read, never written */
} range_owner;

/* What the source did to a planned file while the copy ran. */
#define FILE_VANISHED 0x01
#define FILE_SHRUNK 0x02
#define FILE_GROWN 0x04

/*
 * The link's use over time, for --debug: a line per LINK_INTERVAL_S or
 * more with the bytes received since the last one (an interval without a
 * byte shows as a long one: the link idled while the target was written).
 */
#define LINK_INTERVAL_S 1.0

typedef struct link_meter {
	bool		on;				/* --debug */
	double		last_s;			/* when the last line was printed */
	uint64_t	last_bytes;		/* src->bytes_fetched then */
	double		start_s;		/* when the copy started */
	double		fetch_s;		/* time spent in the source's fetch */
	double		protect_s;		/* waiting for the next batch's old bytes to be saved */
	double		seal_s;			/* syncing the journal before a batch's writes */
	size_t		fetches;		/* batches fetched */
} link_meter;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
meter_start(link_meter *m, const source *src)
{
	m->on = log_debug_enabled();
	m->last_s = m->on ? now_s() : 0;
	m->start_s = m->last_s;
	m->fetch_s = 0;
	m->protect_s = 0;
	m->seal_s = 0;
	m->fetches = 0;
	m->last_bytes = src->bytes_fetched;
}

/* The source's fetch of a batch, timed for --debug. */
static bool
meter_fetch(link_meter *m, source *src, const fetch_range *ranges, size_t n,
			fetch_sink sink_fn, void *ctx, rw_error *err)
{
	double		t0 = m->on ? now_s() : 0;
	bool		ok = src->ops->fetch(src, ranges, n, sink_fn, ctx, err);

	if (m->on)
		m->fetch_s += now_s() - t0;
	m->fetches++;
	return ok;
}

/* Time since t0 added to *sum, for --debug. */
static void
meter_add(const link_meter *m, double *sum, double t0)
{
	if (m->on)
		*sum += now_s() - t0;
}

/*
 * At the end: how long the copy took and how much of it no fetch ran (the
 * journal being written, the target changed between batches), and of that
 * how long the fetch waited for the journal.
 */
static void
meter_end(link_meter *m)
{
	double		total;

	if (!m->on)
		return;
	total = now_s() - m->start_s;
	log_debug("copy: %.2f s, of which %.2f s fetching (%zu batches); no fetch ran for %.2f s "
			  "(%.2f s waiting for old bytes saved in the journal, %.2f s syncing it)",
			  total, m->fetch_s, m->fetches, total - m->fetch_s, m->protect_s, m->seal_s);
}

/* A line when an interval has passed (or at the end, when final). */
static void
meter_tick(link_meter *m, const source *src, bool final)
{
	double		now, span;
	uint64_t	bytes;
	char		got[BYTE_SIZE_LEN], rate[BYTE_SIZE_LEN];

	if (!m->on)
		return;
	now = now_s();
	span = now - m->last_s;
	if (span < LINK_INTERVAL_S && !(final && span > 0))
		return;
	bytes = src->bytes_fetched - m->last_bytes;
	byte_size_format(got, sizeof(got), bytes);
	byte_size_format(rate, sizeof(rate), (uint64_t) ((double) bytes / span));
	log_debug("link: %s received in %.2f s (%s/s)", got, span, rate);
	m->last_s = now;
	m->last_bytes = src->bytes_fetched;
}

typedef struct batch {
	fetch_range ranges[QUEUE_RANGES];
	range_owner owners[QUEUE_RANGES];
	size_t		n;
} batch;

/*
 * The protecting thread: saves a batch's old bytes into the journal
 * (target_writer_protect) while the previous batch is fetched and written.
 * Between its start and its join, only it touches its batch and err.
 */
typedef struct protector {
	target_writer *w;
	const batch *b;
	bool		ok;
	rw_error	err;
	pthread_t	th;
	bool		running;		/* started in a thread, not yet joined */
} protector;

/*
 * Two batches: one filled (start_entry) then protected in the background,
 * the other, protected and sealed, fetched and written.  fetching is the
 * batch the sink writes.
 */
typedef struct fetch_queue {
	batch		b[2];
	int			filling;		/* the batch queue_range appends to */
	int			ready;			/* protected, not yet sealed and fetched; or -1 */
	int			protecting;		/* given to prot; or -1 */
	const batch *fetching;
	size_t		limit;			/* ranges the batch being filled takes */
	protector	prot;
	source	   *src;
	target_writer *w;
	progress   *prog;
	const plan_entry *entries;	/* the plan's, to index changes */
	uint8_t    *changes;		/* FILE_* per plan entry */
	link_meter	meter;
} fetch_queue;

/*
 * A file copied up to its listed end has more bytes on the source now.
 * Replaying the source's WAL repeats what was appended to a relation file
 * or a WAL segment; any other file would keep a torn copy: refuse it.
 */
static bool
grown(const plan_entry *e, uint8_t *change, rw_error *err)
{
	if (e->is_relation || strncmp(e->path, "pg_wal/", 7) == 0)
	{
		if (!(*change & FILE_GROWN))
			log_debug("\"%s\" grew on the source during the copy", e->path);
		*change |= FILE_GROWN;
		return true;
	}
	/* not counted among the files replay accounts for */
	rw_fail(err, RW_ESTATE, "file \"%s\" grew on the source during the copy (%llu bytes "
			"when listed): its copy would be torn, and no WAL replay repairs it",
			e->path, (unsigned long long) e->source_size);
	rw_hint(err, "Something writes into the source's data directory; stop it (or move "
			"that file out of the data directory) before rewinding.");
	return false;
}

static bool
sink(void *ctx, size_t index, const uint8_t *data, size_t len, bool missing,
	 rw_error *err)
{
	fetch_queue *q = ctx;
	const fetch_range *r = &q->fetching->ranges[index];
	const plan_entry *e = q->fetching->owners[index].entry;
	uint8_t    *change = &q->changes[e - q->entries];

	meter_tick(&q->meter, q->src, false);
	if (missing)
	{
		/*
		 * Gone from the source while we run: the relation or segment was
		 * dropped there, and replaying the source's WAL from the last common
		 * checkpoint removes it too.  A whole-file copy leaves nothing
		 * behind; it is removed at its first missing range.
		 */
		if (*change & FILE_VANISHED)
			return true;
		*change |= FILE_VANISHED;
		log_debug("\"%s\" vanished from the source during the copy", e->path);
		return e->action != ACT_COPY || target_writer_remove_file(q->w, e->path, err);
	}
	if (q->fetching->owners[index].probe)
		return len == 0 || grown(e, change, err);
	if (len < r->len && !(*change & FILE_SHRUNK))
	{
		/* truncated there (VACUUM, TRUNCATE); replay truncates it here too */
		*change |= FILE_SHRUNK;
		log_debug("\"%s\" shrank on the source during the copy", e->path);
	}
	progress_update(q->prog, len, false);
	return target_writer_write(q->w, r->path, r->offset, data, len, err);
}

/*
 * Gaps up to this between the ranges of a file are read ahead with them:
 * one call for a file's scattered blocks rather than one per block.
 */
#define PREFETCH_GAP (64 * 1024)

/* Start reading what the batch's ranges overwrite on the target. */
static void
prefetch(target_writer *w, const batch *b)
{
	size_t		i = 0;

	while (i < b->n)
	{
		const fetch_range *r = &b->ranges[i];
		uint64_t	end = r->offset + r->len;
		size_t		j = i + 1;

		if (b->owners[i].probe)
		{
			i++;
			continue;
		}
		/* a file's ranges are queued in offset order */
		while (j < b->n && !b->owners[j].probe && strcmp(b->ranges[j].path, r->path) == 0 &&
			   b->ranges[j].offset >= r->offset && b->ranges[j].offset <= end + PREFETCH_GAP)
		{
			if (b->ranges[j].offset + b->ranges[j].len > end)
				end = b->ranges[j].offset + b->ranges[j].len;
			j++;
		}
		target_writer_prefetch(w, r->path, r->offset, end - r->offset);
		i = j;
	}
}

/* Save what the batch overwrites (not yet synced: target_writer_seal). */
static void *
protect_batch(void *arg)
{
	protector  *p = arg;
	const batch *b = p->b;

	prefetch(p->w, b);
	p->ok = true;
	for (size_t i = 0; p->ok && i < b->n; i++)
		if (!b->owners[i].probe)
			p->ok = target_writer_protect(p->w, b->ranges[i].path, b->ranges[i].offset,
										  b->ranges[i].len, &p->err);
	return NULL;
}

/* Protect batch k in the background (in this thread if none can start). */
static void
protect_start(fetch_queue *q, int k)
{
	protector  *p = &q->prot;

	p->w = q->w;
	p->b = &q->b[k];
	q->protecting = k;
	q->limit = q->limit * 2 > QUEUE_RANGES ? QUEUE_RANGES : q->limit * 2;
	p->running = pthread_create(&p->th, NULL, protect_batch, p) == 0;
	if (!p->running)
		protect_batch(p);
}

/* Wait for the batch being protected: it becomes ready, or its error err. */
static bool
protect_wait(fetch_queue *q, rw_error *err)
{
	protector  *p = &q->prot;

	if (q->protecting < 0)
		return true;
	if (p->running)
		pthread_join(p->th, NULL);
	p->running = false;
	q->ready = q->protecting;
	q->protecting = -1;
	if (!p->ok)
		*err = p->err;
	return p->ok;
}

/*
 * One step of the pipeline: the ready batch is sealed, the filled one starts
 * being protected, and the ready one is fetched and written meanwhile.  The
 * filled batch never overlaps the ready one: a plan writes each byte once.
 */
static bool
flush_step(fetch_queue *q, rw_error *err)
{
	int			k;
	bool		ok;
	double		t0 = q->meter.on ? now_s() : 0;

	ok = protect_wait(q, err);
	meter_add(&q->meter, &q->meter.protect_s, t0);
	if (!ok)
		return false;
	if (q->ready < 0)
	{
		if (q->b[q->filling].n > 0)
		{
			protect_start(q, q->filling);
			q->filling = 1 - q->filling;
		}
		return true;
	}
	k = q->ready;
	q->ready = -1;
	t0 = q->meter.on ? now_s() : 0;
	ok = target_writer_seal(q->w, err);
	meter_add(&q->meter, &q->meter.seal_s, t0);
	if (!ok)
		return false;
	if (q->b[q->filling].n > 0)
	{
		protect_start(q, q->filling);
		q->filling = k;
	}
	q->fetching = &q->b[k];
	ok = meter_fetch(&q->meter, q->src, q->b[k].ranges, q->b[k].n, sink, q, err);
	q->b[k].n = 0;
	q->fetching = NULL;
	return ok;
}

/* Everything queued fetched and written. */
static bool
flush_all(fetch_queue *q, rw_error *err)
{
	while (q->protecting >= 0 || q->ready >= 0 || q->b[q->filling].n > 0)
		if (!flush_step(q, err))
			return false;
	return true;
}

/* A full batch: hand it on, so the one being filled is empty again. */
static bool
batch_full(fetch_queue *q, rw_error *err)
{
	while (q->b[q->filling].n >= q->limit)
		if (!flush_step(q, err))
			return false;
	return true;
}

static bool
queue_range(fetch_queue *q, const plan_entry *e, uint64_t offset, uint64_t len,
			rw_error *err)
{
	while (len > 0)
	{
		uint32_t	piece = len > FETCH_RANGE_MAX ? FETCH_RANGE_MAX : (uint32_t) len;

		batch	   *b;

		if (!batch_full(q, err))
			return false;
		b = &q->b[q->filling];
		b->ranges[b->n].path = e->path;
		b->ranges[b->n].offset = offset;
		b->ranges[b->n].len = piece;
		b->owners[b->n].entry = e;
		b->owners[b->n].probe = false;
		b->n++;
		offset += piece;
		len -= piece;
	}
	return true;
}

/*
 * Copies up to the listed end are followed by a read of one byte past it:
 * a file that grew since it was listed answers with that byte.
 */
static bool
queue_probe(fetch_queue *q, const plan_entry *e, rw_error *err)
{
	batch	   *b;

	if (!batch_full(q, err))
		return false;
	b = &q->b[q->filling];
	b->ranges[b->n].path = e->path;
	b->ranges[b->n].offset = e->source_size;
	b->ranges[b->n].len = 1;
	b->owners[b->n].entry = e;
	b->owners[b->n].probe = true;
	b->n++;
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
		case ACT_CREATE_LINK:
			return true;		/* made by make_structure */
		case ACT_COPY:
			return queue_range(q, e, 0, e->source_size, err) && queue_probe(q, e, err);
		case ACT_COPY_TAIL:
			return queue_blocks(q, e, err) &&
				queue_range(q, e, e->target_size, e->source_size - e->target_size, err) &&
				queue_probe(q, e, err);
		case ACT_TRUNCATE:
			return target_writer_truncate(w, e->path, e->source_size, err) && queue_blocks(q, e, err);
		case ACT_NONE:
			return queue_blocks(q, e, err);
		case ACT_REMOVE:
		case ACT_RECYCLE:
		case ACT_COUNT:
			break;
	}
	return true;
}

/* A file that vanished is not counted as shrunk or grown too. */
static void
collect_changes(const plan *p, const uint8_t *changes, execute_outcome *out)
{
	for (size_t i = 0; i < p->n; i++)
		if (changes[i] & FILE_VANISHED)
			file_list_add(&out->vanished, p->entries[i].path, FILE_TYPE_REGULAR, 0, NULL);
		else if (changes[i] & FILE_SHRUNK)
			out->shrunk_files++;
		else if (changes[i] & FILE_GROWN)
			out->grown_files++;
}

void
execute_outcome_free(execute_outcome *out)
{
	file_list_free(&out->vanished);
	memset(out, 0, sizeof(*out));
}

/* Empty the n files of run (one journal fsync for them all); n is reset. */
static bool
empty_run(target_writer *w, const char **run, size_t *n, rw_error *err)
{
	bool		ok = *n == 0 || target_writer_create_empty(w, run, *n, err);

	*n = 0;
	return ok;
}

/*
 * Before any fetch, in path order: the directories and links the plan
 * creates, and the files it copies whole emptied (or created).  The files
 * between two directories or links share one fsync of the journal: one
 * each kept the link idle between batches for as many fsyncs.
 */
static bool
make_structure(const plan *p, target_writer *w, rw_error *err)
{
	const char **run = xcalloc(p->n ? p->n : 1, sizeof(*run));
	size_t		n = 0;
	bool		ok = true;

	for (size_t i = 0; ok && i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];

		if (e->action == ACT_COPY)
			run[n++] = e->path;
		else if (e->action == ACT_CREATE_DIR)
			ok = empty_run(w, run, &n, err) && target_writer_create_dir(w, e->path, err);
		else if (e->action == ACT_CREATE_LINK)
			ok = empty_run(w, run, &n, err) &&
				target_writer_create_symlink(w, e->path, e->link_target, err);
	}
	ok = ok && empty_run(w, run, &n, err);
	free(run);
	return ok;
}

/* The target's WAL segments the plan recycles, renamed in one journaled batch. */
static bool
recycle_wal(const plan *p, target_writer *w, rw_error *err)
{
	const char **from = xcalloc(p->n + 1, sizeof(char *));
	const char **to = xcalloc(p->n + 1, sizeof(char *));
	size_t		n = 0;
	bool		ok;

	for (size_t i = 0; i < p->n; i++)
		if (p->entries[i].action == ACT_RECYCLE)
		{
			from[n] = p->entries[i].path;
			to[n++] = p->entries[i].recycle_to;
		}
	ok = target_writer_rename_files(w, from, to, n, err);
	free(from);
	free(to);
	return ok;
}

bool
execute_plan(const plan *p, source *src, target_writer *w, progress *prog,
			 execute_outcome *out, rw_error *err)
{
	fetch_queue *q = xcalloc(1, sizeof(*q));
	bool		ok = true;

	q->src = src;
	q->w = w;
	q->prog = prog;
	q->entries = p->entries;
	q->changes = xcalloc(p->n, 1);
	q->ready = q->protecting = -1;
	q->limit = QUEUE_RANGES_FIRST;
	prog->total = p->totals.fetch_bytes;
	meter_start(&q->meter, src);

	/* parents sort before their children: create and copy in path order */
	ok = make_structure(p, w, err);
	for (size_t i = 0; ok && i < p->n; i++)
		ok = start_entry(q, &p->entries[i], err);
	ok = ok && flush_all(q, err);
	if (q->prot.running)		/* stopped by an error: the thread ends first */
		pthread_join(q->prot.th, NULL);
	meter_tick(&q->meter, src, true);
	meter_end(&q->meter);
	collect_changes(p, q->changes, out);
	free(q->changes);
	free(q);
	if (!ok || !target_writer_step(w, JSTEP_COPIED, err))
		return false;
	progress_update(prog, 0, true);

	if (!recycle_wal(p, w, err))
		return false;
	/* children before their parents: remove in reverse order */
	for (size_t i = p->n; i-- > 0;)
	{
		const plan_entry *e = &p->entries[i];

		if (e->action != ACT_REMOVE)
			continue;
		if (e->type == FILE_TYPE_DIRECTORY ? !target_writer_remove_dir(w, e->path, err)
			: !target_writer_remove_file(w, e->path, err))
			return false;
	}
	return target_writer_step(w, JSTEP_REMOVED, err);
}

/* pg_control twice, backup_label, configuration files: generously. */
#define FINALIZE_BYTES (1024 * 1024)

void
execute_estimate(const plan *p, space_estimate *out)
{
	uint64_t	records = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];
		uint64_t	blocks = (uint64_t) e->nblocks * BLCKSZ;

		records += 2 + e->nblocks;
		switch (e->action)
		{
			case ACT_NONE:
				out->journal_bytes += blocks;
				break;
			case ACT_COPY:
				out->journal_bytes += e->target_size;
				out->new_bytes += e->source_size;
				break;
			case ACT_COPY_TAIL:
				out->journal_bytes += blocks;
				out->new_bytes += e->source_size - e->target_size;
				break;
			case ACT_TRUNCATE:
				out->journal_bytes += blocks + (e->target_size - e->source_size);
				break;
			case ACT_REMOVE:
				if (strncmp(e->path, "pg_wal/", 7) == 0)
					out->removed_wal_bytes += e->target_size;
				else if (strncmp(e->path, "pg_tblspc/", 10) == 0)
					out->removed_tblspc_bytes += e->target_size;
				else
					out->removed_bytes += e->target_size;
				break;
			case ACT_CREATE_DIR:
			case ACT_CREATE_LINK:
			case ACT_RECYCLE:	/* a rename */
			case ACT_COUNT:
				break;
		}
	}
	out->journal_bytes = journal_space(out->journal_bytes, records) + FINALIZE_BYTES;
	out->new_bytes += FINALIZE_BYTES;
	out->plan = p;
}

/*
 * Free bytes for an unprivileged user on the file system of path (or what
 * the test hook REWIND_TEST_FREE_BYTES pretends, util/test_hooks.h).
 */
static bool
free_space(const char *path, uint64_t *bytes, dev_t *dev, rw_error *err)
{
	struct statvfs vfs;
	struct stat st;

	if (statvfs(path, &vfs) != 0 || stat(path, &st) != 0)
		return rw_fail_errno(err, errno, "could not get the free space of \"%s\"", path);
	*bytes = (uint64_t) vfs.f_bavail * vfs.f_frsize;
	*dev = st.st_dev;
	(void) test_hook_free_bytes(bytes);
	return true;
}

/* What the space on one file system is needed for. */
static bool
refuse(rw_error *err, const fs_space *fs)
{
	uint64_t	need = fs->journal_bytes + fs->new_bytes;
	char		n[BYTE_SIZE_LEN], h[BYTE_SIZE_LEN], j[BYTE_SIZE_LEN], d[BYTE_SIZE_LEN];
	bool		journal_here = fs->journal_bytes > 0;
	bool		data_here = fs->new_bytes > 0;
	char	   *why;

	byte_size_format(n, sizeof(n), need);
	byte_size_format(h, sizeof(h), fs->free);
	byte_size_format(j, sizeof(j), fs->journal_bytes);
	byte_size_format(d, sizeof(d), fs->new_bytes);
	why = xasprintf("%s%s%s%s%s",
					journal_here ? j : "",
					journal_here ? " for the journal of the data it overwrites or removes" : "",
					journal_here && data_here ? ", " : "",
					data_here ? d : "",
					data_here ? " of new data" : "");

	rw_fail(err, RW_ENOSPACE, "not enough free disk space to rewind: need %s (%s), "
			"have %s on the file system of \"%s\"", n, why, h, fs->where);
	rw_hint(err, "Free at least %s there and run again; the target was not changed.", n);
	free(why);
	return false;
}

bool
execute_space_fits(fs_space *fs, size_t n, rw_error *err)
{
	for (size_t i = 0; i < n; i++)
	{
		if (fs[i].journal_bytes + fs[i].new_bytes == 0)
			continue;
		/* the first entry of a file system collects the others' needs */
		for (size_t k = i + 1; k < n; k++)
			if (fs[k].dev == fs[i].dev)
			{
				fs[i].journal_bytes += fs[k].journal_bytes;
				fs[i].new_bytes += fs[k].new_bytes;
				fs[k].journal_bytes = fs[k].new_bytes = 0;
			}
		if (fs[i].free < fs[i].journal_bytes + fs[i].new_bytes)
			return refuse(err, &fs[i]);
	}
	return true;
}

/*
 * The estimate with the removed files that cannot be moved into the
 * journal's stash counted as journal data (journal_removals_saved).
 */
static const space_estimate *
with_removals(const char *pgdata, dev_t data_dev, dev_t journal_dev, const space_estimate *est,
			  space_estimate *counted)
{
	journal_removals removed = {.data_bytes = est->removed_bytes,
	.wal_bytes = est->removed_wal_bytes, .tblspc_bytes = est->removed_tblspc_bytes};

	*counted = *est;
	counted->journal_bytes += journal_removals_saved(pgdata, data_dev, journal_dev, &removed);
	return counted;
}

/*
 * Where new data of path goes, as the length of its prefix: "pg_wal",
 * "pg_tblspc/<oid>", or 0 for the data directory itself.
 */
static size_t
area_of(const char *path)
{
	const char *slash;

	if (strncmp(path, "pg_wal/", 7) == 0)
		return 6;
	if (strncmp(path, "pg_tblspc/", 10) == 0 && (slash = strchr(path + 10, '/')) != NULL)
		return (size_t) (slash - path);
	return 0;
}

/* New bytes an entry writes. */
static uint64_t
new_bytes_of(const plan_entry *e)
{
	if (e->action == ACT_COPY)
		return e->source_size;
	if (e->action == ACT_COPY_TAIL)
		return e->source_size - e->target_size;
	return 0;
}

/*
 * A path on the file system that area (of pgdata) will be on: itself when
 * it exists (through its link), else where the plan's link leads, else the
 * nearest existing directory above that.  Malloc'd.
 */
static char *
area_location(const char *pgdata, const plan *p, const char *area, size_t len)
{
	char	   *path = xasprintf("%s/%.*s", pgdata, (int) len, area);
	struct stat st;
	char	   *slash;

	if (stat(path, &st) == 0)
		return path;
	for (size_t i = 0; p && i < p->n; i++)
		if (p->entries[i].action == ACT_CREATE_LINK && strlen(p->entries[i].path) == len &&
			strncmp(p->entries[i].path, area, len) == 0)
		{
			free(path);
			path = xstrdup(p->entries[i].link_target);
			break;
		}
	while (stat(path, &st) != 0 && (slash = strrchr(path, '/')) != NULL && slash != path)
		*slash = '\0';
	return path;
}

/*
 * One fs_space per place data goes: [0] the data directory, [1] the
 * journal's directory (named after the data directory when they share a
 * file system), then pg_wal and each tablespace that gets new data.
 * Returns how many; names are malloc'd into where[].
 */
static size_t
collect_areas(const char *pgdata, const char *journal_parent, const space_estimate *est,
			  fs_space *fs, char **where)
{
	const plan *p = est->plan;
	size_t		n = 2;
	uint64_t	elsewhere = 0;

	where[0] = xstrdup(pgdata);
	where[1] = xstrdup(journal_parent);
	fs[1].journal_bytes = est->journal_bytes;
	for (size_t i = 0; p && i < p->n; i++)
	{
		const char *path = p->entries[i].path;
		uint64_t	bytes = new_bytes_of(&p->entries[i]);
		size_t		len = area_of(path);

		if (bytes == 0 || len == 0)
			continue;
		/* entries are sorted: an area's files follow each other */
		if (n == 2 || strncmp(fs[n - 1].where, path, len) != 0 || fs[n - 1].where[len] != '\0')
		{
			where[n] = xasprintf("%.*s", (int) len, path);
			fs[n].where = where[n];
			n++;
		}
		fs[n - 1].new_bytes += bytes;
		elsewhere += bytes;
	}
	fs[0].new_bytes = est->new_bytes - elsewhere;
	/* relative area names become locations */
	for (size_t i = 2; i < n; i++)
	{
		char	   *loc = area_location(pgdata, p, where[i], strlen(where[i]));

		free(where[i]);
		where[i] = loc;
	}
	for (size_t i = 0; i < n; i++)
		fs[i].where = where[i];
	return n;
}

bool
execute_has_space(const char *pgdata, const space_estimate *est, rw_error *err)
{
	space_estimate counted;
	char	   *parent = journal_parent_dir(pgdata);
	size_t		cap = 2 + (est->plan ? est->plan->n : 0);
	fs_space   *fs = xcalloc(cap, sizeof(fs_space));
	char	  **where = xcalloc(cap, sizeof(char *));
	bool		ok = true;

	if (!free_space(pgdata, &fs[0].free, &fs[0].dev, err) ||
		!free_space(parent, &fs[1].free, &fs[1].dev, err))
		ok = false;
	if (ok)
	{
		size_t		n;

		est = with_removals(pgdata, fs[0].dev, fs[1].dev, est, &counted);
		n = collect_areas(pgdata, parent, est, fs, where);
		for (size_t i = 2; ok && i < n; i++)
			ok = free_space(fs[i].where, &fs[i].free, &fs[i].dev, err);
		ok = ok && execute_space_fits(fs, n, err);
	}
	for (size_t i = 0; i < cap; i++)
		free(where[i]);
	free(where);
	free(fs);
	free(parent);
	return ok;
}

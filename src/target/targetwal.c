/*
 * Reading the target's WAL pages for the WAL reader: the segment that
 * holds a page, by the target's history, from pg_wal or, with
 * --restore-target-wal, restored by its restore_command into a temporary
 * directory (never into the target); a segment of the history both sides
 * share that neither has, read from the source's pg_wal into that same
 * directory, and of the segment holding the divergence point only the part
 * before it.  Reads the target; writes only there.
 */

#include "target/targetwal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fileutil.h"
#include "util/log.h"
#include "util/proc.h"
#include "xalloc.h"

/* WAL is read in chunks of this size to keep system calls few. */
#define WAL_CHUNK (1024 * 1024)

struct target_wal {
	const char *pgdata;
	const tl_history *history;
	uint32_t	segsize;
	uint32_t	page_size;
	const char *restore_command;
	source	   *src;			/* NULL: nothing is read from the source */
	lsn_t		diverge;		/* segments ending at or before it are shared */
	uint32_t	source_tli;		/* the source's timeline beginning at diverge */
	bool		prefix_from_source; /* diverge's segment: its shared part from the source */
	char	   *restore_dir;	/* private temporary directory, created on first use */
	char	  **restored;		/* names of the segments put into it */
	size_t		nrestored;
	size_t		restored_cap;
	uint32_t	nfrom_source;	/* of which read from the source */

	int			fd;				/* open segment, or -1 */
	uint64_t	segno;
	uint32_t	tli;
	char	   *path;			/* its path, for messages */

	uint8_t    *chunk;			/* cached bytes of the open segment */
	uint32_t	chunk_offset;
	uint32_t	chunk_len;
	uint64_t	bytes_read;
};

target_wal *
target_wal_open(const char *pgdata, const tl_history *history, uint32_t segsize,
				uint32_t page_size, const char *restore_command)
{
	target_wal *w = xcalloc(1, sizeof(*w));

	w->pgdata = pgdata;
	w->history = history;
	w->segsize = segsize;
	w->page_size = page_size;
	w->restore_command = restore_command;
	w->fd = -1;
	w->chunk = xmalloc(WAL_CHUNK);
	return w;
}

static void
close_segment(target_wal *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->chunk_len = 0;
	free(w->path);
	w->path = NULL;
}

void
target_wal_close(target_wal *w)
{
	if (w == NULL)
		return;
	close_segment(w);
	for (size_t i = 0; i < w->nrestored; i++)
	{
		char	   *p = xasprintf("%s/%s", w->restore_dir, w->restored[i]);

		unlink(p);
		free(p);
		free(w->restored[i]);
	}
	free(w->restored);
	if (w->restore_dir)
		rmdir(w->restore_dir);
	free(w->restore_dir);
	free(w->chunk);
	free(w);
}

void
target_wal_share_source(target_wal *w, source *src, lsn_t diverge, uint32_t source_tli)
{
	w->src = src;
	w->diverge = diverge;
	w->source_tli = source_tli;
}

bool
target_wal_prefix_from_source(const target_wal *w)
{
	return w->prefix_from_source;
}

uint32_t
target_wal_restored_count(const target_wal *w)
{
	return (uint32_t) w->nrestored - w->nfrom_source;
}

uint32_t
target_wal_from_source_count(const target_wal *w)
{
	return w->nfrom_source;
}

uint64_t
target_wal_bytes_read(const target_wal *w)
{
	return w->bytes_read;
}

/* Replace %f, %p, %r and %% in restore_command. */
static char *
expand_restore_command(const char *cmd, const char *fname, const char *dest,
					   const char *restart_name)
{
	size_t		cap = strlen(cmd) + 1, n = 0;
	char	   *out = xmalloc(cap);

	for (const char *p = cmd; *p; p++)
	{
		const char *ins = NULL;
		char		one[2] = {*p, '\0'};

		if (p[0] == '%' && p[1] != '\0')
		{
			switch (p[1])
			{
				case 'f':
					ins = fname;
					break;
				case 'p':
					ins = dest;
					break;
				case 'r':
					ins = restart_name;
					break;
				case '%':
					ins = "%";
					break;
				default:
					break;
			}
			if (ins)
				p++;
		}
		if (ins == NULL)
			ins = one;
		xgrow((void **) &out, &cap, n + strlen(ins) + 1, 1);
		memcpy(out + n, ins, strlen(ins));
		n += strlen(ins);
	}
	out[n] = '\0';
	return out;
}

/* The private directory segments are fetched into, created on first use. */
static bool
private_dir(target_wal *w, rw_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char	   *templ;

	if (w->restore_dir != NULL)
		return true;
	templ = xasprintf("%s/rewind-wal-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");
	if (mkdtemp(templ) == NULL)
	{
		rw_fail_errno(err, errno, "could not create temporary directory \"%s\"", templ);
		free(templ);
		return false;
	}
	w->restore_dir = templ;
	return true;
}

/* fname is in the private directory now: it goes when w is closed. */
static void
keep_fetched(target_wal *w, const char *fname)
{
	xgrow((void **) &w->restored, &w->restored_cap, w->nrestored + 1, sizeof(char *));
	w->restored[w->nrestored++] = xstrdup(fname);
}

/*
 * A segment fetched earlier (the scans read some segments more than once):
 * its descriptor, or -1.
 */
static int
open_fetched(const target_wal *w, const char *fname)
{
	for (size_t i = 0; i < w->nrestored; i++)
	{
		if (strcmp(w->restored[i], fname) == 0)
		{
			char	   *p = xasprintf("%s/%s", w->restore_dir, fname);
			int			fd = open(p, O_RDONLY | O_CLOEXEC);

			free(p);
			return fd;
		}
	}
	return -1;
}

/*
 * Fetch a segment with restore_command into the private directory.  Returns
 * an open descriptor, or -1 with err set.
 */
static int
restore_segment(target_wal *w, const char *fname, rw_error *err)
{
	char	   *dest, *cmd;
	char		restart_name[WAL_FILE_NAME_LEN + 1];
	int			status, fd;
	struct stat st;

	if (!private_dir(w, err))
		return -1;
	dest = xasprintf("%s/%s", w->restore_dir, fname);
	/* %r: the oldest file still needed; the start of this timeline is safe */
	memcpy(restart_name, fname, 8);
	memset(restart_name + 8, '0', 16);
	restart_name[WAL_FILE_NAME_LEN] = '\0';
	cmd = expand_restore_command(w->restore_command, fname, dest, restart_name);
	log_debug("running restore_command for %s", fname);
	if (!proc_run_shell(cmd, &status, err))
	{
		free(cmd);
		free(dest);
		return -1;
	}
	free(cmd);
	fd = (status == 0) ? open(dest, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
	{
		rw_fail(err, RW_EMISSING, "could not restore file \"%s\" from archive (restore_command exit status %d)",
				fname, status);
		free(dest);
		return -1;
	}
	if (fstat(fd, &st) != 0 || (uint64_t) st.st_size != w->segsize)
	{
		rw_fail(err, RW_ECORRUPT, "restored file \"%s\" has size %lld, expected %u",
				fname, (long long) st.st_size, w->segsize);
		close(fd);
		unlink(dest);
		free(dest);
		return -1;
	}
	keep_fetched(w, fname);
	free(dest);
	return fd;
}

/* Receives the source's copy of a segment into the private directory. */
typedef struct source_copy {
	int			fd;
	const char *path;
	const fetch_range *ranges;
	size_t		missing;		/* ranges of a file the source does not have */
	bool		short_read;		/* a range shorter than asked */
} source_copy;

static bool
source_copy_sink(void *ctx, size_t index, const uint8_t *data, size_t len, bool missing,
				 rw_error *err)
{
	source_copy *sc = ctx;
	size_t		done = 0;

	if (missing)
	{
		sc->missing++;
		return true;
	}
	if (len < sc->ranges[index].len)
		sc->short_read = true;
	while (done < len)
	{
		ssize_t		n = pwrite(sc->fd, data + done, len - done,
							   (off_t) (sc->ranges[index].offset + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rw_fail_errno(err, errno, "could not write file \"%s\"", sc->path);
		done += (size_t) n;
	}
	return true;
}

/*
 * Read file src_name of the source's pg_wal into the private directory as
 * segment fname.  Returns an open descriptor; -1 with *found false when the
 * source does not have it, or with err set when it could not be read whole.
 */
static int
source_segment(target_wal *w, const char *src_name, const char *fname, bool *found,
			   rw_error *err)
{
	size_t		n = (w->segsize + FETCH_RANGE_MAX - 1) / FETCH_RANGE_MAX;
	fetch_range *ranges = xcalloc(n, sizeof(*ranges));
	char	   *rel = xasprintf("pg_wal/%s", src_name);
	char	   *dest;
	source_copy sc = {.ranges = ranges};
	bool		ok;

	*found = false;
	if (!private_dir(w, err))
	{
		free(ranges);
		free(rel);
		return -1;
	}
	dest = xasprintf("%s/%s", w->restore_dir, fname);
	for (size_t i = 0; i < n; i++)
	{
		ranges[i].path = rel;
		ranges[i].offset = (uint64_t) i * FETCH_RANGE_MAX;
		ranges[i].len = (uint32_t) (w->segsize - ranges[i].offset < FETCH_RANGE_MAX ?
									w->segsize - ranges[i].offset : FETCH_RANGE_MAX);
	}
	sc.path = dest;
	/* the directory is private: a file left there by restore_command is overwritten */
	sc.fd = open(dest, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sc.fd < 0)
		ok = rw_fail_errno(err, errno, "could not create file \"%s\"", dest);
	else
	{
		log_debug("reading WAL file \"%s\" from the source", src_name);
		ok = w->src->ops->fetch(w->src, ranges, n, source_copy_sink, &sc, err);
	}
	if (ok && sc.missing > 0 && sc.missing < n)
		ok = rw_fail(err, RW_EMISSING, "WAL file \"%s\" was removed from the source while it "
					 "was read", rel);
	else if (ok && sc.missing == 0 && sc.short_read)
		ok = rw_fail(err, RW_ECORRUPT, "WAL file \"%s\" of the source is shorter than a "
					 "segment (%u bytes)", rel, w->segsize);
	*found = ok && sc.missing == 0;
	if (*found)
		keep_fetched(w, fname);
	else if (sc.fd >= 0)
	{
		close(sc.fd);
		unlink(dest);
		sc.fd = -1;
	}
	free(ranges);
	free(rel);
	free(dest);
	return sc.fd;
}

/*
 * The segment holding the divergence point, which the target lacks: its
 * bytes before that point are the history both sides share, and the source
 * holds them in its copy of the segment on the target's timeline (".partial"
 * once its promotion renamed it) or at the start of the same segment on its
 * own new timeline, which begins with a copy of them.  Everything from the
 * divergence point on is the source's own history and is zeroed, so that
 * the WAL read from this copy ends there.  Same returns as source_segment.
 */
static int
source_prefix(target_wal *w, uint64_t segno, const char *fname, bool *found, rw_error *err)
{
	char		names[3][WAL_FILE_NAME_LEN + sizeof(".partial")];
	uint32_t	from = lsn_segment_offset(w->diverge, w->segsize);
	uint8_t    *zeros;
	int			fd = -1;
	char	   *path;

	snprintf(names[0], sizeof(names[0]), "%s", fname);
	snprintf(names[1], sizeof(names[1]), "%s.partial", fname);
	wal_file_name(names[2], w->source_tli, segno, w->segsize);
	*found = false;
	for (int i = 0; i < 3 && !*found; i++)
	{
		fd = source_segment(w, names[i], fname, found, err);
		if (fd < 0 && err->kind != RW_OK)
			return -1;
	}
	if (!*found)
		return -1;
	path = xasprintf("%s/%s", w->restore_dir, fname);
	zeros = xcalloc(1, w->segsize - from);
	{
		fetch_range r = {.path = path,.offset = from,.len = w->segsize - from};
		source_copy sc = {.fd = fd,.path = path,.ranges = &r};

		*found = source_copy_sink(&sc, 0, zeros, r.len, false, err);
	}
	if (*found)
		w->prefix_from_source = true;
	else
	{
		close(fd);
		fd = -1;
	}
	free(zeros);
	free(path);
	return fd;
}

/*
 * A segment the target's pg_wal lacks: from the archive with
 * restore_command, then, when it lies wholly before the divergence point
 * (the same bytes are on both sides), from the source's pg_wal.  Returns an
 * open descriptor, or -1 with err set (RW_EMISSING when no side has it).
 */
static int
fetch_missing(target_wal *w, uint64_t segno, const char *fname, const char *path,
			  rw_error *err)
{
	bool		shared = w->src != NULL &&
		segno_start(segno + 1, w->segsize) <= w->diverge;
	bool		prefix = w->src != NULL && segno == lsn_segno(w->diverge, w->segsize) &&
		segno_start(segno, w->segsize) < w->diverge;
	bool		found = false;
	int			fd = open_fetched(w, fname);

	if (fd >= 0)
		return fd;
	if (w->restore_command)
	{
		fd = restore_segment(w, fname, err);
		if (fd >= 0)
		{
			log_debug("restored WAL file \"%s\" from archive", fname);
			return fd;
		}
		if (!(shared || prefix) || err->kind != RW_EMISSING)
		{
			rw_context(err, "could not open file \"%s\": not in pg_wal", path);
			rw_hint(err, "Check that restore_command of the target can fetch \"%s\" from the archive.",
					fname);
			return -1;
		}
	}
	if (shared || prefix)
	{
		rw_error_clear(err);
		fd = shared ? source_segment(w, fname, fname, &found, err) :
			source_prefix(w, segno, fname, &found, err);
		if (found)
		{
			w->nfrom_source++;
			return fd;
		}
		if (err->kind != RW_OK)
		{
			rw_context(err, "could not open file \"%s\": not in pg_wal", path);
			return -1;
		}
		rw_fail(err, RW_EMISSING, "could not open file \"%s\": not in the target's pg_wal%s, "
				"nor in the source's pg_wal (WAL both servers share%s, before the divergence "
				"point at " LSN_FMT ")", path,
				w->restore_command ? ", nor restorable with its restore_command" : "",
				prefix ? " in its part" : "", LSN_ARGS(w->diverge));
		rw_hint(err, "The target's WAL from the last common checkpoint's redo point to its end "
				"is needed (--method=wal). Put the segment back into its pg_wal or, if it was "
				"archived, set restore_command for the target and pass -c/--restore-target-wal; "
				"otherwise use --method=compare (--method=auto takes it when no other method can "
				"be proven), which compares every file with the source's instead.");
		return -1;
	}
	rw_fail_errno(err, ENOENT, "could not open file \"%s\"", path);
	rw_hint(err, "The target's WAL from the last common checkpoint on is needed. If it was "
			"archived, set restore_command for the target and pass -c/--restore-target-wal.");
	return -1;
}

static bool
open_segment(target_wal *w, uint64_t segno, rw_error *err)
{
	char		fname[WAL_FILE_NAME_LEN + 1];
	uint32_t	tli = tl_tli_for_segment(w->history, segno, w->segsize);
	char	   *path;
	int			fd;

	if (w->fd >= 0 && w->segno == segno && w->tli == tli)
		return true;
	close_segment(w);
	wal_file_name(fname, tli, segno, w->segsize);
	path = xasprintf("%s/pg_wal/%s", w->pgdata, fname);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
	{
		rw_fail_errno(err, errno, "could not open file \"%s\"", path);
		free(path);
		return false;
	}
	if (fd < 0)
	{
		rw_error_clear(err);
		fd = fetch_missing(w, segno, fname, path, err);
	}
	if (fd < 0)
	{
		free(path);
		return false;
	}
	w->fd = fd;
	w->segno = segno;
	w->tli = tli;
	w->path = path;
	return true;
}

static bool
read_page(void *ctx, lsn_t page_lsn, uint8_t *buf, rw_error *err)
{
	target_wal *w = ctx;
	uint64_t	segno = lsn_segno(page_lsn, w->segsize);
	uint32_t	offset = lsn_segment_offset(page_lsn, w->segsize);

	if (!open_segment(w, segno, err))
		return false;
	if (w->chunk_len == 0 || offset < w->chunk_offset ||
		offset + w->page_size > w->chunk_offset + w->chunk_len)
	{
		uint32_t	start = offset - offset % WAL_CHUNK;
		uint32_t	len = w->segsize - start < WAL_CHUNK ? w->segsize - start : WAL_CHUNK;

		w->chunk_len = 0;
		if (!file_pread_exact(w->fd, w->path, w->chunk, len, start, err))
			return false;
		w->chunk_offset = start;
		w->chunk_len = len;
		w->bytes_read += len;
	}
	memcpy(buf, w->chunk + (offset - w->chunk_offset), w->page_size);
	return true;
}

wal_page_reader
target_wal_page_reader(target_wal *w)
{
	wal_page_reader r = {.read_page = read_page,.ctx = w};

	return r;
}

/*
 * Reading the target's WAL pages for the WAL reader: the segment that
 * holds a page, by the target's history, from pg_wal or, with
 * --restore-target-wal, restored by its restore_command into a temporary
 * directory (never into the target).  Reads the target; writes only there.
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
	char	   *restore_dir;	/* private temporary directory, created on first use */
	char	  **restored;		/* names of the segments restored into it */
	size_t		nrestored;
	size_t		restored_cap;

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

uint32_t
target_wal_restored_count(const target_wal *w)
{
	return (uint32_t) w->nrestored;
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

	if (w->restore_dir == NULL)
	{
		const char *tmp = getenv("TMPDIR");
		char	   *templ = xasprintf("%s/rewind-wal-XXXXXX", (tmp && *tmp) ? tmp : "/tmp");

		if (mkdtemp(templ) == NULL)
		{
			rw_fail_errno(err, errno, "could not create temporary directory \"%s\"", templ);
			free(templ);
			return -1;
		}
		w->restore_dir = templ;
	}
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
	xgrow((void **) &w->restored, &w->restored_cap, w->nrestored + 1, sizeof(char *));
	w->restored[w->nrestored++] = xstrdup(fname);
	if (fstat(fd, &st) != 0 || (uint64_t) st.st_size != w->segsize)
	{
		rw_fail(err, RW_ECORRUPT, "restored file \"%s\" has size %lld, expected %u",
				fname, (long long) st.st_size, w->segsize);
		close(fd);
		free(dest);
		return -1;
	}
	free(dest);
	return fd;
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
	if (fd < 0 && errno == ENOENT && w->restore_command)
	{
		rw_error	rerr;

		fd = restore_segment(w, fname, &rerr);
		if (fd < 0)
		{
			*err = rerr;
			rw_context(err, "could not open file \"%s\": not in pg_wal", path);
			rw_hint(err, "Check that restore_command of the target can fetch \"%s\" from the archive.",
					fname);
			free(path);
			return false;
		}
		log_debug("restored WAL file \"%s\" from archive", fname);
	}
	else if (fd < 0)
	{
		int			saved = errno;

		rw_fail_errno(err, saved, "could not open file \"%s\"", path);
		if (saved == ENOENT)
			rw_hint(err, "The target's WAL from the last common checkpoint on is needed. If it was "
					"archived, set restore_command for the target and pass -c/--restore-target-wal.");
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

/*
 * The target writer: every change a rewind makes to the target data
 * directory, each one journaled first (journal.h) so that rollback.c can
 * undo it.  It touches the data directory (with its pg_wal and tablespaces)
 * and the journal's stash beside it, only through its rw_io.
 */
#include "target/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/target_fail.h"
#include "target/writer_internal.h"
#include "util/fileutil.h"
#include "util/io.h"
#include "util/log.h"
#include "util/test_hooks.h"
#include "pathname.h"
#include "xalloc.h"

/* A set of strings: the files that already have their JR_ORIG record. */
typedef struct strset {
	char	  **slots;
	size_t		cap;			/* a power of two, or 0 */
	size_t		n;
} strset;

/* A range saved in the journal for the writes of a batch. */
typedef struct prot_range {
	char	   *path;
	uint64_t	offset;
	uint64_t	len;
} prot_range;

typedef struct prot_list {
	prot_range *r;
	size_t		n, cap;
} prot_list;

/*
 * One file kept open for reading old bytes into the journal, and the buffer
 * they are read into.  The writer's own changes use one; the thread that
 * protects the next batch (target_writer_protect) uses another.
 */
typedef struct reader {
	int			fd;				/* or -1 */
	char	   *path;			/* its relative path */
	char	   *full;			/* and its full path, for messages */
	uint64_t	size;			/* its size when opened */
	uint64_t	gen;			/* the writer's path_gen then */
	uint8_t    *buf;			/* JOURNAL_PIECE_MAX bytes, for save_range */
} reader;

struct target_writer {
	char	   *pgdata;
	rw_io	   *io;				/* every change to the target goes through it */
	mode_t		file_mode;		/* of created files and directories: the data */
	mode_t		dir_mode;		/* directory's, as PostgreSQL gives them */

	int			fd;				/* file being written, or -1 */
	char	   *fd_path;		/* its relative path */
	reader		rd;				/* for changes: every change forgets its file */
	reader		prot_rd;		/* for target_writer_protect; see path_gen */

	char	  **touched;		/* relative paths to fsync (files and directories) */
	size_t		ntouched;
	size_t		touched_cap;

	/*
	 * lock guards j, seen and path_gen: target_writer_protect may run in
	 * another thread than the changes of writer.h that say so.  Each of
	 * those holds it from its journal records to its change, and protect
	 * holds it while it reads a range and journals it, so every saved range
	 * is read either wholly before a change under its path or wholly after.
	 */
	pthread_mutex_t lock;
	journal    *j;				/* NULL: changes are not journaled */
	strset		seen;			/* files with a JR_ORIG record */
	uint64_t	path_gen;		/* bumped when a path may name another file or size */
	prot_list	pending;		/* saved by target_writer_protect, not yet synced */
	prot_list	sealed;			/* synced and sorted: the writes under way */

	bool		sync;			/* fsync the journal (not --no-sync) */
	bool		stash_ready;	/* the stash exists; stash_dev is its device */
	dev_t		stash_dev;		/* the device of the journal's stash */
	uint64_t	nstashed;		/* files moved into the stash so far */

	uint64_t	changes;		/* changes made to the target */
	uint64_t	kill_after;		/* test hook, 0 when off */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 1099511628211ULL;
	return h;
}

/* Add s; false if it was there already. */
static bool
strset_add(strset *set, const char *s)
{
	size_t		i;

	if (set->n * 2 >= set->cap)
	{
		strset		bigger = {.cap = set->cap ? set->cap * 2 : 256};

		bigger.slots = xcalloc(bigger.cap, sizeof(char *));
		for (size_t k = 0; k < set->cap; k++)
		{
			if (set->slots[k] == NULL)
				continue;
			i = hash_str(set->slots[k]) & (bigger.cap - 1);
			while (bigger.slots[i])
				i = (i + 1) & (bigger.cap - 1);
			bigger.slots[i] = set->slots[k];
		}
		bigger.n = set->n;
		free(set->slots);
		*set = bigger;
	}
	i = hash_str(s) & (set->cap - 1);
	while (set->slots[i])
	{
		if (strcmp(set->slots[i], s) == 0)
			return false;
		i = (i + 1) & (set->cap - 1);
	}
	set->slots[i] = xstrdup(s);
	set->n++;
	return true;
}

static void
strset_free(strset *set)
{
	for (size_t k = 0; k < set->cap; k++)
		free(set->slots[k]);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

static void
clear_prot(prot_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->r[i].path);
	l->n = 0;
}

static void
free_prot(prot_list *l)
{
	clear_prot(l);
	free(l->r);
	memset(l, 0, sizeof(*l));
}

/*
 * Like PostgreSQL: a data directory with group access (initdb -g, mode
 * 0750) gets files 0640 and directories 0750, any other 0600 and 0700.
 */
static void
set_modes(target_writer *w)
{
	struct stat st;
	bool		group = stat(w->pgdata, &st) == 0 && (st.st_mode & (S_IRGRP | S_IXGRP)) != 0;

	w->file_mode = group ? 0640 : 0600;
	w->dir_mode = group ? 0750 : 0700;
}

static target_writer *
open_writer(const char *pgdata)
{
	target_writer *w = xcalloc(1, sizeof(*w));
	char	   *jdir;

	w->pgdata = xstrdup(pgdata);
	jdir = journal_dir(pgdata);
	w->io = io_open(pgdata, jdir);
	free(jdir);
	set_modes(w);
	w->fd = -1;
	w->rd.fd = -1;
	w->prot_rd.fd = -1;
	pthread_mutex_init(&w->lock, NULL);
	w->kill_after = test_hook_kill_after_writes();
	return w;
}

/* The one dry-run guard: without a writer, nothing can change the target. */
target_writer *
target_writer_open(const char *pgdata, bool dry_run, rw_error *err)
{
	if (dry_run)
	{
		rw_fail(err, RW_EINTERNAL, "attempt to modify the target during a dry run");
		return NULL;
	}
	return open_writer(pgdata);
}

/*
 * Every change below calls this once: it counts the change for the test
 * hook REWIND_TEST_KILL_AFTER_WRITES (util/test_hooks.h).
 */
static void forget_read(reader *rd);

static void
changed(target_writer *w)
{
	forget_read(&w->rd);		/* the path may now name another file */
	w->changes++;
	if (w->kill_after > 0 && w->changes >= w->kill_after)
		raise(SIGKILL);
}

/*
 * Done writing a file for now: start its writeback, so the disk works while
 * the next ranges are fetched and the final fsync (target_writer_sync)
 * finds little left to wait for.  Only a hint: errors surface at that fsync.
 */
static void
close_current(target_writer *w)
{
	if (w->fd >= 0 && w->sync)
		(void) sync_file_range(w->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	if (w->fd >= 0)
		w->io->ops->close(w->io, w->fd);
	w->fd = -1;
	free(w->fd_path);
	w->fd_path = NULL;
}

void
target_writer_close(target_writer *w)
{
	if (w == NULL)
		return;
	close_current(w);
	forget_read(&w->rd);
	forget_read(&w->prot_rd);
	free(w->rd.buf);
	free(w->prot_rd.buf);
	for (size_t i = 0; i < w->ntouched; i++)
		free(w->touched[i]);
	free(w->touched);
	free_prot(&w->pending);
	free_prot(&w->sealed);
	strset_free(&w->seen);
	journal_close(w->j);		/* a failed run leaves it for the next one */
	io_close(w->io);
	free(w->pgdata);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

static char *
full_path(const target_writer *w, const char *path)
{
	return xasprintf("%s/%s", w->pgdata, path);
}

/*
 * The read side keeps one file open between ranges of the same file.  Every
 * change that may put another file under a path forgets it.
 */
static void
forget_read(reader *rd)
{
	if (rd->fd >= 0)
		close(rd->fd);
	rd->fd = -1;
	free(rd->path);
	free(rd->full);
	rd->path = rd->full = NULL;
}

/*
 * path open for reading in rd; false with errno set (ENOENT: no such file).
 * Called with w->lock held, or by a writer no other thread uses.
 */
static bool
read_fd(target_writer *w, reader *rd, const char *path)
{
	char	   *full;
	struct stat st;

	if (rd->fd >= 0 && rd->gen == w->path_gen && strcmp(rd->path, path) == 0)
		return true;
	forget_read(rd);
	full = full_path(w, path);
	rd->fd = io_open_read(w->io, full);
	if (rd->fd < 0 || fstat(rd->fd, &st) != 0)
	{
		int			e = errno;

		if (rd->fd >= 0)
			close(rd->fd);
		rd->fd = -1;
		free(full);
		errno = e;
		return false;
	}
	rd->size = (uint64_t) st.st_size;
	rd->gen = w->path_gen;
	rd->path = xstrdup(path);
	rd->full = full;
	return true;
}

static void
touch(target_writer *w, const char *path)
{
	if (w->ntouched > 0 && strcmp(w->touched[w->ntouched - 1], path) == 0)
		return;
	xgrow((void **) &w->touched, &w->touched_cap, w->ntouched + 1, sizeof(char *));
	w->touched[w->ntouched++] = xstrdup(path);
}

/* The directory holding path changed: remember it for the final sync. */
static void
touch_parent(target_writer *w, const char *path)
{
	char	   *parent = path_parent(path);

	touch(w, parent);
	free(parent);
}

/* --- the journal: saved before each change ------------------------------- */

static bool
jlog(target_writer *w, const jrec *r, rw_error *err)
{
	return w->j == NULL || journal_append(w->j, r, err);
}

/* The journal is on disk before the change it protects. */
static bool
barrier(target_writer *w, rw_error *err)
{
	return w->j == NULL || journal_barrier(w->j, err);
}

/* First touch of a file: record whether it existed, its size and mode. */
static bool
note_file(target_writer *w, const char *path, rw_error *err)
{
	jrec		r = {.type = JR_ORIG, .path = path};
	struct stat st;
	char	   *full;

	if (w->j == NULL || !strset_add(&w->seen, path))
		return true;
	full = full_path(w, path);
	if (io_lstat(w->io, full, &st) == 0)
	{
		r.existed = true;
		r.offset = (uint64_t) st.st_size;
		r.mode = (uint32_t) (st.st_mode & 07777);
	}
	else if (errno != ENOENT)
	{
		target_fail(err, errno, "could not stat target file \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	return jlog(w, &r, err);
}

/* Save the bytes of [offset, offset + len) of path that exist now, read through rd. */
static bool
save_range(target_writer *w, reader *rd, const char *path, uint64_t offset, uint64_t len,
		   rw_error *err)
{
	uint64_t	end;
	bool		ok = true;

	if (w->j == NULL)
		return true;
	if (!note_file(w, path, err))
		return false;
	if (!read_fd(w, rd, path))
	{
		if (errno == ENOENT)
			return true;		/* nothing there to lose */
		return target_fail(err, errno, "could not read target file \"%s/%s\"", w->pgdata, path);
	}
	end = rd->size;
	if (len < end - offset && offset < end)
		end = offset + len;
	if (offset < end && rd->buf == NULL)
		rd->buf = xmalloc(JOURNAL_PIECE_MAX);
	for (uint64_t pos = offset; ok && pos < end; pos += JOURNAL_PIECE_MAX)
	{
		size_t		n = end - pos > JOURNAL_PIECE_MAX ? JOURNAL_PIECE_MAX : (size_t) (end - pos);
		jrec		r = {.type = JR_DATA, .path = path, .offset = pos, .data = rd->buf,
		.len = n};

		ok = file_pread_exact(rd->fd, rd->full, rd->buf, n, pos, err) && jlog(w, &r, err);
	}
	return ok;
}

void
target_writer_prefetch(target_writer *w, const char *path, uint64_t offset, uint64_t len)
{
	if (w->j == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (read_fd(w, &w->prot_rd, path))
		(void) posix_fadvise(w->prot_rd.fd, (off_t) offset, (off_t) len, POSIX_FADV_WILLNEED);
	pthread_mutex_unlock(&w->lock);
}

static bool
save_all(target_writer *w, const char *path, rw_error *err)
{
	return save_range(w, &w->rd, path, 0, UINT64_MAX, err);
}

static int
compare_prot(const void *a, const void *b)
{
	const prot_range *x = a, *y = b;
	int			c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Was [offset, offset + len) of path saved and synced for the writes under way? */
static bool
in_batch(const target_writer *w, const char *path, uint64_t offset, size_t len)
{
	prot_range	key = {.path = (char *) path, .offset = offset};
	const prot_range *hit;

	if (w->sealed.n == 0)
		return false;
	hit = bsearch(&key, w->sealed.r, w->sealed.n, sizeof(prot_range), compare_prot);
	return hit != NULL && len <= hit->len;
}

bool
target_writer_protect(target_writer *w, const char *path, uint64_t offset, uint64_t len,
					  rw_error *err)
{
	prot_list  *l = &w->pending;
	bool		ok;

	if (w->j == NULL)
		return true;
	pthread_mutex_lock(&w->lock);
	ok = save_range(w, &w->prot_rd, path, offset, len, err);
	pthread_mutex_unlock(&w->lock);
	if (!ok)
		return false;
	xgrow((void **) &l->r, &l->cap, l->n + 1, sizeof(prot_range));
	l->r[l->n].path = xstrdup(path);
	l->r[l->n].offset = offset;
	l->r[l->n].len = len;
	l->n++;
	return true;
}

bool
target_writer_seal(target_writer *w, rw_error *err)
{
	prot_list	done = w->sealed;
	bool		ok;

	if (w->j == NULL)
		return true;
	pthread_mutex_lock(&w->lock);
	forget_read(&w->prot_rd);	/* the writes to come change what it read */
	ok = barrier(w, err);
	pthread_mutex_unlock(&w->lock);
	if (!ok)
		return false;
	clear_prot(&done);
	w->sealed = w->pending;
	w->pending = done;
	if (w->sealed.n > 0)
		qsort(w->sealed.r, w->sealed.n, sizeof(prot_range), compare_prot);
	return true;
}

bool
target_writer_begin(target_writer *w, const journal_identity *id,
					const pg_control *target_control, bool sync, rw_error *err)
{
	uint8_t		marked[CONTROL_FILE_SIZE];

	w->sync = sync;
	w->j = journal_create(w->pgdata, id, sync, err);
	if (w->j == NULL)
		return false;
	/* before anything else: the target must not start half rewound */
	journal_marked_control(target_control, marked);
	return target_writer_replace_file(w, CONTROL_PATH, marked, sizeof(marked), err) &&
		target_writer_step(w, JSTEP_STARTED, err);
}

bool
target_writer_step(target_writer *w, journal_step step, rw_error *err)
{
	jrec		r = {.type = JR_STEP, .path = ".", .offset = step};

	return jlog(w, &r, err);
}

bool
target_writer_commit(target_writer *w, bool sync, rw_error *err)
{
	if (w->j == NULL)
		return true;
	log_debug("journal: %llu bytes for %llu changes to the target",
			  (unsigned long long) journal_size(w->j), (unsigned long long) w->changes);
	journal_close(w->j);
	w->j = NULL;
	return journal_remove(w->pgdata, sync, err);
}

/* --- the changes --------------------------------------------------------- */

/*
 * Open full, creating it with mode if it is missing; the mode is set
 * explicitly, whatever the umask.  -1 with errno on failure.
 */
static int
open_or_create(target_writer *w, const char *full, int flags, mode_t mode)
{
	int			fd = w->io->ops->open(w->io, full, flags | O_CREAT | O_EXCL, mode);

	if (fd < 0 && errno == EEXIST)
		return w->io->ops->open(w->io, full, flags, 0);
	if (fd >= 0 && w->io->ops->fchmod(w->io, fd, mode) != 0)
	{
		int			e = errno;

		w->io->ops->close(w->io, fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool
open_for_write(target_writer *w, const char *path, int extra_flags, rw_error *err)
{
	char	   *full;

	if (w->fd >= 0 && extra_flags == 0 && strcmp(w->fd_path, path) == 0)
		return true;
	close_current(w);
	full = full_path(w, path);
	w->fd = open_or_create(w, full, O_WRONLY | extra_flags, w->file_mode);
	if (w->fd < 0)
	{
		target_fail(err, errno, "could not open target file \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	w->fd_path = xstrdup(path);
	touch(w, path);
	if (extra_flags & O_TRUNC)
		touch_parent(w, path);
	return true;
}

bool
target_writer_write(target_writer *w, const char *path, uint64_t offset, const uint8_t *data,
					size_t len, rw_error *err)
{
	/* a range target_writer_protect did not save is saved now, at the cost of an fsync */
	if (w->j && !in_batch(w, path, offset, len))
	{
		bool		saved;

		pthread_mutex_lock(&w->lock);
		saved = save_range(w, &w->rd, path, offset, len, err) && barrier(w, err);
		pthread_mutex_unlock(&w->lock);
		if (!saved)
			return false;
	}
	if (!open_for_write(w, path, 0, err))
		return false;
	if (io_pwrite_all(w->io, w->fd, data, len, (off_t) offset) != 0)
		return target_fail(err, errno, "could not write target file \"%s/%s\" at offset %llu",
							 w->pgdata, path, (unsigned long long) offset);
	changed(w);
	return true;
}

bool
target_writer_create_empty(target_writer *w, const char *const *paths, size_t n,
						   rw_error *err)
{
	bool		ok = true;

	pthread_mutex_lock(&w->lock);
	w->path_gen++;
	for (size_t i = 0; ok && i < n; i++)
		ok = save_all(w, paths[i], err);
	ok = ok && barrier(w, err);
	/* each emptied file counts as a change (the crash tests stop between them) */
	for (size_t i = 0; ok && i < n; i++)
	{
		ok = open_for_write(w, paths[i], O_TRUNC, err);
		if (ok)
			changed(w);
	}
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static bool
truncate_locked(target_writer *w, const char *path, uint64_t size, rw_error *err)
{
	char	   *full;

	if (!save_range(w, &w->rd, path, size, UINT64_MAX, err) || !barrier(w, err))
		return false;
	full = full_path(w, path);
	if (io_truncate(w->io, full, size) != 0)
	{
		target_fail(err, errno, "could not truncate target file \"%s\" to %llu bytes",
					  full, (unsigned long long) size);
		free(full);
		return false;
	}
	free(full);
	touch(w, path);
	changed(w);
	return true;
}

bool
target_writer_truncate(target_writer *w, const char *path, uint64_t size, rw_error *err)
{
	bool		ok;

	pthread_mutex_lock(&w->lock);
	w->path_gen++;
	ok = truncate_locked(w, path, size, err);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

/* Journal what removing the file or symlink at path loses. */
static bool
save_removed(target_writer *w, const char *path, const char *full, rw_error *err)
{
	struct stat st;
	jrec		r = {.path = path};

	if (w->j == NULL)
		return true;
	if (io_lstat(w->io, full, &st) != 0)
		return errno == ENOENT ? true :
			target_fail(err, errno, "could not stat target file \"%s\"", full);
	if (S_ISLNK(st.st_mode))
	{
		char		link[4096];
		ssize_t		n = readlink(full, link, sizeof(link));

		if (n < 0)
			return target_fail(err, errno, "could not read symbolic link \"%s\"", full);
		r.type = JR_REMOVED_LINK;
		r.data = (const uint8_t *) link;
		r.len = (size_t) n;
		return jlog(w, &r, err);
	}
	r.type = JR_REMOVED_FILE;
	r.mode = (uint32_t) (st.st_mode & 07777);
	/* the content first: undone in reverse, the file is recreated, then filled */
	return save_all(w, path, err) && jlog(w, &r, err);
}

/*
 * Move a regular file that is to be removed into the journal's stash: on the
 * same file system a rename costs nothing, where saving its content would
 * (a target's recycled WAL segments alone can be gigabytes).  *moved stays
 * false when the file is on another file system; the caller then saves it
 * into the journal instead.  The file's JR_ORIG record comes first, so no
 * later change records it as absent.
 */
static bool
stash_file(target_writer *w, const char *path, const char *full, const struct stat *st,
		   bool *moved, rw_error *err)
{
	char		name[32];
	char	   *dest;
	jrec		r = {.type = JR_MOVED_FILE, .path = path, .data = (const uint8_t *) name};
	bool		ok = true;

	*moved = false;
	if (!w->stash_ready && !journal_stash_prepare(w->pgdata, w->sync, &w->stash_dev, err))
		return false;
	w->stash_ready = true;
	if (st->st_dev != w->stash_dev)
		return true;
	snprintf(name, sizeof(name), "%08llx", (unsigned long long) w->nstashed++);
	r.len = strlen(name);
	if (!note_file(w, path, err) || !jlog(w, &r, err) || !barrier(w, err))
		return false;
	dest = journal_stash_path(w->pgdata, name);
	if (w->io->ops->rename(w->io, full, dest) == 0)
		*moved = true;
	else if (errno != EXDEV)	/* a bind mount: the content is saved instead */
		ok = target_fail(err, errno, "could not move target file \"%s\" to \"%s\"", full, dest);
	free(dest);
	return ok;
}

static bool
remove_file_locked(target_writer *w, const char *path, rw_error *err)
{
	char	   *full;
	struct stat st;
	bool		moved = false;

	if (w->fd_path && strcmp(w->fd_path, path) == 0)
		close_current(w);
	full = full_path(w, path);
	if (w->j && io_lstat(w->io, full, &st) == 0 && S_ISREG(st.st_mode) &&
		!stash_file(w, path, full, &st, &moved, err))
	{
		free(full);
		return false;
	}
	if (!moved && (!save_removed(w, path, full, err) || !barrier(w, err)))
	{
		free(full);
		return false;
	}
	if (!moved && w->io->ops->unlink(w->io, full) != 0 && errno != ENOENT)
	{
		target_fail(err, errno, "could not remove target file \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	touch_parent(w, path);
	changed(w);
	return true;
}

bool
target_writer_remove_file(target_writer *w, const char *path, rw_error *err)
{
	bool		ok;

	pthread_mutex_lock(&w->lock);
	w->path_gen++;
	ok = remove_file_locked(w, path, err);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

/* Rename one file whose JR_RENAMED record is already on disk. */
static bool
rename_one(target_writer *w, const char *path, const char *new_path, rw_error *err)
{
	char	   *full = full_path(w, path), *new_full = full_path(w, new_path);
	bool		ok;

	w->path_gen++;
	ok = w->io->ops->rename(w->io, full, new_full) == 0 ||
		target_fail(err, errno, "could not rename target file \"%s\" to \"%s\"", full, new_full);

	if (ok)
	{
		touch_parent(w, path);
		touch_parent(w, new_path);
		changed(w);
	}
	free(full);
	free(new_full);
	return ok;
}

bool
target_writer_rename_files(target_writer *w, const char *const *paths,
						   const char *const *new_paths, size_t n, rw_error *err)
{
	struct stat st;

	/* every rename journaled, one fsync, then the renames */
	for (size_t i = 0; i < n; i++)
	{
		char	   *new_full = full_path(w, new_paths[i]);
		jrec		r = {.type = JR_RENAMED, .path = paths[i],
		.data = (const uint8_t *) new_paths[i], .len = strlen(new_paths[i])};
		bool		taken = io_lstat(w->io, new_full, &st) == 0;
		bool		ok = !taken && errno == ENOENT;

		if (taken)
			rw_fail(err, RW_EINTERNAL, "cannot rename \"%s/%s\": \"%s\" exists", w->pgdata,
					paths[i], new_full);
		else if (!ok)
			target_fail(err, errno, "could not stat target file \"%s\"", new_full);
		free(new_full);
		if (!ok || !note_file(w, paths[i], err) || !jlog(w, &r, err))
			return false;
	}
	if (!barrier(w, err))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!rename_one(w, paths[i], new_paths[i], err))
			return false;
	return true;
}

/*
 * rmdir, after an fsync of the directory: the removals that emptied it are
 * on disk before its own removal can be (once it is gone, it cannot be
 * synced any more).  0 or -1 with errno, like rmdir.
 */
static int
remove_empty_dir(target_writer *w, const char *full)
{
	if (w->sync && io_fsync_path(w->io, full) != 0)
		return -1;
	return w->io->ops->rmdir(w->io, full);
}

bool
target_writer_remove_dir(target_writer *w, const char *path, rw_error *err)
{
	char	   *full;
	struct stat st;

	full = full_path(w, path);
	if (w->j && io_lstat(w->io, full, &st) == 0)
	{
		jrec		r = {.type = JR_REMOVED_DIR, .path = path,
		.mode = (uint32_t) (st.st_mode & 07777)};

		if (!jlog(w, &r, err) || !barrier(w, err))
		{
			free(full);
			return false;
		}
	}
	if (remove_empty_dir(w, full) != 0 && errno != ENOENT)
	{
		target_fail(err, errno, "could not remove target directory \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	touch_parent(w, path);
	changed(w);
	return true;
}

/* Journal that path is about to be created, when nothing is there now. */
static bool
save_created(target_writer *w, const char *path, const char *full, jrec_type type,
			 rw_error *err)
{
	struct stat st;
	jrec		r = {.type = type, .path = path};

	if (w->j == NULL || io_lstat(w->io, full, &st) == 0)
		return true;			/* there already: creating it fails or is a no-op */
	if (errno != ENOENT)
		return target_fail(err, errno, "could not stat \"%s\"", full);
	return jlog(w, &r, err) && barrier(w, err);
}

static bool
create_dir_locked(target_writer *w, const char *path, rw_error *err)
{
	char	   *full;

	full = full_path(w, path);
	if (!save_created(w, path, full, JR_CREATED_DIR, err))
	{
		free(full);
		return false;
	}
	if (w->io->ops->mkdir(w->io, full, w->dir_mode) == 0)
	{
		if (io_chmod(w->io, full, w->dir_mode) != 0)	/* whatever the umask */
		{
			target_fail(err, errno, "could not set the mode of \"%s\"", full);
			free(full);
			return false;
		}
	}
	else if (errno != EEXIST)
	{
		target_fail(err, errno, "could not create target directory \"%s\"", full);
		free(full);
		return false;
	}
	free(full);
	touch(w, path);
	touch_parent(w, path);
	changed(w);
	return true;
}

bool
target_writer_create_dir(target_writer *w, const char *path, rw_error *err)
{
	bool		ok;

	pthread_mutex_lock(&w->lock);
	ok = create_dir_locked(w, path, err);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

static bool
create_symlink_locked(target_writer *w, const char *path, const char *link_target,
					  rw_error *err)
{
	char	   *full;

	full = full_path(w, path);
	if (!save_created(w, path, full, JR_CREATED_LINK, err))
	{
		free(full);
		return false;
	}
	if (w->io->ops->symlink(w->io, link_target, full) != 0)
	{
		target_fail(err, errno, "could not create symbolic link \"%s\" to \"%s\"",
					  full, link_target);
		free(full);
		return false;
	}
	free(full);
	touch_parent(w, path);
	changed(w);
	return true;
}

bool
target_writer_create_symlink(target_writer *w, const char *path, const char *link_target,
							 rw_error *err)
{
	bool		ok;

	pthread_mutex_lock(&w->lock);
	ok = create_symlink_locked(w, path, link_target, err);
	pthread_mutex_unlock(&w->lock);
	return ok;
}

/* fsync the directory holding path (relative to the data directory). */
static bool
sync_parent(target_writer *w, const char *path, rw_error *err)
{
	char	   *parent = path_parent(path);
	char	   *dir = strcmp(parent, ".") == 0 ? xstrdup(w->pgdata)
		: xasprintf("%s/%s", w->pgdata, parent);
	bool		ok = io_fsync_path(w->io, dir) == 0 ||
		target_fail(err, errno, "could not fsync \"%s\"", dir);

	free(dir);
	free(parent);
	return ok;
}

/*
 * Before a replacement: its temporary file journaled as created (a rollback
 * removes it), the current content saved, the journal on disk.
 */
static bool
save_replaced(target_writer *w, const char *path, rw_error *err)
{
	char	   *tmp_rel = xasprintf("%s.rewind-tmp", path);
	bool		saved = note_file(w, tmp_rel, err) && save_all(w, path, err) && barrier(w, err);

	free(tmp_rel);
	return saved;
}

/* Write tmp whole with mode and fsync it; on failure it is removed. */
static bool
write_temp(target_writer *w, const char *tmp, mode_t mode, const uint8_t *data, size_t len,
		   rw_error *err)
{
	int			fd = w->io->ops->open(w->io, tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd >= 0 && w->io->ops->fchmod(w->io, fd, mode) != 0)
	{
		w->io->ops->close(w->io, fd);
		fd = -1;
	}
	if (fd < 0 || io_pwrite_all(w->io, fd, data, len, 0) != 0 || w->io->ops->fsync(w->io, fd) != 0)
	{
		target_fail(err, errno, "could not write target file \"%s\"", tmp);
		if (fd >= 0)
			w->io->ops->close(w->io, fd);
		w->io->ops->unlink(w->io, tmp);
		return false;
	}
	w->io->ops->close(w->io, fd);
	return true;
}

/* Write the temporary file beside full, then rename it over full. */
static bool
write_and_rename(target_writer *w, const char *full, const uint8_t *data, size_t len,
				 rw_error *err)
{
	char	   *tmp = xasprintf("%s.rewind-tmp", full);
	struct stat st;
	mode_t		mode = w->file_mode;
	bool		ok;

	if (io_lstat(w->io, full, &st) == 0)
		mode = st.st_mode & 07777;	/* the file it replaces keeps its mode */
	ok = write_temp(w, tmp, mode, data, len, err);
	if (ok)
	{
		changed(w);
		ok = w->io->ops->rename(w->io, tmp, full) == 0;
		if (!ok)
		{
			target_fail(err, errno, "could not rename \"%s\" to \"%s\"", tmp, full);
			w->io->ops->unlink(w->io, tmp);
		}
	}
	free(tmp);
	return ok;
}

bool
target_writer_replace_file(target_writer *w, const char *path, const uint8_t *data,
						   size_t len, rw_error *err)
{
	char	   *full;
	bool		ok;

	if (w->fd_path && strcmp(w->fd_path, path) == 0)
		close_current(w);
	if (!save_replaced(w, path, err))
		return false;
	full = full_path(w, path);
	ok = write_and_rename(w, full, data, len, err);
	free(full);
	if (!ok)
		return false;
	touch(w, path);
	touch_parent(w, path);
	changed(w);
	/*
	 * The new name on disk before any later change: the mark before the data
	 * it protects, backup_label and the configuration before the final
	 * pg_control.
	 */
	return !w->sync || sync_parent(w, path, err);
}

static int
compare_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Sort the paths to fsync and drop duplicates. */
static void
dedup_touched(target_writer *w)
{
	size_t		n = 0;

	if (w->ntouched > 0)		/* touched is NULL until the first */
		qsort(w->touched, w->ntouched, sizeof(char *), compare_str);
	for (size_t i = 0; i < w->ntouched; i++)
	{
		if (n > 0 && strcmp(w->touched[n - 1], w->touched[i]) == 0)
		{
			free(w->touched[i]);
			continue;
		}
		w->touched[n++] = w->touched[i];
	}
	w->ntouched = n;
}

/* Files moved into the stash: their new names too (a rename changes both directories). */
static bool
sync_stash(target_writer *w, rw_error *err)
{
	char	   *stash;
	bool		ok;

	if (!w->stash_ready)
		return true;
	stash = journal_stash_dir(w->pgdata);
	ok = io_fsync_path(w->io, stash) == 0 ||
		target_fail(err, errno, "could not fsync \"%s\"", stash);
	free(stash);
	return ok;
}

bool
target_writer_sync(target_writer *w, rw_error *err)
{
	close_current(w);
	dedup_touched(w);
	for (size_t i = 0; i < w->ntouched; i++)
	{
		char	   *full = full_path(w, w->touched[i]);

		if (io_fsync_path(w->io, full) != 0 && errno != ENOENT)	/* ENOENT: removed later */
		{
			target_fail(err, errno, "could not fsync \"%s\"", full);
			free(full);
			return false;
		}
		free(full);
	}
	return sync_stash(w, err);
}

/* --- lent to rollback.c (writer_internal.h) ------------------------------ */

static bool
stash_exists(const char *pgdata)
{
	char	   *stash = journal_stash_dir(pgdata);
	struct stat st;
	bool		exists = lstat(stash, &st) == 0;

	free(stash);
	return exists;
}

target_writer *
target_writer_open_for_rollback(const char *pgdata, bool sync)
{
	target_writer *w = open_writer(pgdata);

	w->sync = sync;
	w->stash_ready = stash_exists(pgdata);	/* files moved back: synced there too */
	return w;
}

rw_io *
target_writer_io(const target_writer *w)
{
	return w->io;
}

char *
target_writer_full_path(const target_writer *w, const char *path)
{
	return full_path(w, path);
}

void
target_writer_touched(target_writer *w, const char *path)
{
	touch(w, path);
}

void
target_writer_touched_parent(target_writer *w, const char *path)
{
	touch_parent(w, path);
}

void
target_writer_changed(target_writer *w)
{
	changed(w);
}

int
target_writer_rmdir(target_writer *w, const char *full)
{
	return remove_empty_dir(w, full);
}

/*
 * The rollback of an interrupted rewind: its journal replayed backwards,
 * through the writer's file-system handle (writer_internal.h), never
 * through its journaled changes.  It touches the data directory and the
 * journal's stash; the journal itself is only read (resume.c removes it).
 */
#include "target/rollback.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "target/target_fail.h"
#include "target/writer_internal.h"
#include "xalloc.h"

/* A rollback under way: the writer it goes through, and its handle. */
typedef struct rollback {
	target_writer *w;
	rw_io	   *io;
	const char *pgdata;
} rollback;

static bool
fail_path(rw_error *err, const char *what, const char *full)
{
	return target_fail(err, errno, "rollback: could not %s \"%s\"", what, full);
}

/* Put back the bytes a record saved (creating the file if it is gone). */
static bool
undo_data(rw_io *io, const char *full, const jrec *r, rw_error *err)
{
	int			fd = io->ops->open(io, full, O_WRONLY | O_CREAT, 0600);
	bool		ok;

	if (fd < 0)
		return fail_path(err, "open", full);
	ok = io_pwrite_all(io, fd, r->data, r->len, (off_t) r->offset) == 0 ||
		fail_path(err, "write", full);
	io->ops->close(io, fd);
	return ok;
}

/* The file as it was before its first change: size and mode, or absent. */
static bool
undo_orig(rw_io *io, const char *full, const jrec *r, rw_error *err)
{
	int			fd;
	bool		ok;

	if (!r->existed)
		return io->ops->unlink(io, full) == 0 || errno == ENOENT || fail_path(err, "remove", full);
	fd = io->ops->open(io, full, O_WRONLY | O_CREAT, 0600);
	if (fd < 0)
		return fail_path(err, "open", full);
	ok = (io->ops->ftruncate(io, fd, (off_t) r->offset) == 0 &&
		  io->ops->fchmod(io, fd, (mode_t) r->mode) == 0) ||
		fail_path(err, "restore size and mode of", full);
	io->ops->close(io, fd);
	return ok;
}

/* A removed file, recreated empty with its mode: its JR_DATA records refill it. */
static bool
recreate_file(rw_io *io, const char *full, const jrec *r, rw_error *err)
{
	int			fd = io->ops->open(io, full, O_WRONLY | O_CREAT | O_TRUNC, (mode_t) r->mode);

	if (fd < 0)
		return fail_path(err, "recreate", full);
	io->ops->close(io, fd);
	return true;
}

static bool
recreate_link(rw_io *io, const char *full, const jrec *r, rw_error *err)
{
	char	   *link = xasprintf("%.*s", (int) r->len, (const char *) r->data);
	bool		ok = io->ops->symlink(io, link, full) == 0 || errno == EEXIST ||
		fail_path(err, "recreate symbolic link", full);

	free(link);
	return ok;
}

static bool
recreate_dir(rollback *rb, const char *full, const jrec *r, rw_error *err)
{
	bool		ok = (rb->io->ops->mkdir(rb->io, full, (mode_t) r->mode) == 0 || errno == EEXIST ||
					  fail_path(err, "recreate directory", full)) &&
		(io_chmod(rb->io, full, (mode_t) r->mode) == 0 || fail_path(err, "chmod", full));

	target_writer_touched(rb->w, r->path);
	return ok;
}

/* Move a file back from where it was moved; one already back (a repeated rollback) is fine. */
static bool
move_back(rw_io *io, const char *moved, const char *full, rw_error *err)
{
	struct stat st;

	if (io->ops->rename(io, moved, full) == 0)
		return true;
	if (errno == ENOENT && io_lstat(io, full, &st) == 0)
		return true;
	return fail_path(err, "move back", moved);
}

/*
 * Where a JR_MOVED_FILE or JR_RENAMED record moved its file, malloc'd; NULL
 * for a name a journal cannot have written (a damaged journal must not move
 * files out of the stash or the data directory).
 */
static char *
moved_to(const rollback *rb, const jrec *r)
{
	char	   *name = xasprintf("%.*s", (int) r->len, (const char *) r->data);
	char	   *path = NULL;

	if (r->type == JR_MOVED_FILE && name[0] != '\0' && name[0] != '.' && !strchr(name, '/'))
		path = journal_stash_path(rb->pgdata, name);
	else if (r->type == JR_RENAMED && name[0] != '\0' && name[0] != '/' && !strstr(name, ".."))
		path = target_writer_full_path(rb->w, name);
	free(name);
	return path;
}

static bool
undo_moved(rollback *rb, const char *full, const jrec *r, rw_error *err)
{
	char	   *moved = moved_to(rb, r);
	bool		ok;

	if (moved == NULL)
		return rw_fail(err, RW_ECORRUPT, "rollback: the journal record for \"%s\" names an "
					   "invalid destination", full);
	ok = move_back(rb->io, moved, full, err);
	free(moved);
	return ok;
}

/* Undo the change of one record on full, its path. */
static bool
undo_change(rollback *rb, const char *full, const jrec *r, rw_error *err)
{
	bool		ok = true;

	switch (r->type)
	{
		case JR_ORIG:
			ok = undo_orig(rb->io, full, r, err);
			break;
		case JR_DATA:
			ok = undo_data(rb->io, full, r, err);
			break;
		case JR_REMOVED_FILE:
			ok = recreate_file(rb->io, full, r, err);
			break;
		case JR_REMOVED_LINK:
			ok = recreate_link(rb->io, full, r, err);
			break;
		case JR_REMOVED_DIR:
			ok = recreate_dir(rb, full, r, err);
			break;
		case JR_CREATED_DIR:
			ok = target_writer_rmdir(rb->w, full) == 0 || errno == ENOENT ||
				fail_path(err, "remove directory", full);
			break;
		case JR_CREATED_LINK:
			ok = rb->io->ops->unlink(rb->io, full) == 0 || errno == ENOENT ||
				fail_path(err, "remove", full);
			break;
		case JR_MOVED_FILE:
		case JR_RENAMED:
			ok = undo_moved(rb, full, r, err);
			break;
		case JR_STEP:
			break;
	}
	return ok;
}

/* What an undone record changed, for the final fsync. */
static void
note_undone(rollback *rb, const jrec *r)
{
	if (r->type == JR_DATA || r->type == JR_ORIG)
		target_writer_touched(rb->w, r->path);
	if (r->type == JR_RENAMED)
	{
		char	   *new_path = xasprintf("%.*s", (int) r->len, (const char *) r->data);

		target_writer_touched_parent(rb->w, new_path);
		free(new_path);
	}
	target_writer_touched_parent(rb->w, r->path);
	target_writer_changed(rb->w);
}

static bool
undo_one(rollback *rb, const jrec *r, rw_error *err)
{
	char	   *full;
	bool		ok;

	if (r->type == JR_STEP)
		return true;			/* the end of a phase: nothing changed */
	full = target_writer_full_path(rb->w, r->path);
	ok = undo_change(rb, full, r, err);
	free(full);
	if (ok)
		note_undone(rb, r);
	return ok;
}

/*
 * Space first (the disk may be full: that may be why the run stopped).
 * A file's JR_ORIG record is its first and gives its final state: absent,
 * or `offset` bytes long.  Removing a regular file the run created, and
 * cutting a longer one back to its original size, only drops bytes the
 * rollback would drop anyway in the end; the newest-first pass below may
 * write some of them again on the way, but never more than the run did.
 * Repeating this is harmless, like the rollback itself.
 */
static bool
free_space_first(rollback *rb, const jrec *r, rw_error *err)
{
	char	   *full = target_writer_full_path(rb->w, r->path);
	struct stat st;
	bool		ok = true;

	if (io_lstat(rb->io, full, &st) != 0 || !S_ISREG(st.st_mode))
		;						/* gone or not a file: the pass below decides */
	else if (!r->existed)
	{
		ok = rb->io->ops->unlink(rb->io, full) == 0 || errno == ENOENT ||
			fail_path(err, "remove", full);
		if (ok)
			target_writer_touched_parent(rb->w, r->path);
	}
	else if ((uint64_t) st.st_size > r->offset)
	{
		ok = io_truncate(rb->io, full, r->offset) == 0 || fail_path(err, "truncate", full);
		if (ok)
			target_writer_touched(rb->w, r->path);
	}
	free(full);
	return ok;
}

/*
 * pg_control is not undone with the rest: it keeps the mark until every
 * other change is undone and on disk, then the original is put back whole.
 */
static bool
is_control(const jrec *r)
{
	return strcmp(r->path, CONTROL_PATH) == 0;
}

/* Record i of the journal through fn (pg_control's records are skipped). */
static bool
with_record(rollback *rb, journal_reader *jr, size_t i,
			bool (*fn) (rollback *rb, const jrec *r, rw_error *err), rw_error *err)
{
	jrec		r;
	char	   *path;
	uint8_t    *data;
	bool		ok;

	if (!journal_reader_get(jr, i, &r, &path, &data, err))
		return false;
	ok = is_control(&r) || fn(rb, &r, err);
	free(path);
	free(data);
	return ok;
}

bool
target_rollback(const char *pgdata, journal_reader *jr, bool sync, rw_error *err)
{
	rollback	rb = {.w = target_writer_open_for_rollback(pgdata, sync), .pgdata = pgdata};
	size_t		n = journal_reader_count(jr);
	bool		ok = true;

	rb.io = target_writer_io(rb.w);
	for (size_t i = 0; ok && i < n; i++)
		if (journal_reader_type(jr, i) == JR_ORIG)
			ok = with_record(&rb, jr, i, free_space_first, err);
	/* newest first: each undo leaves the state from before its change */
	for (size_t i = n; ok && i-- > 0;)
		ok = with_record(&rb, jr, i, undo_one, err);
	/* the rest on disk, then the original pg_control, renamed into place and synced */
	ok = ok && (!sync || target_writer_sync(rb.w, err)) &&
		target_writer_replace_file(rb.w, CONTROL_PATH, journal_reader_identity(jr)->control,
								   CONTROL_FILE_SIZE, err);
	target_writer_close(rb.w);
	return ok;
}

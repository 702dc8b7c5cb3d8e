/*
 * What writer.c lends rollback.c, and no other file may include: the
 * writer's handle on the file system, its list of what to fsync and its
 * count of changes.  A rollback undoes a journal through these, outside the
 * journaled changes of writer.h, then finishes with target_writer_sync and
 * target_writer_replace_file like a run.
 */
#ifndef RW_TARGET_WRITER_INTERNAL_H
#define RW_TARGET_WRITER_INTERNAL_H

#include <stdbool.h>

#include "target/writer.h"
#include "util/io.h"

/* Marked first by a run, put back last by a rollback. */
#define CONTROL_PATH "global/pg_control"

/*
 * A writer that journals nothing, to undo a journal: fsyncs (unless !sync)
 * what changed, and the journal's stash when there is one.  A dry run never
 * gets here: resume.c refuses to look at a journal in a dry run.
 */
target_writer *target_writer_open_for_rollback(const char *pgdata, bool sync);

/* Its handle on the file system: every change goes through it. */
rw_io	   *target_writer_io(const target_writer *w);

/* pgdata/path, malloc'd. */
char	   *target_writer_full_path(const target_writer *w, const char *path);

/* path changed, or the directory holding it did: target_writer_sync fsyncs it. */
void		target_writer_touched(target_writer *w, const char *path);
void		target_writer_touched_parent(target_writer *w, const char *path);

/* One change made to the target: counted, and the kill test hook's point. */
void		target_writer_changed(target_writer *w);

/*
 * rmdir, after an fsync of the directory (unless !sync): the removals that
 * emptied it are on disk before its own removal can be.  0 or -1 with
 * errno, like rmdir.
 */
int			target_writer_rmdir(target_writer *w, const char *full);

#endif

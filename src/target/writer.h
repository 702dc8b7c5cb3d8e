/*
 * Every change to the target data directory goes through these functions
 * (and rollback.h, which undoes them), so that "what may touch the target"
 * is one place.  A dry run cannot open a writer: target_writer_open refuses,
 * so none of these can run.
 *
 * After target_writer_begin, every change is journaled first (journal.h):
 * what it destroys is appended to the journal, and the journal is fsynced
 * before the change is made.  Block writes are batched:
 * target_writer_protect saves the old bytes of each range of a batch,
 * target_writer_seal makes the whole batch durable with one fsync, and the
 * writes of its ranges follow.  A write that was not protected is saved
 * (and synced) by target_writer_write itself.
 *
 * Threads: target_writer_protect and target_writer_prefetch may run in one
 * other thread (saving the next batch while this one is written) at the
 * same time as target_writer_write, _create_empty, _truncate, _remove_file,
 * _create_dir and _create_symlink; every other function, target_writer_seal
 * included, only while no protect runs.
 */
#ifndef RW_TARGET_WRITER_H
#define RW_TARGET_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "error.h"
#include "target/journal.h"

typedef struct target_writer target_writer;

/*
 * The writer of the data directory pgdata; NULL with err set when dry_run
 * (--dry-run or --check: the run must not change the target).
 */
target_writer *target_writer_open(const char *pgdata, bool dry_run, rw_error *err);

/* Closes the open file and the journal (left on disk); frees the writer
 * (NULL is fine).  Does not sync. */
void		target_writer_close(target_writer *w);

/*
 * Start journaling: create the journal beside the data directory, then,
 * before any other change, mark the target's pg_control so that the server
 * refuses to start until the rewind is finished or rolled back.
 */
bool		target_writer_begin(target_writer *w, const journal_identity *id,
								const pg_control *target_control, bool sync,
								rw_error *err);

/* Record that a phase of the run ended (journal_step). */
bool		target_writer_step(target_writer *w, journal_step step, rw_error *err);

/*
 * Save the current bytes of a range that target_writer_write will overwrite
 * after the next target_writer_seal.  The ranges of one batch must not
 * overlap the writes under way (those of the batch sealed before).
 */
bool		target_writer_protect(target_writer *w, const char *path, uint64_t offset,
								  uint64_t len, rw_error *err);

/*
 * The ranges protected since the last seal are durable (one fsync of the
 * journal): target_writer_write writes them without saving them again, until
 * the next seal.
 */
bool		target_writer_seal(target_writer *w, rw_error *err);

/*
 * Start reading, in the background, a range target_writer_protect will save
 * soon: the reads of a batch then overlap instead of waiting one after the
 * other.
 */
void		target_writer_prefetch(target_writer *w, const char *path, uint64_t offset,
								   uint64_t len);

/* The rewind is complete and synced: remove the journal. */
bool		target_writer_commit(target_writer *w, bool sync, rw_error *err);

/* Write len bytes at offset of a file (created if missing). */
bool		target_writer_write(target_writer *w, const char *path, uint64_t offset,
								const uint8_t *data, size_t len, rw_error *err);

/*
 * Create n files empty, or empty them: what they lose is saved first, with
 * one fsync of the journal for all of them, then they are emptied.
 */
bool		target_writer_create_empty(target_writer *w, const char *const *paths, size_t n,
									   rw_error *err);

bool		target_writer_truncate(target_writer *w, const char *path, uint64_t size,
								   rw_error *err);

/* Remove a file or symlink; a missing one is fine. */
bool		target_writer_remove_file(target_writer *w, const char *path, rw_error *err);

/*
 * Rename files within the data directory, paths[i] to new_paths[i]; nothing
 * may be at a new path.  All are journaled before the first (one fsync).
 */
bool		target_writer_rename_files(target_writer *w, const char *const *paths,
									   const char *const *new_paths, size_t n,
									   rw_error *err);

/* Remove an empty directory; a missing one is fine. */
bool		target_writer_remove_dir(target_writer *w, const char *path, rw_error *err);

bool		target_writer_create_dir(target_writer *w, const char *path, rw_error *err);
bool		target_writer_create_symlink(target_writer *w, const char *path,
										 const char *link_target, rw_error *err);

/* Replace a whole file atomically (write a temporary file, fsync, rename). */
bool		target_writer_replace_file(target_writer *w, const char *path,
									   const uint8_t *data, size_t len, rw_error *err);

/* fsync every file written and every directory whose entries changed. */
bool		target_writer_sync(target_writer *w, rw_error *err);

#endif

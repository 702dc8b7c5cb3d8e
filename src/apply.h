/*
 * Every change to the target data directory goes through these functions,
 * so that "what may touch the target" is one file: a dry run never calls
 * them, and each refuses to act in dry-run mode as a second guard.
 */
#ifndef RW_APPLY_H
#define RW_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct target_writer target_writer;

target_writer *tw_open(const char *pgdata, bool dry_run);

/* Closes the open file; frees the writer.  Does not sync. */
void		tw_close(target_writer *w);

/* Write len bytes at offset of a file (created if missing). */
bool		tw_write(target_writer *w, const char *path, uint64_t offset,
					 const uint8_t *data, size_t len, rw_error *err);

/* Create the file empty, or empty it. */
bool		tw_create_empty(target_writer *w, const char *path, rw_error *err);

bool		tw_truncate(target_writer *w, const char *path, uint64_t size, rw_error *err);

/* Remove a file or symlink; a missing one is fine. */
bool		tw_remove_file(target_writer *w, const char *path, rw_error *err);

/* Remove an empty directory; a missing one is fine. */
bool		tw_remove_dir(target_writer *w, const char *path, rw_error *err);

bool		tw_create_dir(target_writer *w, const char *path, rw_error *err);
bool		tw_create_symlink(target_writer *w, const char *path, const char *link_target,
							  rw_error *err);

/* Replace a whole file atomically (write a temporary file, fsync, rename). */
bool		tw_replace_file(target_writer *w, const char *path, const uint8_t *data,
							size_t len, rw_error *err);

/* fsync every file written and every directory whose entries changed. */
bool		tw_sync(target_writer *w, rw_error *err);

/* Number of files and directories tw_sync() will flush. */
size_t		tw_touched_count(const target_writer *w);

#endif

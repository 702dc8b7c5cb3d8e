/*
 * The salvage directory and its files: a new or empty directory, files
 * created there (never through a symbolic link, mode 0600) and flushed to
 * disk with their directories before the target changes.
 */
#ifndef RW_SALVAGE_DIR_H
#define RW_SALVAGE_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"

/*
 * The temporary directory of the spilled removed versions (salvage_spill.h),
 * in DIR; its files are named by decimal numbers.  A run killed while it
 * existed leaves it behind: the next run recognises it and clears it.
 */
#define SALVAGE_SPILL_DIR ".removed-versions.tmp"

/*
 * DIR must not exist (its parent must) or be an empty directory, and must
 * not be inside pgdata (the rewind would overwrite or remove it).  The
 * temporary directory of an interrupted run (SALVAGE_SPILL_DIR, holding
 * nothing but its own files) does not count.
 */
bool		salvage_dir_check(const char *dir, const char *pgdata, rw_error *err);

/* Create dir (mode 0700) unless it exists as an empty directory; clear the
 * temporary files an interrupted run left there. */
bool		salvage_dir_make(const char *dir, const char *pgdata, rw_error *err);

/* A file name part for a database, schema or table name: "/" and "%"
 * as %2F and %25, a leading "." as %2E. */
void		salvage_name_part(const char *name, char *out, size_t outlen);

/* out = dir/name; fails when that does not fit. */
bool		salvage_path(char *out, size_t outlen, const char *dir, const char *name,
						 rw_error *err);

/* Create a new file (fails if it exists). */
FILE	   *salvage_file_create(const char *path, rw_error *err);

/* Flush, fsync and close f (closed in any case). */
bool		salvage_file_finish(FILE *f, const char *path, rw_error *err);

/* fsync a directory. */
bool		salvage_dir_sync(const char *dir, rw_error *err);

#endif

/*
 * Listing a data directory on this machine into a file_list.
 */
#ifndef RW_FILELIST_LOCAL_H
#define RW_FILELIST_LOCAL_H

#include <stdbool.h>

#include "error.h"
#include "filelist.h"

/*
 * List a local data directory recursively.  Symlinks directly under
 * pg_tblspc/ and a symlinked pg_wal are reported as FILE_TYPE_SYMLINK and
 * their contents listed below the link's path; other symlinks are listed
 * but not followed.  Entries that vanish while listing are skipped.
 * Entries are appended to *out and the list sorted; the caller frees *out,
 * also after a failure.
 */
bool		file_list_local(const char *datadir, file_list *out, rw_error *err);

#endif

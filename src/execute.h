/*
 * Carrying out a plan: fetch what it needs from the source and write it into
 * the target, then remove what the target must lose.
 */
#ifndef RW_EXECUTE_H
#define RW_EXECUTE_H

#include <stdbool.h>

#include "apply.h"
#include "error.h"
#include "filelist.h"
#include "log.h"
#include "plan.h"
#include "source.h"

/* Disk space a rewind needs, counted before the first change. */
typedef struct space_estimate {
	uint64_t	journal_bytes;	/* target data the plan overwrites or removes, raw,
								 * plus the journal's own overhead */
	uint64_t	new_bytes;		/* data written into the target */
	/*
	 * Files removed, by where they are: each is moved into the journal's
	 * stash when on its file system, saved into the journal otherwise.
	 */
	uint64_t	removed_bytes;	/* elsewhere in the data directory */
	uint64_t	removed_wal_bytes;	/* under pg_wal/ (may be a link) */
	uint64_t	removed_tblspc_bytes;	/* in tablespaces */
} space_estimate;

/*
 * A conservative estimate: space freed by truncating or removing files is
 * not counted, and journal data is counted uncompressed.  Removed files
 * count against the journal only where they cannot be moved into its stash.
 */
void		execute_estimate(const plan *p, space_estimate *out);

/*
 * Refuse (RW_ENOSPACE, naming the file system) when the journal's file
 * system (beside pgdata) or pgdata's lacks the space; new data is counted
 * against pgdata's file system, tablespaces included.
 */
bool		execute_check_space(const char *pgdata, const space_estimate *est,
								rw_error *err);

/*
 * What changed on the source while the plan was carried out: normal on a
 * running source, and replaying its WAL from the last common checkpoint
 * repeats it, except for WAL segments that vanished (see check_wal_vanished).
 */
typedef struct execute_outcome {
	file_list	vanished;		/* files gone from the source before they were
								 * read (dropped, recycled there), sorted */
	uint64_t	shrunk_files;	/* files shorter than listed (truncated there) */
	uint64_t	grown_files;	/* relation files and WAL longer than listed (any
								 * other file that grows fails the copy) */
} execute_outcome;

/* Fills *out (zeroed by the caller) also when it fails. */
bool		execute_plan(const plan *p, source *src, target_writer *w, progress *prog,
						 execute_outcome *out, rw_error *err);
void		execute_outcome_free(execute_outcome *out);

#endif

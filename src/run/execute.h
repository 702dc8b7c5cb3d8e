/*
 * Carrying out a plan: fetch what it needs from the source and write it into
 * the target, then remove what the target must lose.
 */
#ifndef RW_EXECUTE_H
#define RW_EXECUTE_H

#include <stdbool.h>
#include <sys/types.h>

#include "target/writer.h"
#include "error.h"
#include "filelist.h"
#include "util/log.h"
#include "plan/plan.h"
#include "source/source.h"

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
	/* where new_bytes go (borrowed, may be NULL: all into the data directory) */
	const plan *plan;
} space_estimate;

/* What a rewind puts on one file system, and what it has free. */
typedef struct fs_space {
	dev_t		dev;
	const char *where;			/* a path on it, for messages */
	uint64_t	free;
	uint64_t	journal_bytes;
	uint64_t	new_bytes;
} fs_space;

/*
 * A conservative estimate: space freed by truncating or removing files is
 * not counted, and journal data is counted uncompressed.  Removed files
 * count against the journal only where they cannot be moved into its stash.
 */
void		execute_estimate(const plan *p, space_estimate *out);

/*
 * Refuse (RW_ENOSPACE, naming the file system) when one lacks the space:
 * the journal's (beside pgdata) for the journal, and each file system new
 * data goes to for that data: pgdata's, pg_wal's and each tablespace's
 * (as est->plan places it), wherever they are mounted.
 */
bool		execute_has_space(const char *pgdata, const space_estimate *est, rw_error *err);

/*
 * The accounting of execute_has_space: entries on the same file system
 * are added up (into the first of them, fs[0..n) is changed), and the
 * first file system whose needs exceed its free space is refused.
 */
bool		execute_space_fits(fs_space *fs, size_t n, rw_error *err);

/*
 * What changed on the source while the plan was carried out: normal on a
 * running source, and replaying its WAL from the last common checkpoint
 * repeats it, except for WAL segments that vanished (see needed_wal_vanished).
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

/*
 * Carrying out a plan: fetch what it needs from the source and write it into
 * the target, then remove what the target must lose.
 */
#ifndef RW_EXECUTE_H
#define RW_EXECUTE_H

#include <stdbool.h>

#include "apply.h"
#include "error.h"
#include "log.h"
#include "plan.h"
#include "source.h"

/* Disk space a rewind needs, counted before the first change. */
typedef struct space_estimate {
	uint64_t	journal_bytes;	/* target data the plan overwrites or removes, raw,
								 * plus the journal's own overhead */
	uint64_t	new_bytes;		/* data written into the target */
} space_estimate;

/*
 * A conservative estimate: space freed by truncating or removing files is
 * not counted, and journal data is counted uncompressed.
 */
void		execute_estimate(const plan *p, space_estimate *out);

/*
 * Refuse (RW_ENOSPACE, naming the file system) when the journal's file
 * system (beside pgdata) or pgdata's lacks the space; new data is counted
 * against pgdata's file system, tablespaces included.
 */
bool		execute_check_space(const char *pgdata, const space_estimate *est,
								rw_error *err);

bool		execute_plan(const plan *p, source *src, target_writer *w, progress *prog,
						 rw_error *err);

#endif

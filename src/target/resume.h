/*
 * A run that finds the journal of an interrupted one beside the target.
 */
#ifndef RW_RESUME_H
#define RW_RESUME_H

#include <stdbool.h>

#include "error.h"

/* What the run asks of resume_interrupted (from its options). */
typedef struct resume_request {
	const char *pgdata;			/* the target's data directory */
	bool		rollback;		/* --rollback: undo an interrupted rewind, then stop */
	bool		read_only;		/* a dry run or --check: may not roll back */
	bool		sync;			/* fsync what it changes (not --no-sync) */
} resume_request;

/*
 * Deal with an interrupted rewind of req->pgdata before anything
 * else is read from the target:
 *  - no journal, or one from before the first change: nothing to do (with
 *    --rollback: says "nothing to roll back" when the target shows no trace
 *    of a rewind, an error when it cannot tell: pg_control marked without
 *    a journal, or left by a completed rewind);
 *  - a dry run refuses to look at a half-rewound target;
 *  - otherwise the target is rolled back to its original state, byte for
 *    byte, and the journal removed; a rewind then starts afresh from the
 *    original pg_control and WAL (with --rollback the run ends there).
 * A journal whose run had already written its final pg_control is only
 * removed: that rewind is complete, nothing is left to do (refused with
 * --rollback: the target may have been started since).
 */
typedef enum resume_outcome {
	RESUME_NOTHING,				/* no journal, or one from before any change:
								 * the target was not changed */
	RESUME_ROLLED_BACK,			/* the target is back in its original state */
	RESUME_COMPLETED			/* the interrupted run had finished its work */
} resume_outcome;

bool		resume_interrupted(const resume_request *req, resume_outcome *out,
							   rw_error *err);

#endif

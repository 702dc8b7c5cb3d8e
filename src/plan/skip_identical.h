/*
 * Files copied whole that the target already has: compare SHA-256 digests
 * (computed by the source and locally) and copy only what differs.
 */
#ifndef RW_SKIP_IDENTICAL_H
#define RW_SKIP_IDENTICAL_H

#include <stdbool.h>

#include "error.h"
#include "plan/plan.h"
#include "source/source.h"

/* Files of at least this size are compared and copied in chunks this big. */
#define HASH_CHUNK (1024 * 1024)

/*
 * For every whole-file copy of a file the target has with the same size:
 * drop it when all of it is identical; for a file of HASH_CHUNK or more,
 * copy only the differing chunks (as blocks of an ACT_NONE entry).  The
 * plan's totals are recounted.
 */
bool		plan_skip_identical(plan *p, source *src, const char *target_pgdata,
								rw_error *err);

#endif

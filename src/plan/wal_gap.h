/*
 * WAL that the rewound node needs and the source no longer has: what the
 * decision (check_wal_gap) needs to know of the target, for a run and
 * --check alike.
 */
#ifndef RW_WAL_GAP_H
#define RW_WAL_GAP_H

#include <stdbool.h>

#include "plan/check_wal.h"
#include "error.h"
#include "run/steps.h"

/*
 * When the source lacks a segment of in, set in->target_restore_command to
 * the target's restore_command as its server would see it (postgres -C;
 * NULL when unset).  Fails when that cannot be read.
 */
bool		wal_gap_prepare(rewind_ctx *c, check_wal_input *in, rw_error *err);

#endif

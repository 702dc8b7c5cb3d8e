/*
 * The run's changes to the target, once the pipeline has everything it
 * needs (not in a dry run or --check).
 */
#ifndef RW_PERFORM_H
#define RW_PERFORM_H

#include <stdbool.h>

#include "error.h"
#include "run/steps.h"

/*
 * No rewind required: the slot of --slot, and the rewound node's standby
 * settings (--write-recovery-conf).
 */
bool		perform_no_rewind(rewind_ctx *c, rw_error *err);

/*
 * The slot of --slot, the free-space check, then, under the journal, the
 * plan carried out and the node finished, the control file last.  From
 * the first change on, a failure leaves a marked target its journal can
 * roll back (the hint says what to do next).
 */
bool		perform_rewind(rewind_ctx *c, rw_error *err);

#endif

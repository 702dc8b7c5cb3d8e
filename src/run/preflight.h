/*
 * --check: the preflight of a rewind, for HA managers.  The pipeline's
 * steps up to the plan, every outcome a finding (ok, warning, error);
 * nothing is changed, and no step stops the others unless they depend on
 * it.
 */
#ifndef RW_PREFLIGHT_H
#define RW_PREFLIGHT_H

#include "run/pipeline.h"
#include "run/rewind.h"

/* The mode of --check: reads the target as it is, records every failure. */
const pipeline_mode *preflight_mode(void);

/* Print the findings, set the result (and its JSON with --format json). */
void		preflight_finish(rewind_ctx *c, rewind_result *res);

#endif

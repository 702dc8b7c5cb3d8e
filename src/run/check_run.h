/*
 * --check: the preflight of a rewind, for HA managers.  Runs the shared
 * steps (steps.h) and records every outcome as a finding; changes nothing.
 */
#ifndef RW_CHECK_RUN_H
#define RW_CHECK_RUN_H

#include "run/steps.h"

/* Every step it can run; failures become error findings. */
void		check_run_all(rewind_ctx *c);

/* Print the findings, set the result (and its JSON with --format json). */
void		check_finish(rewind_ctx *c);

#endif

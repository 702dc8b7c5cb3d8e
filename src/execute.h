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

bool		execute_plan(const plan *p, source *src, target_writer *w, progress *prog,
						 rw_error *err);

#endif

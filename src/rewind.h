/*
 * One rewind, from inspecting both sides to the final control file.
 */
#ifndef RW_REWIND_H
#define RW_REWIND_H

#include <stdbool.h>

#include "error.h"
#include "options.h"

bool		rewind_run(const rewind_options *opts, rw_error *err);

#endif

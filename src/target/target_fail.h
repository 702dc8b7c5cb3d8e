/*
 * The error of a failed call on the target's files.
 */
#ifndef RW_TARGET_FAIL_H
#define RW_TARGET_FAIL_H

#include <stdbool.h>

#include "error.h"

/*
 * rw_fail_errno for the paths of the target or its journal quoted in the
 * message; false.  ELOOP is what io.c says of a symbolic link where the
 * data directory has none: the message names the link, the hint says what
 * to do.
 */
bool		target_fail(rw_error *err, int errnum, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

#endif

/*
 * The postmaster of a data directory, as its postmaster.pid and pg_control
 * tell: none, running, or on its way out.
 */
#ifndef RW_POSTMASTER_H
#define RW_POSTMASTER_H

#include <stdbool.h>

#include "error.h"

/* How long a run waits, by default, for a postmaster that is shutting down. */
#define POSTMASTER_DEFAULT_WAIT_SECS 60

/* The PID of the postmaster running in pgdata, or 0 when none is. */
long		postmaster_live_pid(const char *pgdata);

/*
 * Fail (RW_ESTATE) if a postmaster runs in pgdata.  One that is shutting
 * down (postmaster.pid says "stopping", or pg_control already says it shut
 * down while the process is still exiting) is waited for, at most
 * wait_secs seconds, saying so; one that is not is refused at once.  major:
 * the data directory's, to read its pg_control.
 */
bool		postmaster_wait_gone(const char *pgdata, int major, int wait_secs,
								 rw_error *err);

#endif

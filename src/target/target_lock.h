/*
 * One run at a time on a target: a rewind and --rollback hold an exclusive
 * lock on "<real path of the data directory>.rewind-lock" for their whole
 * run.  The lock is a POSIX record lock (fcntl), which the kernel releases
 * when the process ends, however it ends; the file holds the holder's pid
 * and what it runs, for the message of a run that is refused.  A clean end
 * removes the file; after a crash an unlocked file may stay, which the next
 * run simply takes over.
 */
#ifndef RW_TARGET_LOCK_H
#define RW_TARGET_LOCK_H

#include <stdbool.h>

#include "error.h"

typedef struct target_lock target_lock;

/*
 * Take the lock of pgdata for what ("rewind", "--rollback"), without waiting:
 * when another process holds it, fail at once (RW_ESTATE) naming that
 * process's pid and what it runs.
 */
bool		target_lock_acquire(const char *pgdata, const char *what, target_lock **out,
								rw_error *err);

/*
 * For a run that only reads the target (--dry-run): fail as
 * target_lock_acquire would when another process holds the lock, without
 * taking it (a dry run never holds up a rewind).
 */
bool		target_lock_check_free(const char *pgdata, const char *what, rw_error *err);

/* Remove the lock file and release the lock; NULL is ignored. */
void		target_lock_release(target_lock *lock);

#endif

/*
 * Error values that carry context up to the one place that prints them.
 *
 * Functions that can fail return bool (true on success) and fill a caller
 * supplied rw_error.  Callers add context on the way up with rw_context().
 */
#ifndef RW_ERROR_H
#define RW_ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum rw_errkind {
	RW_OK = 0,
	RW_EUSAGE,				/* bad command line or option value */
	RW_EIO,					/* file system call failed */
	RW_ECORRUPT,			/* damaged or malformed input: WAL, control file, history */
	RW_EMISSING,			/* a required file is absent (a WAL segment, a history file) */
	RW_EUNSUPPORTED,		/* version, layout or feature this build does not handle */
	RW_EMISMATCH,			/* source and target do not belong to the same cluster/version */
	RW_ESTATE,				/* a server or directory is in a state that forbids the run */
	RW_ESOURCE,				/* the source server failed, refused or lacks privileges */
	RW_ENOSPACE,			/* not enough free disk space */
	RW_EINTERNAL			/* a bug: an invariant did not hold */
} rw_errkind;

typedef struct rw_error {
	rw_errkind	kind;
	char		msg[2048];		/* what went wrong, with where (file, LSN, offset) */
	char		hint[1024];		/* what to do about it; may be empty */
} rw_error;

/* Record an error; always returns false so callers can "return rw_fail(...)". */
bool		rw_fail(rw_error *err, rw_errkind kind, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Like rw_fail, appending ": strerror(errnum)". */
bool		rw_fail_errno(rw_error *err, int errnum, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Prefix the message with context ("reading WAL: " + msg). */
void		rw_context(rw_error *err, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Set the hint (what to do next). */
void		rw_hint(rw_error *err, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

void		rw_error_clear(rw_error *err);

const char *rw_errkind_name(rw_errkind kind);

#endif

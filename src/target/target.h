/*
 * The target data directory: what it is, whether it may be touched, and the
 * local PostgreSQL programs that serve it (crash recovery, settings).
 */
#ifndef RW_TARGET_H
#define RW_TARGET_H

#include <stdbool.h>

#include "control.h"
#include "error.h"
#include "pgver.h"

typedef struct target {
	const char *pgdata;			/* as given on the command line */
	int			major;
	const pg_version_info *ver;
	pg_control	control;
	char		tsdir[32];		/* "PG_15_202209061" */
	long		postmaster_pid; /* its live postmaster (may_run only), else 0 */
} target;

/*
 * Inspect the data directory: it exists and is one (PG_VERSION, pg_control),
 * of a supported version, its control file is sound, and no postmaster is
 * running on it (unless may_run: --check reads a running target as it is);
 * one that is shutting down is waited for, at most wait_secs seconds.
 */
bool		target_open(const char *pgdata, bool may_run, int wait_secs, target *t,
						rw_error *err);

/* Only the target's pg_control, parsed after its PG_VERSION (running or not). */
bool		target_peek_control(const char *pgdata, pg_control *out, rw_error *err);

/* Fail if a postmaster is running in pgdata (postmaster.pid with a live pid). */
bool		target_check_not_running(const char *pgdata, rw_error *err);

/*
 * The cluster can be rewound: it has data checksums or wal_log_hints (when
 * need_hints: the WAL or the page LSNs must show every changed page), and
 * (when require_clean) was shut down cleanly.
 */
bool		target_check_rewindable(const target *t, bool need_hints, bool require_clean,
									rw_error *err);

/*
 * Locate the "postgres" program of the target's major version: the given
 * directory (--postgres-bindir) alone, else the program that last ran the
 * target (its postmaster.opts), this program's own directory, PATH, then
 * the usual packaging locations; each checked to be of that major.  *path
 * is malloc'd.
 */
bool		target_find_postgres(const char *pgdata, const char *bindir, int major,
								 char **path, rw_error *err);

/* Run crash recovery: postgres --single on the target, then re-read control. */
bool		target_crash_recovery(target *t, const char *postgres,
								  const char *config_file, rw_error *err);

/*
 * A setting of the target as its server would see it (postgres -C name,
 * also while the server runs).  *value is malloc'd, without the newline.
 */
bool		target_setting(const target *t, const char *postgres, const char *config_file,
						   const char *name, char **value, rw_error *err);

/*
 * Settings of the target as target_setting reads them, all at once (one
 * postgres -C each, run together): values[i] for names[i], at most
 * TARGET_SETTINGS_MAX.  The error names the first in order that failed.
 */
#define TARGET_SETTINGS_MAX 8
bool		target_settings(const target *t, const char *postgres, const char *config_file,
							const char *const *names, size_t n, char **values, rw_error *err);

/*
 * The target's restore_command as the server would see it (postgres -C).
 * *command is malloc'd; fails when it is empty.
 */
bool		target_restore_command(const target *t, const char *postgres,
								   const char *config_file, char **command,
								   rw_error *err);

#endif

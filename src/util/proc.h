/*
 * Running helper programs (postgres --single, postgres -C, restore_command).
 */
#ifndef RW_PROC_H
#define RW_PROC_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/*
 * Run argv[0] with arguments, stdin from /dev/null.  Its stdout is returned
 * in *out (malloc'd, NUL terminated) when out is not NULL, else discarded;
 * stderr goes to ours.  *status is the exit status, or -1 when killed by a
 * signal.  Fails only when the program could not be run at all.
 */
bool		proc_run(char *const argv[], char **out, int *status, rw_error *err);

/*
 * Run the n programs argvs[i] at the same time, each as proc_run would
 * (stdin from /dev/null; stdout in outs[i], malloc'd; statuses[i]).  Their
 * stderr is shown as running them one after another up to the first that
 * fails (exit status not 0) would have: each in order, up to that one's.
 * Fails only when one could not be run at all; outs are then NULL.
 */
bool		proc_run_all(char **const *argvs, size_t n, char **outs, int *statuses,
						 rw_error *err);

/* Run a shell command line (sh -c); same conventions as proc_run. */
bool		proc_run_shell(const char *command, int *status, rw_error *err);

#endif

/*
 * One rewind, from inspecting both sides to the final control file.
 */
#ifndef RW_REWIND_H
#define RW_REWIND_H

#include <stdbool.h>

#include "error.h"
#include "run/options.h"

/* What a run leaves for main to print. */
typedef struct rewind_result {
	const char *status;			/* "done", "no rewind required", "dry run",
								 * "check passed", "check failed"; NULL when the
								 * run failed */
	bool		check_failed;	/* --check found an error (exit status 3) */
	char	   *findings;		/* --check --format json: the findings array */
	/* --format json: the "divergence", "plan" and "report" values rendered,
	 * malloc'd; NULL when the run did not get that far */
	char	   *divergence;
	char	   *plan;
	char	   *report;
	char	   *salvage;		/* --salvage: rows saved per table; NULL without */
} rewind_result;

bool		rewind_run(const rewind_options *opts, rewind_result *res, rw_error *err);
void		rewind_result_free(rewind_result *res);

#endif

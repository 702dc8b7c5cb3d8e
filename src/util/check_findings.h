/*
 * --check: the findings of a preflight.  Each finding is one line with a
 * severity; any "error" finding means a rewind would fail (exit status 3).
 */
#ifndef RW_CHECK_FINDINGS_H
#define RW_CHECK_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "util/json.h"

typedef enum check_severity {
	CHECK_OK = 0,
	CHECK_WARNING,
	CHECK_ERROR
} check_severity;

typedef struct check_finding {
	const char *code;			/* static: "target_wal", "source_wal", ... */
	check_severity severity;
	char	   *message;		/* malloc'd */
	char	   *hint;			/* malloc'd, NULL when there is none */
} check_finding;

/* The findings of one run; a zeroed one is empty and owns its items. */
typedef struct check_findings {
	check_finding *items;
	size_t		n;
	size_t		cap;
} check_findings;

void		check_add(check_findings *f, const char *code, check_severity sev,
					  const char *hint, const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

/* A finding made of a failure: its message and hint. */
void		check_add_error(check_findings *f, const char *code, check_severity sev,
							const rw_error *err);

/* Any finding of severity error? */
bool		check_failed(const check_findings *f);

/* One line per finding ("<prog>: check: error   target_wal: ..."), hints below. */
void		check_print(const check_findings *f, FILE *out);

/* The findings as a JSON array of {code, severity, message, hint}. */
void		check_json(const check_findings *f, json_writer *w);

void		check_free(check_findings *f);

#endif

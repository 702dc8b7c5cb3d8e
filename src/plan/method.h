/*
 * The resynchronization methods (--method), from the cheapest to the most
 * general: how the blocks the target changed after the divergence point
 * are found.  Which one a run uses, and why, goes into its output.
 */
#ifndef RW_METHOD_H
#define RW_METHOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"
#include "error.h"
#include "plan/pagelsn_scan.h"

typedef enum rewind_method {
	METHOD_AUTO = 0,			/* the first method that can be proven */
	METHOD_WAL,					/* the target's WAL from the last common
								 * checkpoint's redo point on */
	METHOD_PAGELSN,				/* the page LSNs of the target's relation files */
	METHOD_COMPARE				/* every file compared with the source's */
} rewind_method;

/* "auto", "wal", "pagelsn", "compare" */
const char *method_name(rewind_method m);

/* The method named s; false when s names none. */
bool		method_parse(const char *s, rewind_method *out);

/* The method a run used, and what it took. */
typedef struct method_choice {
	rewind_method requested;	/* --method */
	rewind_method used;			/* never METHOD_AUTO */
	uint32_t	segments_restored;	/* target WAL fetched with restore_command */
	uint32_t	segments_from_source;	/* shared WAL read from the source */
	/* pagelsn: why the target's WAL could not be used ("" when it could) */
	char		wal_failure[400];
	const char *pagelsn_basis;	/* pagelsn: what proves it (static text) */
	pagelsn_stats pagelsn;		/* pagelsn: what the scan read and took */
	/* compare under auto: why neither the WAL nor the page-LSN scan could be proven */
	char		refused[600];
} method_choice;

/*
 * Can the page-LSN scan be trusted on this target (its control file)?
 * unclean: the target is taken as it is, without crash recovery.  On
 * success *basis says why ("data checksums", "wal_log_hints = on");
 * otherwise err says what is missing and what to do.
 */
bool		method_pagelsn_provable(const pg_control *ctl, bool unclean, const char **basis,
									rw_error *err);

/* Why the method was used, in one sentence without a final period. */
#define METHOD_REASON_MAX 1024
void		method_reason(const method_choice *m, char *buf, size_t len);

#endif

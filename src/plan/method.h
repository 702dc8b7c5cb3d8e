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

/* Can this build carry the method out (auto: whichever it picks)? */
bool		method_available(rewind_method m);

/* The method a run used, and what it took. */
typedef struct method_choice {
	rewind_method requested;	/* --method */
	rewind_method used;			/* never METHOD_AUTO */
	uint32_t	segments_restored;	/* target WAL fetched with restore_command */
	uint32_t	segments_from_source;	/* shared WAL read from the source */
} method_choice;

/* Why the method was used, in one sentence without a final period. */
void		method_reason(const method_choice *m, char *buf, size_t len);

#endif

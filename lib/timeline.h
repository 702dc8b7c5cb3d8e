/*
 * Timeline histories (pg_wal/NNNNNNNN.history) and where two histories part.
 */
#ifndef RW_TIMELINE_H
#define RW_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "lsn.h"

/* Timeline tli is valid for LSNs in [begin, end); end == LSN_INVALID: open. */
typedef struct tl_entry {
	uint32_t	tli;
	lsn_t		begin;
	lsn_t		end;
} tl_entry;

typedef struct tl_history {
	tl_entry   *entries;		/* oldest first; the last one is the current timeline */
	size_t		n;
} tl_history;

/*
 * Parse the text of the history file of timeline tli ('name' is used in
 * messages) and append the entry of tli itself, open ended.  Fails on a
 * malformed line, a non-increasing TLI or LSN, or a parent TLI >= tli.
 */
bool		tl_parse(const char *text, size_t len, uint32_t tli, const char *name,
					 tl_history *out, rw_error *err);

/* The history of timeline 1 (or any timeline without a file): one open entry. */
void		tl_single(uint32_t tli, tl_history *out);

void		tl_free(tl_history *h);

/*
 * Find the last timeline both histories share and the LSN where they part:
 * the smaller of the two ends of that shared entry (an open end counts as
 * infinite).  *common_index is that entry's index in a (and in b).  Fails
 * when not even the first entry agrees.
 */
bool		tl_find_divergence(const tl_history *a, const tl_history *b,
							   lsn_t *diverge, size_t *common_index, rw_error *err);

/* Timeline that the LSN belongs to in history h (the last entry if beyond). */
uint32_t	tl_tli_at(const tl_history *h, lsn_t lsn);

/*
 * Timeline whose WAL file holds segment segno: the first entry whose end is
 * at or beyond the segment's end (a segment containing a switch point is
 * read from the newer timeline's file, which holds a copy of the older WAL).
 */
uint32_t	tl_tli_for_segment(const tl_history *h, uint64_t segno, uint32_t segsize);

/* Does h contain timeline tli? */
bool		tl_contains(const tl_history *h, uint32_t tli, const tl_entry **entry);

#endif

/*
 * The row versions on a heap page of the target, and which of them a lost
 * transaction wrote or removed, judged by the tuple header alone.
 */
#ifndef RW_SALVAGE_PAGE_H
#define RW_SALVAGE_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "ledger.h"

/* Header fields of a heap tuple (HeapTupleHeaderData). */
#define TUPLE_HEADER_MIN 23
#define TUPLE_XMIN(t)		get32(t)
#define TUPLE_XMAX(t)		get32((t) + 4)
#define TUPLE_INFOMASK(t)	get16((t) + 20)
#define TUPLE_HOFF(t)		((t)[22])
#define TUPLE_NATTS(t)		(get16((t) + 18) & 0x07FF)	/* attributes stored */

/* One normal line pointer's tuple, pointing into the page. */
typedef struct page_tuple {
	uint16_t	offset;			/* line pointer number, from 1 */
	const uint8_t *data;
	size_t		len;
} page_tuple;

/*
 * The tuples of page's normal line pointers, up to cap, into out; line
 * pointers that point outside the page are skipped (an empty or torn page
 * has none).  Returns how many.
 */
size_t		page_tuples(const uint8_t *page, size_t blcksz, page_tuple *out, size_t cap);

/* The tuple of line pointer offset (from 1) when it is a normal one. */
bool		page_tuple_at(const uint8_t *page, size_t blcksz, uint16_t offset, page_tuple *out);

/* A multixact and its updater (0: none), from the WAL's multixact records. */
typedef struct multi_updater {
	uint32_t	multi;
	uint32_t	updater;
} multi_updater;

/* The multixacts created in the WAL read, sorted by multixact for lookup. */
typedef struct multi_updaters {
	multi_updater *v;
	size_t		n,
				cap;
} multi_updaters;

/*
 * The xid that removed the tuple (its xmax when that is an update or a
 * delete; for a multixact, its updater) or 0: none, only locked, or a
 * multixact not in m (created before the WAL read: not known).
 * *unknown_multi tells the last case.
 */
uint32_t	tuple_remover(const multi_updaters *m, const uint8_t *tuple, size_t len,
						  bool *unknown_multi);

typedef enum tuple_verdict {
	TV_NONE,					/* not changed by a lost committed transaction */
	TV_WRITTEN,					/* written by one, still live at the end */
	TV_REMOVED,					/* from before the divergence, removed by one */
	TV_UNCERTAIN				/* written by one, xmax a multixact whose
								 * members are not known: not decided */
} tuple_verdict;

/*
 * Judge a tuple: xmin and its remover (tuple_remover) against the lost
 * committed transactions (and their committed subtransactions).  A
 * lock-only xmax removes nothing.  *xmin_x / *xmax_x: the lost
 * transactions involved, or NULL.
 */
tuple_verdict tuple_judge(const ledger *l, const multi_updaters *m, const uint8_t *tuple,
						  size_t len,
						  const ledger_xact **xmin_x, const ledger_xact **xmax_x);

#endif

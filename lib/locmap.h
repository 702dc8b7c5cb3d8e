/*
 * A hash map from relfile_locator to an index (into the owner's array):
 * the one map keyed by relation files.  A zeroed locmap is empty and
 * ready; entries are never removed one by one.
 */
#ifndef RW_LOCMAP_H
#define RW_LOCMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "relfile_locator.h"

typedef struct locmap {
	relfile_locator *keys;
	size_t	   *vals;			/* index + 1; 0 = empty slot */
	size_t		cap;			/* 0 or a power of two */
	size_t		n;
} locmap;

/* The index stored for k, or false. */
bool		locmap_get(const locmap *m, relfile_locator k, size_t *val);

/* Store (or replace) the index of k. */
void		locmap_put(locmap *m, relfile_locator k, size_t val);

/* Free the table; *m is empty (and usable) again. */
void		locmap_free(locmap *m);

#endif

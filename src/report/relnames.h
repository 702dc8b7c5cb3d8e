/*
 * Relation files and what the source calls them: the report collects the
 * relation files it names, then asks the source once per database.
 */
#ifndef RW_RELNAMES_H
#define RW_RELNAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "relfile_locator.h"
#include "source/source.h"

typedef struct rel_names {
	relfile_locator *locs;
	relation_name *names;
	size_t		n;
	size_t		cap;
} rel_names;

void		rel_names_want(rel_names *rn, relfile_locator loc);

/* Ask the source, one call per database. */
bool		rel_names_resolve(rel_names *rn, source *src, rw_error *err);

/* NULL when loc was never wanted. */
const relation_name *rel_names_find(const rel_names *rn, relfile_locator loc);
void		rel_names_free(rel_names *rn);

#endif

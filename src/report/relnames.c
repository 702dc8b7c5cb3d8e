/*
 * Relation names for the divergence report: the relations to name are
 * collected, then looked up in the source's catalog
 * (report.h, rel_names).  Asks the source; writes nothing.
 */

#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "xalloc.h"

/* A report names tens of relations, rarely more: a linear search will do. */
static bool
find_index(const rel_names *rn, relfile_locator loc, size_t *index)
{
	for (size_t i = 0; i < rn->n; i++)
	{
		if (rn->locs[i].db == loc.db && rn->locs[i].rel == loc.rel &&
			rn->locs[i].spc == loc.spc)
		{
			*index = i;
			return true;
		}
	}
	return false;
}

void
rel_names_want(rel_names *rn, relfile_locator loc)
{
	size_t		i;

	if (find_index(rn, loc, &i))
		return;
	xgrow((void **) &rn->locs, &rn->cap, rn->n + 1, sizeof(relfile_locator));
	rn->locs[rn->n++] = loc;
}

const relation_name *
rel_names_find(const rel_names *rn, relfile_locator loc)
{
	size_t		i;

	return rn->names && find_index(rn, loc, &i) ? &rn->names[i] : NULL;
}

bool
rel_names_resolve(rel_names *rn, source *src, rw_error *err)
{
	uint32_t   *files = xmalloc((rn->n + 1) * sizeof(uint32_t));
	size_t	   *index = xmalloc((rn->n + 1) * sizeof(size_t));
	relation_name *found = xcalloc(rn->n + 1, sizeof(relation_name));
	bool		ok = true;

	free(rn->names);
	rn->names = xcalloc(rn->n + 1, sizeof(relation_name));
	for (size_t i = 0; ok && i < rn->n; i++)
	{
		uint32_t	db = rn->locs[i].db;
		size_t		k = 0;
		bool		seen = false;

		/* one call per database, made at its first relation */
		for (size_t j = 0; j < i && !seen; j++)
			seen = rn->locs[j].db == db;
		if (seen)
			continue;
		for (size_t j = i; j < rn->n; j++)
		{
			if (rn->locs[j].db != db)
				continue;
			files[k] = rn->locs[j].rel;
			index[k++] = j;
		}
		ok = src->ops->describe_relations(src, db, files, k, found, err);
		for (size_t j = 0; ok && j < k; j++)
			rn->names[index[j]] = found[j];
	}
	free(files);
	free(index);
	free(found);
	return ok;
}

void
rel_names_free(rel_names *rn)
{
	free(rn->locs);
	free(rn->names);
	memset(rn, 0, sizeof(*rn));
}

/*
 * The one place that knows the kinds of source: it opens the kind a
 * source_spec names, and answers what an opened source offers from its
 * table of operations.  It touches nothing itself.
 */
#include "source/source.h"

source *
source_open(const source_spec *spec, rw_error *err)
{
	if (spec->connstr != NULL)
		return source_libpq_open(spec->connstr, spec->jobs, spec->timeout_s, spec->max_rate,
								 err);
	return source_local_open(spec->datadir, err);
}

bool
source_offers(const source *s, source_offer what)
{
	switch (what)
	{
		case SOURCE_GIVES_CONNINFO:
			return s->ops->standby_conninfo != NULL;
		case SOURCE_NAMES_RELATIONS:
			return s->ops->describe_relations != NULL;
		case SOURCE_RETAINS_WAL:
			return s->ops->wal_retention != NULL && s->ops->ensure_slot != NULL;
		case SOURCE_QUERIES_CATALOG:
			return s->ops->catalog_query != NULL;
		case SOURCE_TAKES_BACKUP:
			return s->ops->backup_start != NULL && s->ops->backup_stop != NULL;
	}
	return false;
}

bool
source_ranges_fit(const fetch_range *ranges, size_t n, rw_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (ranges[i].len > FETCH_RANGE_MAX)
			return rw_fail(err, RW_EINTERNAL, "range of %u bytes in \"%s\" exceeds the %d byte "
						   "limit of a read from the source", (unsigned) ranges[i].len,
						   ranges[i].path, FETCH_RANGE_MAX);
	return true;
}

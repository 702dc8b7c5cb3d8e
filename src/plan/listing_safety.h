/*
 * What a source may list, and where a rewind may write.  The listing comes
 * from a server that may be impersonated (libpq's default sslmode does not
 * authenticate it) or from a directory anyone could have changed: nothing
 * in it may make the copy write outside the target's data directory and
 * its own tablespaces.
 */
#ifndef RW_LISTING_SAFETY_H
#define RW_LISTING_SAFETY_H

#include <stdbool.h>

#include "error.h"
#include "filelist.h"
#include "plan/plan.h"

/*
 * Refuse (RW_ESOURCE, naming the entry) a listing (sorted) with a path
 * that is absolute, has empty, "." or ".." components, control characters
 * or is listed twice; a symbolic link anywhere but pg_tblspc/<oid> (and a
 * source's own pg_wal); a link whose target is not a clean absolute path.
 */
bool		listing_source_safe(const file_list *source, rw_error *err);

/*
 * Before the first change: every tablespace link the plan creates must
 * point where this cluster may write, checked on this host: the location's
 * tsdir ("PG_15_202209061") absent or an empty directory.  One that holds
 * data is another cluster's (on a shared host, maybe the source's own):
 * refused with RW_ESTATE, naming it.
 */
bool		listing_tablespaces_free(const plan *p, const char *tsdir, rw_error *err);

#endif

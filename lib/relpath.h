/*
 * Relation file paths inside a data directory:
 *   global/<rel>[_<fork>][.<seg>]
 *   base/<db>/<rel>[_<fork>][.<seg>]
 *   pg_tblspc/<spc>/PG_<major>_<catversion>/<db>/<rel>[_<fork>][.<seg>]
 */
#ifndef RW_RELPATH_H
#define RW_RELPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relfile_locator.h"

#define GLOBALTABLESPACE_OID 1664
#define DEFAULTTABLESPACE_OID 1663
#define RELSEG_BLOCKS 131072	/* blocks per 1 GiB segment file */

typedef struct relpath_info {
	relfile_locator loc;
	int			fork;			/* FORK_* */
	uint32_t	segno;			/* segment file number, 0 for the first */
} relpath_info;

/*
 * Recognise a relation file path (relative to the data directory).
 * 'tsdir' is the per-version tablespace directory ("PG_15_202209061").
 * Only paths that format back to exactly the same string are accepted;
 * temporary relations (t<backend>_<rel>) are not relation files here.
 */
bool		relpath_parse(const char *path, const char *tsdir, relpath_info *out);

/* The path of segment segno of a fork of rel. */
void		relpath_format(char *out, size_t outlen, const char *tsdir,
						   relfile_locator rel, int fork, uint32_t segno);

#endif

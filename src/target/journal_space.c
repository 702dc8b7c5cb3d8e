/*
 * What the journal of a rewind will take, for the free-space check made
 * before the first change: where it goes, the size of its records, and
 * which removed files it saves rather than moves into its stash.  Looks
 * at the file system (stat), changes nothing.
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "pathname.h"
#include "target/journal.h"
#include "xalloc.h"

/* Journal overhead per record (fixed part and path), generously. */
#define RECORD_OVERHEAD 256

char *
journal_parent_dir(const char *pgdata)
{
	char	   *dir = journal_dir(pgdata);
	char	   *parent = path_parent(dir);

	free(dir);
	return parent;
}

uint64_t
journal_space(uint64_t saved_bytes, uint64_t records)
{
	records += saved_bytes / JOURNAL_PIECE_MAX;
	return saved_bytes + records * RECORD_OVERHEAD;
}

uint64_t
journal_removals_saved(const char *pgdata, dev_t data_dev, dev_t journal_dev,
					   const journal_removals *r)
{
	char	   *wal = xasprintf("%s/pg_wal", pgdata);
	struct stat wal_st;
	bool		data_here = data_dev == journal_dev;
	bool		wal_here = data_here && stat(wal, &wal_st) == 0 && wal_st.st_dev == journal_dev;
	uint64_t	saved = r->tblspc_bytes;

	free(wal);
	if (!data_here)
		saved += r->data_bytes;
	if (!wal_here)
		saved += r->wal_bytes;
	return saved;
}

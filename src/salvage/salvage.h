/*
 * --salvage=DIR: the rows the target is about to lose, saved before the
 * first change as CSV files a DBA can load (one directory per database),
 * with manifest.json and restore.sql.
 *
 * Which rows: on the target's blocks the WAL after the divergence changed,
 * of every relation the ledger says had committed row changes, each tuple
 * is judged by its header (salvage_page.h).  Columns are decoded with the
 * source's catalog (the old primary's as of the divergence); a table
 * created or altered after the divergence, or a source without a catalog
 * (a directory), has its rows saved raw (row_ctid, row_xmin, row_xmax, and the tuple as hex).
 */
#ifndef RW_SALVAGE_H
#define RW_SALVAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "blockmap.h"
#include "datum.h"
#include "error.h"
#include "ledger.h"
#include "pgver.h"
#include "salvage/salvage_relfile.h"
#include "source/source.h"
#include "util/json.h"

typedef struct salvage_input {
	const char *dir;
	salvage_relfile rf;			/* the target's relation files */
	const ledger *ledger;		/* finished */
	const blockmap *map;		/* finished */
	source	   *src;
	/* the target's WAL, for full-page images of pruned versions */
	wal_reader *wal;
	const pg_version_info *ver;
	lsn_t		wal_redo;		/* the last common checkpoint's redo point */
	uint32_t	wal_next_xid;	/* and its nextXid */
	lsn_t		wal_end;
} salvage_input;

typedef enum salvage_kind {
	SALVAGE_WRITTEN,
	SALVAGE_REMOVED
} salvage_kind;

/* A column some of whose values were saved as hex, and why. */
typedef struct salvage_note {
	char		column[DATUM_NAME_LEN];
	char		why[256];
	uint64_t	rows;
} salvage_note;

/* Row versions not saved, by their position on the page. */
#define SALVAGE_CTID_CAP 100

typedef struct salvage_ctids {
	ledger_ctid ctids[SALVAGE_CTID_CAP];
	size_t		n;
	uint64_t	count;			/* all of them, also those beyond the cap */
} salvage_ctids;

/* One table (or relation file) with lost rows. */
typedef struct salvage_table {
	relfile_locator loc;
	char		datname[DATUM_NAME_LEN];	/* "" when unknown */
	char		schema[DATUM_NAME_LEN];
	char		name[DATUM_NAME_LEN];
	char		dirpart[3 * DATUM_NAME_LEN + 16];	/* the database's directory */
	char		base[6 * DATUM_NAME_LEN + 16];	/* "<schema>.<table>" in file names */
	const char *raw_reason;		/* NULL: decoded; else why saved raw */
	char	  **columns;		/* printed columns (dropped ones left out) */
	char	  **types;
	size_t		ncolumns;
	uint64_t	rows[2];		/* by salvage_kind */
	/* by salvage_kind: the lost transactions that wrote or removed them
	 * (top-level xids) */
	uint32_t   *xids[2];
	size_t		nxids[2],
				capxids[2];
	salvage_note *notes;
	size_t		nnotes,
				capnotes;
	salvage_ctids uncertain;	/* xmax a multixact: not decided */
	salvage_ctids unreadable;	/* tuple does not fit the catalog's layout */
	salvage_ctids pruned;		/* removed, pruned from the page, in no image */
	salvage_ctids zstd_image;	/* likewise, but an image compressed with zstd
								 * (not read here) has it */
} salvage_table;

typedef struct salvage_result {
	bool		ran;
	const char *dir;
	salvage_table *tables;
	size_t		n,
				cap;
} salvage_result;

/*
 * DIR must not exist or be empty, and not be inside the target; checked
 * before anything else happens.
 */
bool		salvage_check_dir(const char *dir, const char *target_pgdata, rw_error *err);

/* Write DIR and everything in it, synced.  Fails before any change. */
bool		salvage_run(const salvage_input *in, salvage_result *res, rw_error *err);
void		salvage_result_free(salvage_result *res);

/* Rows saved per table, for the dry run and the report. */
void		salvage_print_text(const salvage_result *res, FILE *out);
void		salvage_json(const salvage_result *res, json_writer *w);

/* The file a table's rows of kind went to, relative to DIR. */
void		salvage_file_name(const salvage_table *t, salvage_kind kind, char *out,
							  size_t outlen);

/* manifest.json and restore.sql (salvage_manifest.c). */
bool		salvage_write_manifest(const salvage_input *in, const salvage_result *res,
								   rw_error *err);
bool		salvage_write_restore(const salvage_input *in, const salvage_result *res,
								  rw_error *err);

#endif

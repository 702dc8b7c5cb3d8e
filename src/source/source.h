/*
 * The source of a rewind: a running server reached over libpq, or a cleanly
 * stopped data directory on this machine, opened by source_open.  The rest
 * of the program talks to it only through this interface: the table of
 * operations, what the source is (struct source) and what it offers
 * (source_offers); it never asks which kind it has.
 *
 * Optional operations: an operation marked "optional" below is NULL when
 * the source does not offer it.  Callers ask source_offers first and never
 * test the pointers themselves; every other operation is always there.
 */
#ifndef RW_SOURCE_H
#define RW_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "filelist.h"
#include "lsn.h"

typedef struct source source;

/* Most connections a source opens at once (--jobs). */
#define SOURCE_MAX_JOBS 64

/* The longest range fetch accepts; longer ones fail with RW_EINTERNAL. */
#define FETCH_RANGE_MAX (1024 * 1024)

/* One piece of a file to read. */
typedef struct fetch_range {
	const char *path;			/* relative to the data directory */
	uint64_t	offset;
	uint32_t	len;
} fetch_range;

/*
 * Receives the bytes of ranges[index].  len may be shorter than asked (the
 * file is shorter now) and missing is true when the file no longer exists
 * on the source; both are normal while the source is running.  Return false
 * (with err set) to stop the fetch.
 */
typedef bool (*fetch_sink) (void *ctx, size_t index, const uint8_t *data,
							size_t len, bool missing, rw_error *err);

/* SHA-256 of a range as the source reads it now (hash_ranges). */
typedef struct source_digest {
	uint8_t		sha256[32];
	bool		missing;		/* the file does not exist (sha256 unset) */
} source_digest;

/*
 * SHA-256 of each block of a range (hash_blocks): block k covers bytes
 * [offset + k * BLCKSZ, offset + (k + 1) * BLCKSZ) of the range, a short
 * last one hashed as it is.
 */
typedef struct source_block_digests {
	uint8_t		(*sha256)[32];	/* the caller's, room for (len + BLCKSZ - 1) / BLCKSZ */
	uint32_t	nblocks;		/* blocks read: fewer when the file is shorter now */
	bool		missing;		/* the file does not exist (nothing set) */
} source_block_digests;

/* Where the source's WAL is now. */
typedef struct source_wal_position {
	bool		in_recovery;	/* the source is a standby */
	lsn_t		lsn;			/* primary: insert position; standby: replay position;
								 * directory: LSN_INVALID, use its control file */
	uint32_t	tli;			/* timeline of lsn, 0 if the source cannot tell */
} source_wal_position;

/* What the source's catalog says a relation file is. */
#define RELATION_NAME_LEN 64	/* NAMEDATALEN */

typedef struct relation_name {
	bool		found;			/* false: the source has no such file */
	const char *kind;			/* "table", "index", "sequence", "TOAST table", ... */
	char		schema[RELATION_NAME_LEN];
	char		name[RELATION_NAME_LEN];
	/* indexes: the indexed table; TOAST tables and their indexes: the table
	 * whose values they hold; else empty */
	char		owner_schema[RELATION_NAME_LEN];
	char		owner_name[RELATION_NAME_LEN];
} relation_name;

/* What keeps the source's WAL from being recycled, and who may add a slot. */
typedef struct source_wal_retention {
	bool		slot_exists;	/* the slot asked about exists */
	bool		slot_physical;
	lsn_t		slot_restart_lsn;	/* LSN_INVALID: it reserves no WAL yet */
	char		wal_keep_size[32];	/* as SHOW prints it ("0" when none) */
	char		archive_mode[16];	/* "off", "on", "always" */
	bool		archive_set;	/* archive_command or archive_library is set */
	bool		can_create_slot;	/* the role has REPLICATION or is a superuser */
} source_wal_retention;

/* A base backup that ended on the source (backup_stop). */
typedef struct source_backup_end {
	lsn_t		stop_lsn;		/* where the node that restores it is consistent */
	char	   *label;			/* backup_label's text, malloc'd */
	char	   *tablespace_map;	/* tablespace_map's text, malloc'd; NULL: none */
} source_backup_end;

/* One row of a catalog query: vals[0..ncols), NULL for SQL NULL. */
typedef bool (*catalog_row_fn) (void *ctx, const char *const *vals, int ncols,
								rw_error *err);

typedef struct source_ops {
	/* Read a whole (small) file.  *missing is set instead of failing when
	 * missing_ok and the file does not exist.  *data is malloc'd, NUL
	 * terminated (not counted in *len). */
	bool		(*read_file) (source *s, const char *path, bool missing_ok,
							  uint8_t **data, size_t *len, bool *missing,
							  rw_error *err);

	/* List every file, directory and symlink of the data directory,
	 * appended to *out, sorted (see file_list_local for ownership). */
	bool		(*list_files) (source *s, file_list *out, rw_error *err);

	/* Read ranges, calling sink once per range, in any order. */
	bool		(*fetch) (source *s, const fetch_range *ranges, size_t n,
						  fetch_sink sink, void *ctx, rw_error *err);

	/*
	 * SHA-256 of each range's bytes (fewer at end of file), into out[i];
	 * ranges as for fetch.  The server computes them, so only digests
	 * travel.
	 */
	bool		(*hash_ranges) (source *s, const fetch_range *ranges, size_t n,
								source_digest *out, rw_error *err);

	/*
	 * SHA-256 of each BLCKSZ block of each range (fewer at end of file),
	 * into out[i], reading each range once; ranges as for fetch.  The
	 * server computes them, so only digests travel.
	 */
	bool		(*hash_blocks) (source *s, const fetch_range *ranges, size_t n,
								source_block_digests *out, rw_error *err);

	/* Where its WAL is now, and whether it is a standby. */
	bool		(*wal_position) (source *s, source_wal_position *out, rw_error *err);

	/*
	 * Check what a rewind requires of the source that the control file does
	 * not tell: a server's full_page_writes setting and the privileges of
	 * the role (with base_backup, also on the functions backup_start and
	 * backup_stop call).  A directory source has nothing to check.
	 */
	bool		(*check_server) (source *s, bool base_backup, rw_error *err);

	/* Optional (SOURCE_GIVES_CONNINFO): the primary_conninfo a standby of
	 * this source should use, malloc'd. */
	char	   *(*standby_conninfo) (source *s);

	/*
	 * Optional (SOURCE_NAMES_RELATIONS): name the relations whose files in
	 * database db_oid (0: shared) are relfilenodes[0..n), into out[0..n)
	 * (found=false for a file the catalog does not know).  Only the catalog
	 * is read.
	 */
	bool		(*describe_relations) (source *s, uint32_t db_oid,
									   const uint32_t *relfilenodes, size_t n,
									   relation_name *out, rw_error *err);

	/*
	 * Optional (SOURCE_RETAINS_WAL): what retains the source's WAL; slot
	 * (may be NULL) is the replication slot to look up.
	 */
	bool		(*wal_retention) (source *s, const char *slot,
								  source_wal_retention *out, rw_error *err);

	/*
	 * Optional (SOURCE_RETAINS_WAL): create the physical replication slot
	 * name, reserving WAL at once, unless it exists (*created says which).
	 * Fails when a logical slot has that name.
	 */
	bool		(*ensure_slot) (source *s, const char *name, bool *created,
								rw_error *err);

	/*
	 * Optional (SOURCE_QUERIES_CATALOG): run a read-only query (text
	 * parameters) on the catalog of database db_oid, handing each row of
	 * ncols columns to row() in order.  *reached is false, and no row is
	 * handed, when that database cannot be connected to (dropped, or
	 * datallowconn off).
	 */
	bool		(*catalog_query) (source *s, uint32_t db_oid, const char *sql,
								  const char *const *params, int nparams, int ncols,
								  catalog_row_fn row, void *ctx, bool *reached,
								  rw_error *err);

	/*
	 * Optional (SOURCE_TAKES_BACKUP): start a base backup labelled label on
	 * a session of its own (fast checkpoint), held until backup_stop or
	 * close (which aborts it); *start is its redo point.
	 */
	bool		(*backup_start) (source *s, const char *label, lsn_t *start, rw_error *err);

	/*
	 * Optional (SOURCE_TAKES_BACKUP): stop the backup backup_start started,
	 * without waiting for the archive; out's strings are the caller's.
	 */
	bool		(*backup_stop) (source *s, source_backup_end *out, rw_error *err);

	/* Disconnect and free s. */
	void		(*close) (source *s);
} source_ops;

struct source {
	const source_ops *ops;
	char		description[256];	/* "server host=... port=..." or "directory /x" */
	uint64_t	bytes_fetched;		/* file content received so far */

	/*
	 * What the source is, set when it is opened.  stopped: a stopped data
	 * directory, whose files hold still while they are read.  It must have
	 * been shut down cleanly, its control file says where its WAL ends (its
	 * checkpoint) and where its files stand (its consistency point: that
	 * checkpoint, or a stopped standby's minRecoveryPoint), and it must
	 * not change until the rewind ends; wal_position knows nothing more.
	 * Otherwise a running server, primary or standby (wal_position): its
	 * files move while they are read, so where they stand is known only
	 * when the copy ends, from its WAL position then.
	 */
	bool		stopped;
};

/* What a source may offer beyond reading its files (source_offers). */
typedef enum source_offer {
	SOURCE_GIVES_CONNINFO,		/* standby_conninfo: a standby can stream from it */
	SOURCE_NAMES_RELATIONS,		/* describe_relations: it has a catalog to ask */
	SOURCE_RETAINS_WAL,			/* wal_retention and ensure_slot: WAL retention, slots */
	SOURCE_QUERIES_CATALOG,		/* catalog_query: table layouts for --salvage */
	SOURCE_TAKES_BACKUP			/* backup_start and backup_stop: a running server */
} source_offer;

/* Every range within FETCH_RANGE_MAX, the most a source reads at once: else RW_EINTERNAL. */
bool		source_ranges_fit(const fetch_range *ranges, size_t n, rw_error *err);

/* Does s offer what, i.e. are the operations behind it there? */
bool		source_offers(const source *s, source_offer what);

/* Which source to open, and how: exactly one of datadir and connstr. */
typedef struct source_spec {
	const char *datadir;		/* a stopped data directory on this machine */
	const char *connstr;		/* a running server: a libpq connection string */
	int			jobs;			/* connections a server source may use (--jobs) */
	int			timeout_s;		/* longest silence from a server source (--timeout) */
	uint64_t	max_rate;		/* bytes a server source reads per second, 0: no limit */
} source_spec;

/* Open the source spec names, of the kind it names; NULL with err set. */
source	   *source_open(const source_spec *spec, rw_error *err);

/* --- the kinds source_open chooses between (tests may open one directly) */

/*
 * A running server.  Open a connection; fails with RW_ESOURCE and the
 * server's message.  fetch, hash_ranges and hash_blocks use up to jobs
 * connections at once (the others are opened when first needed, with the
 * same connection string).  A source that sends nothing for timeout_s
 * seconds while an answer is awaited fails the call that waits (and
 * connecting, with libpq's connect_timeout, TCP keepalives and user
 * timeout, unless the connection string sets its own).  With max_rate
 * (bytes per second; 0: no limit), fetch and the hashes send
 * their queries no faster than the server reads max_rate bytes of files
 * per second.
 */
source	   *source_libpq_open(const char *connstr, int jobs, int timeout_s, uint64_t max_rate,
							  rw_error *err);

/* A stopped data directory on this machine. */
source	   *source_local_open(const char *datadir, rw_error *err);

#endif

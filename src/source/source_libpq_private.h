/*
 * What the files of the libpq source share, and nothing else may use:
 * source_libpq.c (the connections: open, close, sessions, timeouts),
 * source_libpq_jobs.c (the extra connections of --jobs),
 * source_libpq_list.c (the listing), source_libpq_files.c (reading files,
 * fetching and hashing ranges) and source_libpq_server.c (catalog and
 * server queries).
 */
#ifndef RW_SOURCE_LIBPQ_PRIVATE_H
#define RW_SOURCE_LIBPQ_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libpq-fe.h>

#include "source/source.h"
#include "error.h"
#include "xalloc.h"

typedef struct pq_source {
	source		base;			/* first, so a source * is a pq_source * */
	PGconn	   *conn;			/* owned, PQfinish'ed by close */
	char	   *connstr;		/* as given, for connections to other databases */
	int			jobs;			/* connections fetch may use, conn included */
	int			timeout_s;		/* --timeout: longest silence from the source */
	bool		stalled;		/* the source went silent: its connections are unusable */
	int64_t		read_all_ms;	/* when pq_wait_conns last read every busy connection */
	PGconn	   *extra[SOURCE_MAX_JOBS - 1];	/* the others, opened on first use */
	PGconn	   *backup;			/* the session of a base backup in progress */
	uint64_t	max_rate;		/* --max-rate: bytes per second, 0: no limit */
	int64_t		rate_start_ms;	/* when the source was opened (monotonic clock) */
	uint64_t	rate_bytes;		/* bytes asked of the source's files since then */
} pq_source;

/* A growing NUL-terminated string; data is malloc'd and owned by the user. */
typedef struct strbuf {
	char	   *data;
	size_t		len;
	size_t		cap;
} strbuf;

static inline void
sb_append(strbuf *sb, const char *s, size_t n)
{
	xgrow((void **) &sb->data, &sb->cap, sb->len + n + 1, 1);
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

static inline void
sb_puts(strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

/* Append s with each character in special preceded by a backslash. */
static inline void
sb_escaped(strbuf *sb, const char *s, const char *special)
{
	for (; *s; s++)
	{
		if (strchr(special, *s) != NULL)
			sb_append(sb, "\\", 1);
		sb_append(sb, s, 1);
	}
}

/* --- connections (source_libpq.c) ---------------------------------------- */

/* Fail with "what: <server message>" (from res when given, else conn). */
bool		pq_fail(rw_error *err, PGconn *conn, const PGresult *res, const char *what);

/*
 * A new non-blocking connection with connstr (dbname, unless NULL, replaces
 * its database) and the liveness settings of timeout_s.
 */
bool		pq_connect(const char *connstr, const char *dbname, int timeout_s, PGconn **out,
					   rw_error *err);

/* Make a new connection's session safe to query (search_path, timeouts). */
bool		pq_setup_session(pq_source *ps, rw_error *err);

/*
 * --max-rate: about to ask the source to read bytes more of its files;
 * sleep until that keeps its reads since it was opened under max_rate.
 */
void		pq_pace(pq_source *ps, uint64_t bytes);

/* Milliseconds on the monotonic clock. */
int64_t		pq_now_ms(void);

/*
 * Flush and read the busy ones of conns[0..nconns) until conns[want] has a
 * whole result; ps->timeout_s seconds without a byte fail it (stalled).
 */
bool		pq_wait_conns(pq_source *ps, PGconn *const *conns, const bool *busy, int nconns,
						  int want, rw_error *err);

/* The first result of the query in flight on conn, the rest dropped. */
PGresult   *pq_collect_result(pq_source *ps, PGconn *conn, rw_error *err);

/* Run one statement on ps->conn; the result, or NULL with err set. */
PGresult   *pq_run(pq_source *ps, const char *sql, int nparams, const char *const *params,
				   bool binary, const char *what, rw_error *err);

/* rows (-1: any) and cols of res, else fail with what. */
bool		pq_expect_shape(const PGresult *res, int rows, int cols, const char *what,
							rw_error *err);

/* --- the extra connections of --jobs (source_libpq_jobs.c) --------------- */

/*
 * The first n (at most --jobs) connections in conns: the session's own,
 * then the others, those not open yet opened together.  A source that
 * refuses one (max_connections, a role's connection limit) leaves fewer:
 * one warning, --jobs lowered to those opened, and their number returned.
 */
int			pq_open_jobs(pq_source *ps, int n, PGconn **conns);

/* --- the listing (source_libpq_list.c) ----------------------------------- */

bool		pq_list_files(source *s, file_list *out, rw_error *err);

/* --- files and ranges (source_libpq_files.c) ------------------------------ */

bool		pq_read_file(source *s, const char *path, bool missing_ok, uint8_t **data,
						 size_t *len, bool *missing, rw_error *err);
bool		pq_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink,
					 void *ctx, rw_error *err);
bool		pq_hash_ranges(source *s, const fetch_range *ranges, size_t n,
						   source_digest *out, rw_error *err);
bool		pq_hash_blocks(source *s, const fetch_range *ranges, size_t n,
						   source_block_digests *out, rw_error *err);

/* --- the server and its catalog (source_libpq_server.c) ------------------- */

bool		pq_wal_position(source *s, source_wal_position *out, rw_error *err);
bool		pq_check_server(source *s, bool base_backup, rw_error *err);
bool		pq_wal_retention(source *s, const char *slot, source_wal_retention *out,
							 rw_error *err);
bool		pq_ensure_slot(source *s, const char *name, bool *created, rw_error *err);
bool		pq_describe_relations(source *s, uint32_t db_oid, const uint32_t *relfilenodes,
								  size_t n, relation_name *out, rw_error *err);
bool		pq_catalog_query(source *s, uint32_t db_oid, const char *sql,
							 const char *const *params, int nparams, int ncols,
							 catalog_row_fn row, void *ctx, bool *reached, rw_error *err);

/* --- base backups (source_libpq_backup.c) -------------------------------- */

bool		pq_backup_start(source *s, const char *label, lsn_t *start, rw_error *err);
bool		pq_backup_stop(source *s, source_backup_end *out, rw_error *err);

#endif

/*
 * The libpq source's listing of its data directory: every file with its
 * size, read with the server's file access functions (pg_ls_dir,
 * pg_stat_file; see source_libpq_files.c for the session's safety).  Each
 * row is checked by lib/source_reply.c before it is used.
 */
#include "source/source_libpq_private.h"

#include <stdio.h>

#include "util/log.h"
#include "source_reply.h"

/*
 * Every entry below the data directory with its size and whether it is a
 * directory (pg_stat_file follows symlinks, so a tablespace's contents are
 * listed below its link).  Entries whose stat is NULL vanished meanwhile.
 * For a tablespace link, the fourth column is where it points.
 *
 * The listing is shared by $1 connections, this one being number $2: the
 * entries of a database directory (base/<oid>, pg_tblspc/<oid>/<dir>/<oid>:
 * where a cluster's many relation files are), and everything below them,
 * go to the connection the hash of their name picks; the rest of the tree,
 * the directories themselves included, to connection 0.  Every connection
 * walks the tree down to the database directories (a few entries), but
 * stats only its share of them.  A name picks the same connection whatever
 * the order or the moment a directory is read, so each file is listed at
 * most once, as by a single query.
 *
 * The recursive walk (tree) stops at the database directories; their
 * entries are read by the second branch, outside the recursion.  Every
 * row a recursive query makes is kept in its work tables, spilled to disk
 * past work_mem, and read back once more to find the next level's
 * directories: for 200,000 relation files that cost about a quarter of
 * the listing's time on the server.  An entry of a database directory
 * that is itself a directory (PostgreSQL makes none, a user might) is
 * walked by a recursive query of its own (below), run for that entry only.
 * OFFSET 0 keeps the entries' subquery (x) whole, so that each entry's
 * pg_stat_file runs once, not once for each use of its result.
 */
static const char list_sql[] =
	"WITH RECURSIVE tree (path, size, isdir, db) AS ("
	"  SELECT e.name, st.size, st.isdir, false"
	"    FROM pg_catalog.pg_ls_dir('.', true, false) AS e(name),"
	"         LATERAL pg_catalog.pg_stat_file(e.name, true) AS st"
	"  UNION ALL"
	"  SELECT p.path, st.size, st.isdir,"
	"         st.isdir AND p.path OPERATOR(pg_catalog.~)"
	"                      '^(base|pg_tblspc/[0-9]+/[^/]+)/[0-9]+$'"
	"    FROM tree AS t,"
	"         LATERAL pg_catalog.pg_ls_dir(t.path, true, false) AS e(name),"
	"         LATERAL (SELECT t.path || '/' || e.name) AS p(path),"
	"         LATERAL pg_catalog.pg_stat_file(p.path, true) AS st"
	"   WHERE t.isdir AND NOT t.db"
	") "
	"SELECT t.path, t.size, t.isdir, pg_catalog.pg_tablespace_location(ts.oid)"
	"  FROM tree AS t"
	"  LEFT JOIN pg_catalog.pg_tablespace AS ts"
	"    ON t.path = 'pg_tblspc/' || ts.oid::pg_catalog.text"
	" WHERE t.isdir IS NOT NULL AND $2::pg_catalog.int4 = 0 "
	"UNION ALL "
	"SELECT r.path, r.size, r.isdir, NULL"
	"  FROM (SELECT t.path || '/' || e.name AS path,"
	"               pg_catalog.pg_stat_file(t.path || '/' || e.name, true) AS st"
	"          FROM tree AS t,"
	"               LATERAL pg_catalog.pg_ls_dir(t.path, true, false) AS e(name)"
	"         WHERE t.db"
	"           AND (pg_catalog.hashtext(e.name) & 2147483647)"
	"               % $1::pg_catalog.int4 = $2::pg_catalog.int4"
	"        OFFSET 0) AS x,"
	"       LATERAL (SELECT x.path, (x.st).size, (x.st).isdir"
	"         UNION ALL"
	"         SELECT b.path, b.size, b.isdir"
	"           FROM (WITH RECURSIVE below (path, size, isdir) AS ("
	"                   SELECT x.path, (x.st).size, (x.st).isdir"
	"                   UNION ALL"
	"                   SELECT u.path || '/' || e.name, st.size, st.isdir"
	"                     FROM below AS u,"
	"                       LATERAL pg_catalog.pg_ls_dir(u.path, true, false) AS e(name),"
	"                       LATERAL pg_catalog.pg_stat_file(u.path || '/' || e.name,"
	"                                                       true) AS st"
	"                    WHERE u.isdir"
	"                 ) SELECT * FROM below OFFSET 1) AS b"
	"          WHERE (x.st).isdir) AS r"
	" WHERE r.isdir IS NOT NULL";

/* Add the row of a single-row result of list_sql to out. */
static bool
add_listed(const PGresult *res, file_list *out, rw_error *err)
{
	const char *values[4];
	bool		isnull[4];

	for (int c = 0; c < 4; c++)
	{
		isnull[c] = PQgetisnull(res, 0, c);
		values[c] = PQgetvalue(res, 0, c);
	}
	return reply_list_row(values, isnull, out, err);
}

/*
 * Connections that share the listing (of --jobs).  Every share reads each
 * database directory whole to pick its names, so more shares soon cost
 * more than they save: on 2 busy cores, 200,000 files were listed (psql,
 * twice each) in 1.59 and 1.83 s by one query, 1.32 and 1.44 s by 2
 * shares, 1.48 and 1.55 s by 4, 1.86 and 1.91 s by 8.  And a source is a
 * busy primary: the listing takes two of its cores at most.
 */
#define LIST_SHARES 2

/* The listing's connections: each with its share, until its reply ends. */
typedef struct list_conns {
	PGconn	   *conns[SOURCE_MAX_JOBS];
	bool		busy[SOURCE_MAX_JOBS];	/* its reply has not ended yet */
	bool		ended[SOURCE_MAX_JOBS]; /* the reply's last row came */
	int			n;
} list_conns;

static const char list_what[] = "could not read source file list";

/*
 * Open up to LIST_SHARES of the --jobs connections (an extra one is the
 * fetch's, opened here instead of at the first fetch) and send each its
 * share.  A busy source (max_connections, a role's connection limit) gets
 * fewer shares, not a failed rewind.
 */
static bool
send_shares(pq_source *ps, list_conns *lc, rw_error *err)
{
	char		nbuf[16];
	char		kbuf[16];
	const char *params[2] = {nbuf, kbuf};

	lc->n = pq_open_jobs(ps, LIST_SHARES, lc->conns);
	snprintf(nbuf, sizeof(nbuf), "%d", lc->n);
	for (int c = 0; c < lc->n; c++)
	{
		snprintf(kbuf, sizeof(kbuf), "%d", c);
		if (PQsendQueryParams(lc->conns[c], list_sql, 2, NULL, params, NULL, NULL, 0) != 1 ||
			PQsetSingleRowMode(lc->conns[c]) != 1)
			return pq_fail(err, lc->conns[c], NULL, list_what);
		lc->busy[c] = true;
	}
	return true;
}

/*
 * Take the rows connection c has whole, without waiting (*took set when
 * it took any).  After an error the rest of its reply is read and dropped,
 * so the connection can take the next query.
 */
static bool
take_rows(list_conns *lc, int c, file_list *out, bool ok, bool *took, rw_error *err)
{
	while (lc->busy[c] && !PQisBusy(lc->conns[c]))
	{
		PGresult   *res = PQgetResult(lc->conns[c]);
		ExecStatusType st;

		*took = true;
		if (res == NULL)
		{
			lc->busy[c] = false;
			if (ok && !lc->ended[c])
				ok = rw_fail(err, RW_ESOURCE, "%s: the reply ended without its last row",
							 list_what);
			break;
		}
		st = PQresultStatus(res);
		if (ok && st == PGRES_SINGLE_TUPLE)
			ok = pq_expect_shape(res, 1, 4, list_what, err) && add_listed(res, out, err);
		else if (ok && st == PGRES_TUPLES_OK)
			lc->ended[c] = true;
		else if (ok)
			ok = pq_fail(err, lc->conns[c], res, list_what);
		PQclear(res);
	}
	return ok;
}

/*
 * The shares are taken row by row as they arrive (single-row mode), from
 * whichever connection has one: a cluster of 200,000 relations is never
 * held whole in a libpq result beside the list made from it, and the
 * source's backends stat their shares of the files at the same time.
 */
bool
pq_list_files(source *s, file_list *out, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	list_conns	lc = {{NULL}, {false}, {false}, 0};
	bool		ok = send_shares(ps, &lc, err);
	int			next = 0;

	for (;;)
	{
		bool		took = false;
		int			want = -1;

		for (int c = 0; c < lc.n; c++)
			ok = take_rows(&lc, c, out, ok, &took, err);
		/*
		 * Wait in turn for each busy one, reading only its socket: the
		 * others' rows wait in the kernel (their servers pause when it is
		 * full), not in libpq's buffers, which would grow by a whole share
		 * while a slower connection is waited for.
		 */
		for (int i = 0; i < lc.n && want < 0; i++)
			if (lc.busy[(next + i) % lc.n])
				want = (next + i) % lc.n;
		if (want < 0)
			break;
		next = want + 1;
		if (took)
			continue;
		if (!pq_wait_conns(ps, &lc.conns[want], &lc.busy[want], 1, 0, err))
		{
			rw_context(err, "%s", list_what);
			return false;
		}
	}
	if (ok)
	{
		size_t		dropped;

		file_list_sort(out);
		if ((dropped = file_list_drop_orphans(out)) > 0)
			log_debug("source lists %zu files in directories made while it listed: left out",
					  dropped);
	}
	return ok;
}

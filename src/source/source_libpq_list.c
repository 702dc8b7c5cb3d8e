/*
 * The libpq source's listing of its data directory: every file with its
 * size, read with the server's file access functions (pg_ls_dir,
 * pg_stat_file; see source_libpq_files.c for the session's safety).  Each
 * row is checked by lib/source_reply.c before it is used.
 */
#include "source/source_libpq_private.h"

#include "source_reply.h"

/*
 * Every entry below the data directory with its size and whether it is a
 * directory (pg_stat_file follows symlinks, so a tablespace's contents are
 * listed below its link).  Entries whose stat is NULL vanished meanwhile.
 * For a tablespace link, the fourth column is where it points.
 */
static const char list_sql[] =
	"WITH RECURSIVE tree (path, size, isdir) AS ("
	"  SELECT e.name, st.size, st.isdir"
	"    FROM pg_catalog.pg_ls_dir('.', true, false) AS e(name),"
	"         LATERAL pg_catalog.pg_stat_file(e.name, true) AS st"
	"  UNION ALL"
	"  SELECT t.path || '/' || e.name, st.size, st.isdir"
	"    FROM tree AS t,"
	"         LATERAL pg_catalog.pg_ls_dir(t.path, true, false) AS e(name),"
	"         LATERAL pg_catalog.pg_stat_file(t.path || '/' || e.name, true) AS st"
	"   WHERE t.isdir"
	") "
	"SELECT t.path, t.size, t.isdir, pg_catalog.pg_tablespace_location(ts.oid)"
	"  FROM tree AS t"
	"  LEFT JOIN pg_catalog.pg_tablespace AS ts"
	"    ON t.path = 'pg_tblspc/' || ts.oid::pg_catalog.text"
	" WHERE t.isdir IS NOT NULL";

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
 * The listing is taken row by row as it arrives (single-row mode): a
 * cluster of 200,000 relations is never held whole in a libpq result
 * beside the list made from it.  After an error the rest of the reply is
 * read and dropped, so the connection can take the next query.
 */
bool
pq_list_files(source *s, file_list *out, rw_error *err)
{
	static const char what[] = "could not read source file list";
	pq_source  *ps = (pq_source *) s;
	const bool	busy = true;
	bool		ok = true;
	bool		ended = false;

	if (PQsendQuery(ps->conn, list_sql) != 1 || PQsetSingleRowMode(ps->conn) != 1)
		return pq_fail(err, ps->conn, NULL, what);
	for (;;)
	{
		PGresult   *res;
		ExecStatusType st;

		if (!pq_wait_conns(ps, &ps->conn, &busy, 1, 0, err))
		{
			rw_context(err, "%s", what);
			return false;
		}
		if ((res = PQgetResult(ps->conn)) == NULL)
			break;
		st = PQresultStatus(res);
		if (ok && st == PGRES_SINGLE_TUPLE)
			ok = pq_expect_shape(res, 1, 4, what, err) && add_listed(res, out, err);
		else if (ok && st == PGRES_TUPLES_OK)
			ended = true;
		else if (ok)
			ok = pq_fail(err, ps->conn, res, what);
		PQclear(res);
	}
	if (ok && !ended)
		ok = rw_fail(err, RW_ESOURCE, "%s: the reply ended without its last row", what);
	if (ok)
		file_list_sort(out);
	return ok;
}

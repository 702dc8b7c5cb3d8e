/*
 * A running server reached over libpq as the source.
 *
 * Everything is read with the server's file access functions (pg_ls_dir,
 * pg_stat_file, pg_read_binary_file), which a non-superuser role can be
 * granted.  search_path is emptied at connect and every function and type
 * is schema-qualified, so no object of another schema can interfere.
 */
#include "source.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "xalloc.h"

/* A fetch round trip carries at most this many ranges and bytes. */
#define FETCH_BATCH_RANGES 64
#define FETCH_BATCH_BYTES (8 * 1024 * 1024)

typedef struct pq_source {
	source		base;			/* first, so a source * is a pq_source * */
	PGconn	   *conn;			/* owned, PQfinish'ed by close */
	char	   *connstr;		/* as given, for connections to other databases */
} pq_source;

/* A growing NUL-terminated string; data is malloc'd and owned by the user. */
typedef struct strbuf {
	char	   *data;
	size_t		len;
	size_t		cap;
} strbuf;

static void
sb_append(strbuf *sb, const char *s, size_t n)
{
	xgrow((void **) &sb->data, &sb->cap, sb->len + n + 1, 1);
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

static void
sb_puts(strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

/* Append s with each character in special preceded by a backslash. */
static void
sb_escaped(strbuf *sb, const char *s, const char *special)
{
	for (; *s; s++)
	{
		if (strchr(special, *s) != NULL)
			sb_append(sb, "\\", 1);
		sb_append(sb, s, 1);
	}
}

/*
 * Fail with "what: <server message>".  The message comes from the result
 * when there is one, else from the connection; trailing newlines go.
 */
static bool
pq_fail(rw_error *err, PGconn *conn, const PGresult *res, const char *what)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *msg = primary ? primary : PQerrorMessage(conn);
	size_t		len = strlen(msg);

	while (len > 0 && isspace((unsigned char) msg[len - 1]))
		len--;
	return rw_fail(err, RW_ESOURCE, "%s: %.*s", what, (int) len, msg);
}

/*
 * Run one statement with text parameters.  Returns the result (the caller
 * PQclears it) or NULL with err set to "what: <server message>".
 */
static PGresult *
run(pq_source *ps, const char *sql, int nparams, const char *const *params,
	bool binary, const char *what, rw_error *err)
{
	PGresult   *res = PQexecParams(ps->conn, sql, nparams, NULL, params, NULL,
								   NULL, binary ? 1 : 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	pq_fail(err, ps->conn, res, what);
	PQclear(res);
	return NULL;
}

/* Check a result's shape; a mismatch means we misunderstand the server. */
static bool
expect_shape(const PGresult *res, int rows, int cols, const char *what,
			 rw_error *err)
{
	if ((rows < 0 || PQntuples(res) == rows) && PQnfields(res) == cols)
		return true;
	return rw_fail(err, RW_ESOURCE,
				   "%s: unexpected result with %d rows and %d columns",
				   what, PQntuples(res), PQnfields(res));
}

/* Run a statement that must succeed and whose result is not needed. */
static bool
run_command(pq_source *ps, const char *sql, rw_error *err)
{
	PGresult   *res = run(ps, sql, 0, NULL, false,
						  "could not set up the source session", err);

	PQclear(res);
	return res != NULL;
}

static bool
setup_session(pq_source *ps, rw_error *err)
{
	static const char *const common[] = {
		/* first: no later statement may resolve names in a user's schema */
		"SELECT pg_catalog.set_config('search_path', '', false)",
		"SET statement_timeout = 0",
		"SET lock_timeout = 0",
		"SET idle_in_transaction_session_timeout = 0",
		"SET default_transaction_read_only = on",
	};

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!run_command(ps, common[i], err))
			return false;
	/* the setting exists only from 17 on; setting it earlier is an error */
	if (PQserverVersion(ps->conn) >= 170000 &&
		!run_command(ps, "SET transaction_timeout = 0", err))
		return false;
	return true;
}

static bool
pq_read_file(source *s, const char *path, bool missing_ok, uint8_t **data,
			 size_t *len, bool *missing, rw_error *err)
{
	static const char sql[] =
		"SELECT pg_catalog.pg_read_binary_file($1::pg_catalog.text, 0, st.size, true) "
		"FROM pg_catalog.pg_stat_file($1::pg_catalog.text, true) AS st";
	pq_source  *ps = (pq_source *) s;
	char		what[1200];
	PGresult   *res;
	size_t		n;

	*data = NULL;
	*len = 0;
	*missing = false;
	snprintf(what, sizeof(what), "could not read \"%s\" from the source", path);
	res = run(ps, sql, 1, &path, true, what, err);
	if (res == NULL)
		return false;
	if (!expect_shape(res, 1, 1, what, err))
	{
		PQclear(res);
		return false;
	}
	if (PQgetisnull(res, 0, 0))
	{
		PQclear(res);
		*missing = true;
		if (missing_ok)
			return true;
		return rw_fail(err, RW_EMISSING, "file \"%s\" does not exist on the source", path);
	}
	n = (size_t) PQgetlength(res, 0, 0);
	*data = xmalloc(n + 1);
	memcpy(*data, PQgetvalue(res, 0, 0), n);
	(*data)[n] = '\0';
	*len = n;
	s->bytes_fetched += n;
	PQclear(res);
	return true;
}

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

static bool
parse_u64(const char *s, uint64_t *out)
{
	char	   *end;

	if (!isdigit((unsigned char) s[0]))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* Add one row of list_sql's result to out. */
static bool
add_listed(const PGresult *res, int row, file_list *out, rw_error *err)
{
	const char *path = PQgetvalue(res, row, 0);
	bool		isdir = strcmp(PQgetvalue(res, row, 2), "t") == 0;
	const char *link = PQgetisnull(res, row, 3) ? NULL : PQgetvalue(res, row, 3);
	uint64_t	size = 0;

	/* an in-place tablespace (a developer option) is a plain directory */
	if (link != NULL && link[0] == '/')
		file_list_add(out, path, FILE_TYPE_SYMLINK, 0, link);
	else if (isdir)
		file_list_add(out, path, FILE_TYPE_DIRECTORY, 0, NULL);
	else if (!PQgetisnull(res, row, 1) && parse_u64(PQgetvalue(res, row, 1), &size))
		file_list_add(out, path, FILE_TYPE_REGULAR, size, NULL);
	else
		return rw_fail(err, RW_ESOURCE,
					   "could not read source file list: bad size \"%s\" for \"%s\"",
					   PQgetvalue(res, row, 1), path);
	return true;
}

static bool
pq_list_files(source *s, file_list *out, rw_error *err)
{
	static const char what[] = "could not read source file list";
	pq_source  *ps = (pq_source *) s;
	PGresult   *res = run(ps, list_sql, 0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = expect_shape(res, -1, 4, what, err);
	for (int i = 0; ok && i < PQntuples(res); i++)
		ok = add_listed(res, i, out, err);
	PQclear(res);
	if (ok)
		file_list_sort(out);
	return ok;
}

/* How many ranges from the start of ranges[0..n) go into one round trip. */
static size_t
batch_size(const fetch_range *ranges, size_t n)
{
	size_t		count = 0;
	uint64_t	bytes = 0;

	while (count < n && count < FETCH_BATCH_RANGES &&
		   (count == 0 || bytes + ranges[count].len <= FETCH_BATCH_BYTES))
		bytes += ranges[count++].len;
	return count;
}

/* The three array parameters of fetch_sql, as array literals. */
static void
build_batch_params(const fetch_range *ranges, size_t count, strbuf *paths,
				   strbuf *offsets, strbuf *lens)
{
	char		num[32];

	sb_puts(paths, "{");
	sb_puts(offsets, "{");
	sb_puts(lens, "{");
	for (size_t i = 0; i < count; i++)
	{
		const char *sep = (i > 0) ? "," : "";

		/* quoting every element keeps commas, braces and spaces literal */
		sb_puts(paths, sep);
		sb_puts(paths, "\"");
		sb_escaped(paths, ranges[i].path, "\\\"");
		sb_puts(paths, "\"");
		snprintf(num, sizeof(num), "%s%llu", sep, (unsigned long long) ranges[i].offset);
		sb_puts(offsets, num);
		snprintf(num, sizeof(num), "%s%u", sep, (unsigned) ranges[i].len);
		sb_puts(lens, num);
	}
	sb_puts(paths, "}");
	sb_puts(offsets, "}");
	sb_puts(lens, "}");
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Hand row `row` of a fetch result (ranges[row], index base + row) to sink. */
static bool
deliver_row(pq_source *ps, const PGresult *res, int row,
			const fetch_range *ranges, size_t base, fetch_sink sink, void *ctx,
			rw_error *err)
{
	const fetch_range *r = &ranges[row];
	size_t		len;

	if (PQgetisnull(res, row, 0) || PQgetlength(res, row, 0) != 8 ||
		be64((const uint8_t *) PQgetvalue(res, row, 0)) != (uint64_t) row + 1)
		return rw_fail(err, RW_ESOURCE,
					   "could not fetch \"%s\" from the source: rows out of order", r->path);
	if (PQgetisnull(res, row, 1))
		return sink(ctx, base + row, NULL, 0, true, err);
	len = (size_t) PQgetlength(res, row, 1);
	if (len > r->len)
		return rw_fail(err, RW_ESOURCE,
					   "could not fetch \"%s\" from the source: got %zu bytes, asked for %u",
					   r->path, len, (unsigned) r->len);
	ps->base.bytes_fetched += len;
	return sink(ctx, base + row, (const uint8_t *) PQgetvalue(res, row, 1), len,
				false, err);
}

/*
 * Fetch ranges[0..count), which are ranges base.. of the caller's array.
 * (Multi-argument unnest is parser sugar for ROWS FROM that works only
 * unqualified, hence the explicit form.)
 */
static bool
fetch_batch(pq_source *ps, const fetch_range *ranges, size_t count, size_t base,
			fetch_sink sink, void *ctx, rw_error *err)
{
	static const char fetch_sql[] =
		"SELECT r.i, pg_catalog.pg_read_binary_file(r.p, r.o, r.l, true)"
		"  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
		"                  pg_catalog.unnest($2::pg_catalog.int8[]),"
		"                  pg_catalog.unnest($3::pg_catalog.int8[]))"
		"       WITH ORDINALITY AS r(p, o, l, i)"
		" ORDER BY r.i";
	strbuf		paths = {0}, offsets = {0}, lens = {0};
	const char *params[3];
	char		what[1200];
	PGresult   *res;
	bool		ok;

	build_batch_params(ranges, count, &paths, &offsets, &lens);
	params[0] = paths.data;
	params[1] = offsets.data;
	params[2] = lens.data;
	if (count == 1)
		snprintf(what, sizeof(what), "could not fetch \"%s\" from the source",
				 ranges[0].path);
	else
		snprintf(what, sizeof(what),
				 "could not fetch \"%s\" and %zu more ranges from the source",
				 ranges[0].path, count - 1);
	res = run(ps, fetch_sql, 3, params, true, what, err);
	free(paths.data);
	free(offsets.data);
	free(lens.data);
	if (res == NULL)
		return false;
	ok = expect_shape(res, (int) count, 2, what, err);
	for (int row = 0; ok && row < (int) count; row++)
		ok = deliver_row(ps, res, row, ranges, base, sink, ctx, err);
	PQclear(res);
	return ok;
}

static bool
pq_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink,
		 void *ctx, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	size_t		count;

	for (size_t i = 0; i < n; i++)
		if (ranges[i].len > FETCH_RANGE_MAX)
			return rw_fail(err, RW_EINTERNAL,
						   "fetch range of %u bytes in \"%s\" exceeds the %d byte limit",
						   (unsigned) ranges[i].len, ranges[i].path, FETCH_RANGE_MAX);
	for (size_t start = 0; start < n; start += count)
	{
		count = batch_size(ranges + start, n - start);
		if (!fetch_batch(ps, ranges + start, count, start, sink, ctx, err))
			return false;
	}
	return true;
}

/* The timeline in the first 8 hex digits of a WAL file name. */
static bool
parse_walfile_tli(const char *name, uint32_t *tli)
{
	uint32_t	v = 0;

	if (strlen(name) != WAL_FILE_NAME_LEN)
		return false;
	for (int i = 0; i < 8; i++)
	{
		int			c = (unsigned char) name[i];

		if (!isxdigit(c))
			return false;
		v = v * 16 + (uint32_t) (isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*tli = v;
	return v != 0;
}

/*
 * A primary's insert position and the timeline it inserts on now, which is
 * newer than pg_control's after a promotion not yet followed by a checkpoint.
 */
static bool
primary_position(pq_source *ps, source_wal_position *out, rw_error *err)
{
	static const char what[] = "could not read the source's WAL insert position";
	PGresult   *res = run(ps,
						  "SELECT w.l, pg_catalog.pg_walfile_name(w.l)"
						  "  FROM pg_catalog.pg_current_wal_insert_lsn() AS w(l)",
						  0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = expect_shape(res, 1, 2, what, err);
	if (ok && (!lsn_parse(PQgetvalue(res, 0, 0), &out->lsn) ||
			   !parse_walfile_tli(PQgetvalue(res, 0, 1), &out->tli)))
		ok = rw_fail(err, RW_ESOURCE, "%s: unexpected values \"%s\", \"%s\"",
					 what, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);
	return ok;
}

/* A standby's replay position; its timeline is in its control file. */
static bool
standby_position(pq_source *ps, source_wal_position *out, rw_error *err)
{
	static const char what[] = "could not read the source's WAL replay position";
	PGresult   *res = run(ps, "SELECT pg_catalog.pg_last_wal_replay_lsn()",
						  0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = expect_shape(res, 1, 1, what, err);
	out->tli = 0;
	out->lsn = LSN_INVALID;
	if (ok && !PQgetisnull(res, 0, 0) && !lsn_parse(PQgetvalue(res, 0, 0), &out->lsn))
		ok = rw_fail(err, RW_ESOURCE, "%s: unexpected value \"%s\"",
					 what, PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

static bool
pq_wal_position(source *s, source_wal_position *out, rw_error *err)
{
	static const char what[] = "could not tell whether the source is in recovery";
	pq_source  *ps = (pq_source *) s;
	PGresult   *res = run(ps, "SELECT pg_catalog.pg_is_in_recovery()",
						  0, NULL, false, what, err);

	if (res == NULL)
		return false;
	if (!expect_shape(res, 1, 1, what, err))
	{
		PQclear(res);
		return false;
	}
	out->in_recovery = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return out->in_recovery ? standby_position(ps, out, err)
		: primary_position(ps, out, err);
}

static bool
check_full_page_writes(pq_source *ps, rw_error *err)
{
	static const char what[] = "could not read full_page_writes on the source";
	PGresult   *res = run(ps, "SELECT pg_catalog.current_setting('full_page_writes')",
						  0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = expect_shape(res, 1, 1, what, err);
	if (ok && strcmp(PQgetvalue(res, 0, 0), "on") != 0)
		ok = rw_fail(err, RW_ESTATE, "full_page_writes must be enabled in the source server");
	PQclear(res);
	return ok;
}

/* The functions a non-superuser role must be granted, in GRANT syntax. */
static const char *const needed_functions[] = {
	"pg_catalog.pg_ls_dir(text, boolean, boolean)",
	"pg_catalog.pg_stat_file(text, boolean)",
	"pg_catalog.pg_read_binary_file(text)",
	"pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
};

#define N_NEEDED (int) (sizeof(needed_functions) / sizeof(needed_functions[0]))

/* Fail naming role and the functions it lacks, with the GRANTs as hint. */
static bool
fail_privileges(pq_source *ps, const char *role, const bool *granted,
				rw_error *err)
{
	char	   *quoted = PQescapeIdentifier(ps->conn, role, strlen(role));
	strbuf		list = {0}, grants = {0};

	for (int i = 0; i < N_NEEDED; i++)
	{
		if (granted[i])
			continue;
		sb_puts(&list, list.len > 0 ? ", " : "");
		sb_puts(&list, needed_functions[i]);
		sb_puts(&grants, "\n  GRANT EXECUTE ON FUNCTION ");
		sb_puts(&grants, needed_functions[i]);
		sb_puts(&grants, " TO ");
		sb_puts(&grants, quoted ? quoted : role);
		sb_puts(&grants, ";");
	}
	rw_fail(err, RW_ESOURCE,
			"role \"%s\" on the source lacks the EXECUTE privilege on %s",
			role, list.data);
	rw_hint(err, "Run as a superuser on the source:%s", grants.data);
	PQfreemem(quoted);
	free(list.data);
	free(grants.data);
	return false;
}

static bool
check_privileges(pq_source *ps, rw_error *err)
{
	static const char what[] = "could not check the privileges of the source role";
	static const char sql[] =
		"SELECT CURRENT_USER,"
		"       pg_catalog.has_function_privilege($1::pg_catalog.text, 'EXECUTE'),"
		"       pg_catalog.has_function_privilege($2::pg_catalog.text, 'EXECUTE'),"
		"       pg_catalog.has_function_privilege($3::pg_catalog.text, 'EXECUTE'),"
		"       pg_catalog.has_function_privilege($4::pg_catalog.text, 'EXECUTE')";
	PGresult   *res = run(ps, sql, N_NEEDED, needed_functions, false, what, err);
	bool		granted[N_NEEDED];
	bool		all = true;
	bool		ok;

	if (res == NULL)
		return false;
	ok = expect_shape(res, 1, N_NEEDED + 1, what, err);
	for (int i = 0; ok && i < N_NEEDED; i++)
	{
		granted[i] = strcmp(PQgetvalue(res, 0, i + 1), "t") == 0;
		all = all && granted[i];
	}
	if (ok && !all)
		ok = fail_privileges(ps, PQgetvalue(res, 0, 0), granted, err);
	PQclear(res);
	return ok;
}

static bool
pq_check_server(source *s, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;

	return check_full_page_writes(ps, err) && check_privileges(ps, err);
}

/* Options that describe this connection, not one a standby should make. */
static bool
skip_conninfo_option(const PQconninfoOption *o)
{
	return o->val == NULL || o->val[0] == '\0' ||
		strchr(o->dispchar, 'D') != NULL ||
		strcmp(o->keyword, "dbname") == 0 ||
		strcmp(o->keyword, "replication") == 0 ||
		strcmp(o->keyword, "fallback_application_name") == 0;
}

static char *
pq_standby_conninfo(source *s)
{
	pq_source  *ps = (pq_source *) s;
	PQconninfoOption *opts = PQconninfo(ps->conn);
	strbuf		sb = {0};

	if (opts == NULL)
	{
		/* libpq's only failure here; same policy as xalloc.h */
		fprintf(stderr, "rewind: out of memory\n");
		abort();
	}
	sb_puts(&sb, "");
	for (const PQconninfoOption *o = opts; o->keyword != NULL; o++)
	{
		if (skip_conninfo_option(o))
			continue;
		sb_puts(&sb, sb.len > 0 ? " " : "");
		sb_puts(&sb, o->keyword);
		sb_puts(&sb, "=");
		/* quoted only when it has to be, as pg_basebackup -R writes it */
		if (strpbrk(o->val, " \t\n\\'") == NULL)
			sb_puts(&sb, o->val);
		else
		{
			sb_puts(&sb, "'");
			sb_escaped(&sb, o->val, "\\'");
			sb_puts(&sb, "'");
		}
	}
	PQconninfoFree(opts);
	return sb.data;
}

/* --- relation names ------------------------------------------------------ */

/*
 * Relations by file number, mapped catalogs (relfilenode 0) included, with
 * the table an index or a TOAST table or TOAST index belongs to.
 */
static const char describe_sql[] =
	"SELECT f.rf, c.relkind, n.nspname, c.relname, own_n.nspname,"
	"       COALESCE(toast_owner.relname, it.relname), toast_owner.relname IS NOT NULL"
	"  FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS f(rf)"
	"  JOIN pg_catalog.pg_class AS c"
	"    ON f.rf = CASE WHEN c.relfilenode <> 0 THEN c.relfilenode"
	"                   ELSE pg_catalog.pg_relation_filenode(c.oid) END"
	"  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
	"  LEFT JOIN pg_catalog.pg_index AS i ON i.indexrelid = c.oid"
	"  LEFT JOIN pg_catalog.pg_class AS it ON it.oid = i.indrelid"
	"  LEFT JOIN LATERAL (SELECT x.relname, x.relnamespace FROM pg_catalog.pg_class AS x"
	"                      WHERE x.reltoastrelid = COALESCE(i.indrelid, c.oid)"
	"                      LIMIT 1) AS toast_owner ON true"
	"  LEFT JOIN pg_catalog.pg_namespace AS own_n"
	"    ON own_n.oid = COALESCE(toast_owner.relnamespace, it.relnamespace)"
	" WHERE c.relisshared = $2::pg_catalog.bool";

static const char *
relkind_name(char relkind, bool of_toast)
{
	switch (relkind)
	{
		case 'r':
			return "table";
		case 'i':
			return of_toast ? "TOAST index" : "index";
		case 'S':
			return "sequence";
		case 't':
			return "TOAST table";
		case 'm':
			return "materialized view";
		default:
			return "relation";
	}
}

static void
fill_name(const PGresult *res, int row, relation_name *out)
{
	out->found = true;
	out->kind = relkind_name(PQgetvalue(res, row, 1)[0],
							 strcmp(PQgetvalue(res, row, 6), "t") == 0);
	snprintf(out->schema, sizeof(out->schema), "%s", PQgetvalue(res, row, 2));
	snprintf(out->name, sizeof(out->name), "%s", PQgetvalue(res, row, 3));
	snprintf(out->owner_schema, sizeof(out->owner_schema), "%s", PQgetvalue(res, row, 4));
	snprintf(out->owner_name, sizeof(out->owner_name), "%s", PQgetvalue(res, row, 5));
}

/* Run describe_sql on the connection of ps. */
static bool
describe_on(pq_source *ps, bool shared, const uint32_t *relfilenodes, size_t n,
			relation_name *out, rw_error *err)
{
	static const char what[] = "could not read relation names from the source";
	strbuf		arr = {0};
	char		num[16];
	const char *params[2];
	PGresult   *res;
	bool		ok;

	sb_puts(&arr, "{");
	for (size_t i = 0; i < n; i++)
	{
		snprintf(num, sizeof(num), "%s%u", i > 0 ? "," : "", (unsigned) relfilenodes[i]);
		sb_puts(&arr, num);
	}
	sb_puts(&arr, "}");
	params[0] = arr.data;
	params[1] = shared ? "true" : "false";
	res = run(ps, describe_sql, 2, params, false, what, err);
	free(arr.data);
	if (res == NULL)
		return false;
	ok = expect_shape(res, -1, 7, what, err);
	for (int row = 0; ok && row < PQntuples(res); row++)
	{
		unsigned long rf = strtoul(PQgetvalue(res, row, 0), NULL, 10);

		for (size_t i = 0; i < n; i++)
			if (relfilenodes[i] == rf && !out[i].found)
				fill_name(res, row, &out[i]);
	}
	PQclear(res);
	return ok;
}

/*
 * The name of database db_oid when it is another database than the one
 * connected to and accepts connections; "" when names are to be looked up
 * on this connection; NULL (not an error) when they cannot be looked up.
 */
static bool
other_database(pq_source *ps, uint32_t db_oid, char **datname, rw_error *err)
{
	static const char what[] = "could not look up a database of the source";
	char		oid[16];
	const char *param = oid;
	PGresult   *res;
	bool		ok;

	snprintf(oid, sizeof(oid), "%u", (unsigned) db_oid);
	res = run(ps, "SELECT d.datname, d.datallowconn, d.datname = pg_catalog.current_database()"
			  "  FROM pg_catalog.pg_database AS d WHERE d.oid = $1::pg_catalog.oid",
			  1, &param, false, what, err);
	if (res == NULL)
		return false;
	ok = expect_shape(res, -1, 3, what, err);
	*datname = NULL;
	if (ok && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		*datname = xstrdup(strcmp(PQgetvalue(res, 0, 2), "t") == 0 ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

static bool
pq_describe_relations(source *s, uint32_t db_oid, const uint32_t *relfilenodes,
					  size_t n, relation_name *out, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	/* the same connection string with a later dbname that overrides its own */
	const char *keys[] = {"dbname", "dbname", "fallback_application_name", NULL};
	const char *vals[] = {ps->connstr, NULL, "rewind", NULL};
	pq_source	other = {0};
	char	   *datname = NULL;
	bool		ok;

	memset(out, 0, n * sizeof(relation_name));
	if (n == 0)
		return true;
	/* shared catalogs are the same from every database */
	if (db_oid == 0)
		return describe_on(ps, true, relfilenodes, n, out, err);
	if (!other_database(ps, db_oid, &datname, err))
		return false;
	if (datname == NULL)
		return true;			/* dropped or created since, or not connectable */
	if (datname[0] == '\0')
	{
		free(datname);
		return describe_on(ps, false, relfilenodes, n, out, err);
	}
	vals[1] = datname;
	other.conn = PQconnectdbParams(keys, vals, 1);
	if (other.conn == NULL || PQstatus(other.conn) != CONNECTION_OK)
	{
		ok = pq_fail(err, other.conn, NULL, "could not connect to the source server");
		rw_context(err, "database \"%s\"", datname);
	}
	else
		ok = setup_session(&other, err) &&
			describe_on(&other, false, relfilenodes, n, out, err);
	PQfinish(other.conn);
	free(datname);
	return ok;
}

static void
pq_close(source *s)
{
	pq_source  *ps = (pq_source *) s;

	PQfinish(ps->conn);
	free(ps->connstr);
	free(ps);
}

static const source_ops pq_ops = {
	.read_file = pq_read_file,
	.list_files = pq_list_files,
	.fetch = pq_fetch,
	.wal_position = pq_wal_position,
	.check_server = pq_check_server,
	.standby_conninfo = pq_standby_conninfo,
	.describe_relations = pq_describe_relations,
	.close = pq_close,
};

source *
source_libpq_open(const char *connstr, rw_error *err)
{
	/* dbname is expanded as a connection string; the name is a default */
	const char *const keys[] = {"dbname", "fallback_application_name", NULL};
	const char *const vals[] = {connstr, "rewind", NULL};
	PGconn	   *conn = PQconnectdbParams(keys, vals, 1);
	pq_source  *ps;

	if (conn == NULL)
	{
		rw_fail(err, RW_ESOURCE, "could not connect to the source server: out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		pq_fail(err, conn, NULL, "could not connect to the source server");
		PQfinish(conn);
		return NULL;
	}
	ps = xcalloc(1, sizeof(pq_source));
	ps->base.ops = &pq_ops;
	ps->conn = conn;
	ps->connstr = xstrdup(connstr);
	snprintf(ps->base.description, sizeof(ps->base.description), "server %s:%s",
			 PQhost(conn), PQport(conn));
	if (!setup_session(ps, err))
	{
		pq_close(&ps->base);
		return NULL;
	}
	return &ps->base;
}

/*
 * A running server reached over libpq as the source.
 *
 * Everything is read with the server's file access functions (pg_ls_dir,
 * pg_stat_file, pg_read_binary_file), which a non-superuser role can be
 * granted.  search_path is emptied at connect and every function and type
 * is schema-qualified, so no object of another schema can interfere.
 */
#include "source/source.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "util/log.h"
#include "source/source_conninfo.h"
#include "source/source_reply.h"
#include "xalloc.h"

typedef struct pq_source {
	source		base;			/* first, so a source * is a pq_source * */
	PGconn	   *conn;			/* owned, PQfinish'ed by close */
	char	   *connstr;		/* as given, for connections to other databases */
	int			jobs;			/* connections fetch may use, conn included */
	int			timeout_s;		/* --timeout: longest silence from the source */
	bool		stalled;		/* the source went silent: its connections are unusable */
	PGconn	   *extra[SOURCE_MAX_JOBS - 1];	/* the others, opened on first use */
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
 * Connect with connstr (expanded as a connection string; its dbname wins
 * unless dbname is given), in non-blocking mode so that no send waits on a
 * silent source.  Fails with RW_ESOURCE and the server's message.
 */
static bool
pq_connect(const char *connstr, const char *dbname, int timeout_s, PGconn **out,
		   rw_error *err)
{
	conn_params cp = {0};
	PGconn	   *conn;

	conn_params_build(&cp, connstr, dbname, timeout_s);
	conn = PQconnectdbParams(cp.keys, cp.vals, 1);
	*out = NULL;
	if (conn == NULL)
		return rw_fail(err, RW_ESOURCE, "could not connect to the source server: out of memory");
	if (PQstatus(conn) != CONNECTION_OK || PQsetnonblocking(conn, 1) != 0)
	{
		pq_fail(err, conn, NULL, "could not connect to the source server");
		rw_hint(err, "Check --source-server and that the source accepts connections; "
				"a standby source needs hot_standby = on.");
		PQfinish(conn);
		return false;
	}
	*out = conn;
	return true;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool
fail_stalled(pq_source *ps, rw_error *err)
{
	ps->stalled = true;
	rw_fail(err, RW_ESOURCE, "the source (%s) sent nothing for %d seconds",
			ps->base.description, ps->timeout_s);
	rw_hint(err, "The source server or the network to it stopped answering. Check that it "
			"runs and is reachable (or raise --timeout if it is only slow).");
	return false;
}

/*
 * Send what is queued on the busy connections and read what arrives on
 * them until conns[want] has a whole result to give (PQgetResult will not
 * block), so that no server waits on a full socket.  No byte from any of
 * them for the stall limit fails the wait.
 */
static bool
wait_conns(pq_source *ps, PGconn *const *conns, const bool *busy, int nconns, int want,
		   rw_error *err)
{
	struct pollfd fds[SOURCE_MAX_JOBS];
	int			map[SOURCE_MAX_JOBS];
	int64_t		last_byte = now_ms();

	for (;;)
	{
		int			nfds = 0;
		bool		want_unsent = false;
		int64_t		left;

		for (int c = 0; c < nconns; c++)
		{
			int			unsent;

			if (!busy[c])
				continue;
			if ((unsent = PQflush(conns[c])) < 0)
				return pq_fail(err, conns[c], NULL, "could not send to the source server");
			want_unsent = want_unsent || (c == want && unsent == 1);
			fds[nfds].fd = PQsocket(conns[c]);
			fds[nfds].events = (short) (POLLIN | (unsent == 1 ? POLLOUT : 0));
			fds[nfds].revents = 0;
			map[nfds++] = c;
		}
		if (!want_unsent && !PQisBusy(conns[want]))
			return true;
		left = (int64_t) ps->timeout_s * 1000 - (now_ms() - last_byte);
		if (left <= 0)
			return fail_stalled(ps, err);
		if (poll(fds, (nfds_t) nfds, (int) left) < 0)
		{
			if (errno == EINTR)
				continue;
			return rw_fail_errno(err, errno, "could not wait for the source server");
		}
		for (int i = 0; i < nfds; i++)
		{
			if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0)
				continue;
			if (PQconsumeInput(conns[map[i]]) != 1)
				return pq_fail(err, conns[map[i]], NULL, "could not read from the source server");
			last_byte = now_ms();
		}
	}
}

/*
 * The first result of the query sent on conn, the others read and dropped
 * up to the end of the query, so conn can take the next one.  NULL with err
 * set when the source fails or goes silent.
 */
static PGresult *
collect_result(pq_source *ps, PGconn *conn, rw_error *err)
{
	const bool	busy = true;
	PGresult   *first = NULL;

	for (;;)
	{
		PGresult   *res;

		if (!wait_conns(ps, &conn, &busy, 1, 0, err))
		{
			PQclear(first);
			return NULL;
		}
		if ((res = PQgetResult(conn)) == NULL)
			break;
		if (first == NULL)
			first = res;
		else
			PQclear(res);
	}
	if (first == NULL)
		pq_fail(err, conn, NULL, "no result from the source server");
	return first;
}

/*
 * Run one statement with text parameters.  Returns the result (the caller
 * PQclears it) or NULL with err set to "what: <server message>".
 */
static PGresult *
run(pq_source *ps, const char *sql, int nparams, const char *const *params,
	bool binary, const char *what, rw_error *err)
{
	PGresult   *res;
	ExecStatusType st;

	if (PQsendQueryParams(ps->conn, sql, nparams, NULL, params, NULL, NULL,
						  binary ? 1 : 0) != 1)
	{
		pq_fail(err, ps->conn, NULL, what);
		return NULL;
	}
	if ((res = collect_result(ps, ps->conn, err)) == NULL)
	{
		rw_context(err, "%s", what);
		return NULL;
	}
	st = PQresultStatus(res);
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

/* Add one row of list_sql's result to out. */
static bool
add_listed(const PGresult *res, int row, file_list *out, rw_error *err)
{
	const char *values[4];
	bool		isnull[4];

	for (int c = 0; c < 4; c++)
	{
		isnull[c] = PQgetisnull(res, row, c);
		values[c] = PQgetvalue(res, row, c);
	}
	return reply_list_row(values, isnull, out, err);
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

/* --- reading ranges over several connections ---------------------------- */

/*
 * A fetch round trip carries at most this many ranges and bytes; when there
 * is less than that per connection, batches shrink so that every connection
 * gets some, down to FETCH_BATCH_MIN_BYTES.
 */
#define FETCH_BATCH_RANGES 1024
#define FETCH_BATCH_BYTES (8 * 1024 * 1024)
#define FETCH_BATCH_MIN_BYTES (256 * 1024)
/*
 * All connections' round trips in flight together carry at most this much:
 * libpq holds each whole result in memory (twice while it is parsed), so
 * memory stays bounded whatever --jobs is.
 */
#define FETCH_INFLIGHT_BYTES (16 * 1024 * 1024)
/*
 * Hashing returns 32 bytes a range; the limit is what the server reads for
 * one round trip.
 */
#define HASH_BATCH_RANGES 256
#define HASH_BATCH_BYTES (64 * 1024 * 1024)

/* Split ranges into consecutive batches: starts[b] .. starts[b + 1]. */
typedef struct batch_plan {
	size_t	   *starts;			/* nbatches + 1 entries, malloc'd */
	size_t		nbatches;
} batch_plan;

static void
plan_batches(const fetch_range *ranges, size_t n, size_t max_ranges, uint64_t max_bytes,
			 batch_plan *bp)
{
	size_t		cap = 0;
	size_t		i = 0;

	bp->starts = NULL;
	bp->nbatches = 0;
	do
	{
		size_t		count = 0;
		uint64_t	bytes = 0;

		while (i + count < n && count < max_ranges &&
			   (count == 0 || bytes + ranges[i + count].len <= max_bytes))
			bytes += ranges[i + count++].len;
		xgrow((void **) &bp->starts, &cap, bp->nbatches + 2, sizeof(size_t));
		bp->starts[bp->nbatches++] = i;
		i += count;
	} while (i < n);
	bp->starts[bp->nbatches] = n;
}

/* The three array parameters of a range query, as array literals. */
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

/*
 * One query per batch of ranges, answered with one row per range in order:
 * column 0 the 1-based position (int8), column 1 the value (bytea).
 * result() is called for batch 0, 1, 2, ... in that order, from this
 * thread; what is in flight meanwhile is only buffered by libpq.
 */
typedef struct range_query {
	const char *sql;			/* $1 text[] paths, $2 int8[] offsets, $3 int8[] lengths */
	const char *verb;			/* "fetch", "hash": for messages */
	const fetch_range *ranges;
	batch_plan	batches;
	bool		(*result) (void *ctx, pq_source *ps, const PGresult *res,
						   size_t first, size_t count, rw_error *err);
	void	   *ctx;
} range_query;

static void
describe_batch(const range_query *q, size_t b, char *what, size_t size)
{
	size_t		first = q->batches.starts[b];
	size_t		count = q->batches.starts[b + 1] - first;

	if (count == 1)
		snprintf(what, size, "could not %s \"%s\" from the source", q->verb, q->ranges[first].path);
	else
		snprintf(what, size, "could not %s \"%s\" and %zu more ranges from the source",
				 q->verb, q->ranges[first].path, count - 1);
}

static bool
send_batch(PGconn *conn, const range_query *q, size_t b, rw_error *err)
{
	size_t		first = q->batches.starts[b];
	strbuf		paths = {0}, offsets = {0}, lens = {0};
	const char *params[3];
	bool		ok;

	build_batch_params(q->ranges + first, q->batches.starts[b + 1] - first, &paths, &offsets,
					   &lens);
	params[0] = paths.data;
	params[1] = offsets.data;
	params[2] = lens.data;
	/* binary results: bytea arrives as raw bytes, not hex text */
	ok = PQsendQueryParams(conn, q->sql, 3, NULL, params, NULL, NULL, 1) == 1;
	free(paths.data);
	free(offsets.data);
	free(lens.data);
	if (!ok)
	{
		char		what[1200];

		describe_batch(q, b, what, sizeof(what));
		return pq_fail(err, conn, NULL, what);
	}
	return true;
}

/* Take batch b's result from conn and hand it to q->result. */
static bool
finish_batch(pq_source *ps, PGconn *conn, const range_query *q, size_t b, rw_error *err)
{
	size_t		first = q->batches.starts[b];
	size_t		count = q->batches.starts[b + 1] - first;
	PGresult   *res = collect_result(ps, conn, err);
	char		what[1200];
	bool		ok = true;

	if (res == NULL)
		return false;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		describe_batch(q, b, what, sizeof(what));
		ok = pq_fail(err, conn, res, what);
	}
	else if (PQntuples(res) != (int) count || PQnfields(res) != 2)
	{
		describe_batch(q, b, what, sizeof(what));
		ok = expect_shape(res, (int) count, 2, what, err);
	}
	if (ok)
		ok = q->result(q->ctx, ps, res, first, count, err);
	PQclear(res);
	return ok;
}

/* Connection c (0: the main one), opened on first use. */
static PGconn *
job_conn(pq_source *ps, int c, rw_error *err)
{
	pq_source	tmp;

	if (c == 0)
		return ps->conn;
	if (ps->extra[c - 1] != NULL)
		return ps->extra[c - 1];
	tmp = *ps;
	if (!pq_connect(ps->connstr, NULL, ps->timeout_s, &tmp.conn, err))
		return NULL;
	if (!setup_session(&tmp, err))
	{
		ps->stalled = tmp.stalled;
		PQfinish(tmp.conn);
		return NULL;
	}
	ps->extra[c - 1] = tmp.conn;
	return tmp.conn;
}

/*
 * Run q's batches, batch b on connection b % nconns, at most one query in
 * flight per connection: up to nconns round trips overlap, and results are
 * still handed over in order.
 */
static bool
run_range_query(pq_source *ps, range_query *q, rw_error *err)
{
	PGconn	   *conns[SOURCE_MAX_JOBS];
	bool		busy[SOURCE_MAX_JOBS] = {false};
	size_t		nb = q->batches.nbatches;
	int			nconns = ps->jobs < (int) nb ? ps->jobs : (int) nb;
	bool		ok = true;

	for (int c = 0; c < nconns; c++)
	{
		rw_error	conn_err;

		if ((conns[c] = job_conn(ps, c, &conn_err)) != NULL)
			continue;
		/*
		 * Only the extra connections are opened here (the first is the
		 * session's own): a busy source (max_connections, a role's
		 * connection limit) gets fewer of them, not a failed rewind.
		 */
		log_warning("could not open connection %d of %d to the source, continuing with %d: %s",
					c + 1, ps->jobs, c, conn_err.msg);
		ps->jobs = nconns = c;
		break;
	}
	for (int c = 0; ok && c < nconns; c++)
		busy[c] = ok = send_batch(conns[c], q, (size_t) c, err);
	for (size_t b = 0; ok && b < nb; b++)
	{
		int			c = (int) (b % (size_t) nconns);

		ok = wait_conns(ps, conns, busy, nconns, c, err) &&
			finish_batch(ps, conns[c], q, b, err);
		busy[c] = false;
		if (ok && b + (size_t) nconns < nb)
			busy[c] = ok = send_batch(conns[c], q, b + (size_t) nconns, err);
	}
	/*
	 * After a failure the other connections must be idle for the next query;
	 * a silent source would only make that wait again.
	 */
	for (int c = 0; c < nconns && !ps->stalled; c++)
	{
		rw_error	drain_err;

		if (busy[c])
			PQclear(collect_result(ps, conns[c], &drain_err));
	}
	return ok;
}

/* Row `row` of a range query's result must be range number row + 1. */
static bool
check_row_order(const PGresult *res, int row, const fetch_range *r, rw_error *err)
{
	return reply_range_position(PQgetvalue(res, row, 0), PQgetlength(res, row, 0),
								PQgetisnull(res, row, 0), (size_t) row, r->path, err);
}

/*
 * The fetch query.  (Multi-argument unnest is parser sugar for ROWS FROM
 * that works only unqualified, hence the explicit form.)
 */
static const char fetch_sql[] =
	"SELECT r.i, pg_catalog.pg_read_binary_file(r.p, r.o, r.l, true)"
	"  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
	"                  pg_catalog.unnest($2::pg_catalog.int8[]),"
	"                  pg_catalog.unnest($3::pg_catalog.int8[]))"
	"       WITH ORDINALITY AS r(p, o, l, i)"
	" ORDER BY r.i";

typedef struct hash_ctx {
	const fetch_range *ranges;
	source_digest *out;
} hash_ctx;

typedef struct fetch_ctx {
	const fetch_range *ranges;
	fetch_sink	sink;
	void	   *sink_ctx;
} fetch_ctx;

static bool
fetch_result(void *ctx, pq_source *ps, const PGresult *res, size_t first, size_t count,
			 rw_error *err)
{
	fetch_ctx  *fc = ctx;
	bool		ok = true;

	for (int row = 0; ok && row < (int) count; row++)
	{
		const fetch_range *r = &fc->ranges[first + (size_t) row];
		const uint8_t *data;
		size_t		len;
		bool		missing;

		if (!check_row_order(res, row, r, err) ||
			!reply_fetch_value(PQgetvalue(res, row, 1), PQgetlength(res, row, 1),
							   PQgetisnull(res, row, 1), r->len, r->path, &data, &len,
							   &missing, err))
			return false;
		ps->base.bytes_fetched += len;
		ok = fc->sink(fc->sink_ctx, first + (size_t) row, data, len, missing, err);
	}
	return ok;
}

static bool
check_range_lengths(const fetch_range *ranges, size_t n, rw_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (ranges[i].len > FETCH_RANGE_MAX)
			return rw_fail(err, RW_EINTERNAL,
						   "fetch range of %u bytes in \"%s\" exceeds the %d byte limit",
						   (unsigned) ranges[i].len, ranges[i].path, FETCH_RANGE_MAX);
	return true;
}

static bool
pq_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink,
		 void *ctx, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	fetch_ctx	fc = {ranges, sink, ctx};
	range_query q = {fetch_sql, "fetch", ranges, {NULL, 0}, fetch_result, &fc};
	uint64_t	total = 0, per_batch;
	bool		ok;

	if (n == 0)
		return true;
	if (!check_range_lengths(ranges, n, err))
		return false;
	for (size_t i = 0; i < n; i++)
		total += ranges[i].len;
	/* enough batches for every connection, none smaller than needed */
	per_batch = total / (uint64_t) ps->jobs;
	if (per_batch > FETCH_BATCH_BYTES)
		per_batch = FETCH_BATCH_BYTES;
	if (per_batch > FETCH_INFLIGHT_BYTES / (uint64_t) ps->jobs)
		per_batch = FETCH_INFLIGHT_BYTES / (uint64_t) ps->jobs;
	if (per_batch < FETCH_BATCH_MIN_BYTES)
		per_batch = FETCH_BATCH_MIN_BYTES;
	plan_batches(ranges, n, FETCH_BATCH_RANGES, per_batch, &q.batches);
	ok = run_range_query(ps, &q, err);
	free(q.batches.starts);
	return ok;
}

static const char hash_sql[] =
	"SELECT r.i, pg_catalog.sha256(pg_catalog.pg_read_binary_file(r.p, r.o, r.l, true))"
	"  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]),"
	"                  pg_catalog.unnest($2::pg_catalog.int8[]),"
	"                  pg_catalog.unnest($3::pg_catalog.int8[]))"
	"       WITH ORDINALITY AS r(p, o, l, i)"
	" ORDER BY r.i";

static bool
hash_result(void *ctx, pq_source *ps, const PGresult *res, size_t first, size_t count,
			rw_error *err)
{
	hash_ctx   *hc = ctx;

	for (int row = 0; row < (int) count; row++)
	{
		source_digest *d = &hc->out[first + (size_t) row];

		if (!check_row_order(res, row, &hc->ranges[first + (size_t) row], err))
			return false;
		if (!reply_digest_value(PQgetvalue(res, row, 1), PQgetlength(res, row, 1),
								PQgetisnull(res, row, 1), d->sha256, &d->missing, err))
			return false;
		if (d->missing)
			continue;
		ps->base.bytes_fetched += sizeof(d->sha256);
	}
	return true;
}

static bool
pq_hash_ranges(source *s, const fetch_range *ranges, size_t n, source_digest *out,
			   rw_error *err)
{
	pq_source  *ps = (pq_source *) s;
	hash_ctx	hc = {ranges, out};
	range_query q = {hash_sql, "hash", ranges, {NULL, 0}, hash_result, &hc};
	bool		ok;

	if (n == 0)
		return true;
	if (!check_range_lengths(ranges, n, err))
		return false;
	plan_batches(ranges, n, HASH_BATCH_RANGES, HASH_BATCH_BYTES, &q.batches);
	ok = run_range_query(ps, &q, err);
	free(q.batches.starts);
	return ok;
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

/* --- WAL retention and replication slots ------------------------------- */

static void
copy_value(char *dst, size_t size, const PGresult *res, int col)
{
	snprintf(dst, size, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

static bool
pq_wal_retention(source *s, const char *slot, source_wal_retention *out, rw_error *err)
{
	static const char what[] = "could not read what retains the source's WAL";
	static const char sql[] =
		"SELECT sl.slot_type, sl.restart_lsn,"
		"       pg_catalog.current_setting('wal_keep_size'),"
		"       pg_catalog.current_setting('archive_mode'),"
		"       EXISTS (SELECT 1 FROM pg_catalog.pg_settings AS g"
		"                WHERE g.name IN ('archive_command', 'archive_library')"
		"                  AND g.setting <> ''),"
		"       (SELECT r.rolreplication OR r.rolsuper FROM pg_catalog.pg_roles AS r"
		"         WHERE r.rolname = CURRENT_USER)"
		"  FROM (SELECT 1) AS one"
		"  LEFT JOIN pg_catalog.pg_replication_slots AS sl"
		"    ON sl.slot_name OPERATOR(pg_catalog.=) $1::pg_catalog.name";
	pq_source  *ps = (pq_source *) s;
	PGresult   *res = run(ps, sql, 1, &slot, false, what, err);
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (res == NULL)
		return false;
	ok = expect_shape(res, 1, 6, what, err);
	if (ok)
	{
		out->slot_exists = !PQgetisnull(res, 0, 0);
		out->slot_physical = out->slot_exists && strcmp(PQgetvalue(res, 0, 0), "physical") == 0;
		if (!PQgetisnull(res, 0, 1) && !lsn_parse(PQgetvalue(res, 0, 1), &out->slot_restart_lsn))
			ok = rw_fail(err, RW_ESOURCE, "%s: unexpected restart_lsn \"%s\"", what,
						 PQgetvalue(res, 0, 1));
		copy_value(out->wal_keep_size, sizeof(out->wal_keep_size), res, 2);
		copy_value(out->archive_mode, sizeof(out->archive_mode), res, 3);
		out->archive_set = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
		out->can_create_slot = strcmp(PQgetvalue(res, 0, 5), "t") == 0;
	}
	PQclear(res);
	return ok;
}

static bool
pq_ensure_slot(source *s, const char *name, bool *created, rw_error *err)
{
	char		what[160];
	source_wal_retention r;
	PGresult   *res;

	*created = false;
	snprintf(what, sizeof(what), "could not create replication slot \"%s\" on the source", name);
	if (!pq_wal_retention(s, name, &r, err))
		return false;
	if (r.slot_exists && !r.slot_physical)
		return rw_fail(err, RW_ESTATE, "replication slot \"%s\" exists on the source but is not "
					   "a physical slot", name);
	if (r.slot_exists)
		return true;
	/* the session is read-only by default; creating a slot writes no data */
	res = run((pq_source *) s,
			  "SELECT pg_catalog.pg_create_physical_replication_slot($1::pg_catalog.name, true)",
			  1, &name, false, what, err);
	if (res == NULL)
	{
		rw_hint(err, "The source role needs the REPLICATION attribute to create a slot, and the "
				"source max_replication_slots must leave one free.");
		return false;
	}
	PQclear(res);
	*created = true;
	return true;
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
	pq_source	other = *ps;	/* the same source, another database */
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
	if (!pq_connect(ps->connstr, datname, ps->timeout_s, &other.conn, err))
	{
		rw_context(err, "database \"%s\"", datname);
		ok = false;
	}
	else
		ok = setup_session(&other, err) &&
			describe_on(&other, false, relfilenodes, n, out, err);
	ps->stalled = ps->stalled || other.stalled;
	PQfinish(other.conn);
	free(datname);
	return ok;
}

/* Each row of res to row(), text values. */
static bool
catalog_rows(const PGresult *res, int ncols, catalog_row_fn row, void *ctx, rw_error *err)
{
	const char **vals = xcalloc((size_t) ncols, sizeof(char *));
	bool		ok = true;

	for (int r = 0; ok && r < PQntuples(res); r++)
	{
		for (int c = 0; c < ncols; c++)
			vals[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
		ok = row(ctx, vals, ncols, err);
	}
	free(vals);
	return ok;
}

static bool
pq_catalog_query(source *s, uint32_t db_oid, const char *sql, const char *const *params,
				 int nparams, int ncols, catalog_row_fn row, void *ctx, bool *reached,
				 rw_error *err)
{
	static const char what[] = "could not read the catalog of the source";
	pq_source  *ps = (pq_source *) s;
	pq_source	other = *ps;	/* the same source, another database */
	pq_source  *on = ps;
	char	   *datname = NULL;
	PGresult   *res = NULL;
	bool		ok;

	*reached = false;
	if (db_oid != 0)
	{
		if (!other_database(ps, db_oid, &datname, err))
			return false;
		if (datname == NULL)
			return true;
		if (datname[0] != '\0')
		{
			if (!pq_connect(ps->connstr, datname, ps->timeout_s, &other.conn, err))
			{
				rw_context(err, "database \"%s\"", datname);
				free(datname);
				return false;
			}
			on = &other;
		}
	}
	*reached = true;
	ok = (on == ps || setup_session(on, err)) &&
		(res = run(on, sql, nparams, params, false, what, err)) != NULL &&
		expect_shape(res, -1, ncols, what, err) &&
		catalog_rows(res, ncols, row, ctx, err);
	PQclear(res);
	if (on != ps)
	{
		ps->stalled = ps->stalled || other.stalled;
		PQfinish(other.conn);
	}
	free(datname);
	return ok;
}

static void
pq_close(source *s)
{
	pq_source  *ps = (pq_source *) s;

	for (int c = 0; c < SOURCE_MAX_JOBS - 1; c++)
		PQfinish(ps->extra[c]);
	PQfinish(ps->conn);
	free(ps->connstr);
	free(ps);
}

static const source_ops pq_ops = {
	.read_file = pq_read_file,
	.list_files = pq_list_files,
	.fetch = pq_fetch,
	.hash_ranges = pq_hash_ranges,
	.wal_position = pq_wal_position,
	.check_server = pq_check_server,
	.standby_conninfo = pq_standby_conninfo,
	.describe_relations = pq_describe_relations,
	.wal_retention = pq_wal_retention,
	.ensure_slot = pq_ensure_slot,
	.catalog_query = pq_catalog_query,
	.close = pq_close,
};

source *
source_libpq_open(const char *connstr, int jobs, int timeout_s, rw_error *err)
{
	PGconn	   *conn;
	pq_source  *ps;

	if (!pq_connect(connstr, NULL, timeout_s, &conn, err))
		return NULL;
	ps = xcalloc(1, sizeof(pq_source));
	ps->base.ops = &pq_ops;
	ps->conn = conn;
	ps->connstr = xstrdup(connstr);
	ps->jobs = jobs < 1 ? 1 : jobs > SOURCE_MAX_JOBS ? SOURCE_MAX_JOBS : jobs;
	ps->timeout_s = timeout_s;
	snprintf(ps->base.description, sizeof(ps->base.description), "server %s:%s",
			 PQhost(conn), PQport(conn));
	if (!setup_session(ps, err))
	{
		pq_close(&ps->base);
		return NULL;
	}
	return &ps->base;
}

/*
 * A running server reached over libpq as the source: its connections.
 * Opening and closing them, the session every connection gets, the wait
 * for results with the --timeout limit, and the table of operations, whose
 * parts are in the other source_libpq_*.c files (source_libpq_private.h,
 * which only they see).
 */
#include "source/source_libpq_private.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pgver.h"
#include "source/source_conninfo.h"
#include "util/log.h"

/*
 * Fail with "what: <server message>".  The message comes from the result
 * when there is one, else from the connection; trailing newlines go.
 */
bool
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
bool
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

int64_t
pq_now_ms(void)
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
 * While conns[want] has a row to give, it is not read, and the other busy
 * connections are read at most this often.  libpq moves what it holds of
 * a connection unread to the front of its buffer at each read once rows
 * were taken from it: reading conns[want] at every row copied up to a
 * whole batch per row, which cost more than the transfer itself for 8 kB
 * blocks.  The others are read in time for no server to wait long on a
 * full socket, with fewer system calls than at every row.
 */
#define READ_ALL_INTERVAL_MS 10

/*
 * Send what is queued on the busy connections and read what arrives on
 * them until conns[want] has a whole result (or row) to give (PQgetResult
 * will not block), so that no server waits long on a full socket.  What
 * the others have sent is read every READ_ALL_INTERVAL_MS, even when
 * conns[want] is ready at once: while its rows are written, theirs keep
 * coming; conns[want] is read only when it has no whole row.  No byte from
 * any of them for the stall limit fails the wait.
 */
bool
pq_wait_conns(pq_source *ps, PGconn *const *conns, const bool *busy, int nconns, int want,
		   rw_error *err)
{
	struct pollfd fds[SOURCE_MAX_JOBS];
	int			map[SOURCE_MAX_JOBS];
	int64_t		last_byte = pq_now_ms();

	for (;;)
	{
		int			nfds = 0;
		bool		want_unsent = false;
		bool		ready;
		int64_t		now = pq_now_ms();
		int64_t		since_all = now - ps->read_all_ms;
		bool		read_all = since_all >= READ_ALL_INTERVAL_MS || since_all < 0;
		int64_t		left;

		for (int c = 0; c < nconns; c++)
		{
			int			unsent;

			if (!busy[c])
				continue;
			if ((unsent = PQflush(conns[c])) < 0)
				return pq_fail(err, conns[c], NULL, "could not send to the source server");
			want_unsent = want_unsent || (c == want && unsent == 1);
			if (c != want && !read_all && unsent != 1)
				continue;
			fds[nfds].fd = PQsocket(conns[c]);
			fds[nfds].events = (short) (POLLIN | (unsent == 1 ? POLLOUT : 0));
			fds[nfds].revents = 0;
			map[nfds++] = c;
		}
		ready = !want_unsent && !PQisBusy(conns[want]);
		if (ready && !read_all)
			return true;
		left = ready ? 0 : (int64_t) ps->timeout_s * 1000 - (now - last_byte);
		if (!ready && left <= 0)
			return fail_stalled(ps, err);
		/* the others left out of the poll are read when their turn comes */
		if (!read_all && left > READ_ALL_INTERVAL_MS - since_all)
			left = READ_ALL_INTERVAL_MS - since_all;
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
			last_byte = pq_now_ms();
		}
		if (read_all)
			ps->read_all_ms = now;
		if (ready)
			return true;
	}
}

/*
 * The first result of the query sent on conn, the others read and dropped
 * up to the end of the query, so conn can take the next one.  NULL with err
 * set when the source fails or goes silent.
 */
PGresult *
pq_collect_result(pq_source *ps, PGconn *conn, rw_error *err)
{
	const bool	busy = true;
	PGresult   *first = NULL;

	for (;;)
	{
		PGresult   *res;

		if (!pq_wait_conns(ps, &conn, &busy, 1, 0, err))
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
PGresult *
pq_run(pq_source *ps, const char *sql, int nparams, const char *const *params,
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
	if ((res = pq_collect_result(ps, ps->conn, err)) == NULL)
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
bool
pq_expect_shape(const PGresult *res, int rows, int cols, const char *what,
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
	PGresult   *res = pq_run(ps, sql, 0, NULL, false,
						  "could not set up the source session", err);

	PQclear(res);
	return res != NULL;
}

bool
pq_setup_session(pq_source *ps, rw_error *err)
{
	static const char *const common[] = {
		/* first: no later statement may resolve names in a user's schema */
		"SELECT pg_catalog.set_config('search_path', '', false)",
		"SET statement_timeout = 0",
		"SET lock_timeout = 0",
		"SET idle_in_transaction_session_timeout = 0",
		"SET default_transaction_read_only = on",
		/*
		 * The file functions' row estimates make the listing look costly
		 * enough to compile: JIT took 0.35 s of a 0.4 s listing of 3,000
		 * files, and never pays for these queries.
		 */
		"SET jit = off",
	};
	const pg_version_info *ver = pgver_lookup(PQserverVersion(ps->conn) / 10000);

	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		if (!run_command(ps, common[i], err))
			return false;
	/* where the setting does not exist, setting it is an error */
	if (ver && ver->has_transaction_timeout &&
		!run_command(ps, "SET transaction_timeout = 0", err))
		return false;
	return true;
}

void
pq_pace(pq_source *ps, uint64_t bytes)
{
	int64_t		due_ms;
	int64_t		wait_ms;
	struct timespec ts;

	if (ps->max_rate == 0)
		return;
	ps->rate_bytes += bytes;
	due_ms = (int64_t) (ps->rate_bytes * 1000 / ps->max_rate);
	wait_ms = due_ms - (pq_now_ms() - ps->rate_start_ms);
	if (wait_ms <= 0)
		return;
	ts.tv_sec = wait_ms / 1000;
	ts.tv_nsec = (long) (wait_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

static void
pq_close(source *s)
{
	pq_source  *ps = (pq_source *) s;

	for (int c = 0; c < SOURCE_MAX_JOBS - 1; c++)
		PQfinish(ps->extra[c]);
	PQfinish(ps->backup);
	PQfinish(ps->conn);
	free(ps->connstr);
	free(ps);
}

static const source_ops pq_ops = {
	.read_file = pq_read_file,
	.list_files = pq_list_files,
	.fetch = pq_fetch,
	.hash_ranges = pq_hash_ranges,
	.hash_blocks = pq_hash_blocks,
	.wal_position = pq_wal_position,
	.check_server = pq_check_server,
	.standby_conninfo = pq_standby_conninfo,
	.describe_relations = pq_describe_relations,
	.wal_retention = pq_wal_retention,
	.ensure_slot = pq_ensure_slot,
	.catalog_query = pq_catalog_query,
	.backup_start = pq_backup_start,
	.backup_stop = pq_backup_stop,
	.close = pq_close,
};

source *
source_libpq_open(const char *connstr, int jobs, int timeout_s, uint64_t max_rate,
				  rw_error *err)
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
	ps->max_rate = max_rate;
	ps->rate_start_ms = pq_now_ms();
	ps->base.stopped = false;	/* a running server */
	snprintf(ps->base.description, sizeof(ps->base.description), "server %s:%s",
			 PQhost(conn), PQport(conn));
	if (!pq_setup_session(ps, err))
	{
		pq_close(&ps->base);
		return NULL;
	}
	return &ps->base;
}

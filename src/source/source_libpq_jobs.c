/*
 * The extra connections of --jobs, opened together.  Each one is opened
 * and set up exactly as the first (pq_connect, pq_setup_session) on a
 * thread of its own: opened one after another they cost a connection's
 * latency each (TCP, startup, authentication, the session's settings),
 * about 6 ms apiece on loopback and a dozen round trips apiece over a
 * network.  Threads and not PQconnectPoll: libpq ignores connect_timeout
 * there, while a blocking connect honours it per host and address as the
 * first connection did.
 */
#include "source/source_libpq_private.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/log.h"

/* One connection being opened: a copy of the source whose conn it fills. */
typedef struct job_open {
	pq_source	ps;				/* conn: the new connection, or NULL */
	rw_error	err;			/* why not */
	pthread_t	thread;
	bool		threaded;		/* runs on thread, to be joined */
} job_open;

static void *
open_one(void *arg)
{
	job_open   *j = arg;

	if (!pq_connect(j->ps.connstr, NULL, j->ps.timeout_s, &j->ps.conn, &j->err))
		return NULL;
	if (!pq_setup_session(&j->ps, &j->err))
	{
		PQfinish(j->ps.conn);
		j->ps.conn = NULL;
	}
	return NULL;
}

/*
 * Open connections first..last-1 (extra[first-1]..) together; each one
 * opened goes to the next free place in extra.  Returns how many were
 * opened; *err is the first failure's when fewer.
 */
static int
open_together(pq_source *ps, int first, int last, rw_error *err)
{
	int			n = last - first;
	job_open   *jobs = xcalloc((size_t) n, sizeof(job_open));
	int			opened = 0;
	bool		failed = false;

	for (int i = 0; i < n; i++)
	{
		jobs[i].ps = *ps;
		jobs[i].ps.conn = NULL;
		/* the last one on this thread, as any whose thread could not start */
		jobs[i].threaded = i < n - 1 &&
			pthread_create(&jobs[i].thread, NULL, open_one, &jobs[i]) == 0;
	}
	for (int i = n - 1; i >= 0; i--)
		if (!jobs[i].threaded)
			open_one(&jobs[i]);
	for (int i = 0; i < n; i++)
	{
		if (jobs[i].threaded)
			pthread_join(jobs[i].thread, NULL);
		/* a silent source: its connections are as unusable as before */
		ps->stalled = ps->stalled || jobs[i].ps.stalled;
		if (jobs[i].ps.conn != NULL)
			ps->extra[first - 1 + opened++] = jobs[i].ps.conn;
		else if (!failed)
		{
			*err = jobs[i].err;
			failed = true;
		}
	}
	free(jobs);
	return opened;
}

/*
 * Open connections first..last-1, the first of them not open yet; a
 * refusal lowers --jobs to those open, with one warning.
 */
static void
open_missing(pq_source *ps, int first, int last)
{
	int64_t		started = pq_now_ms();
	rw_error	conn_err;
	int			want = last - first;
	int			got = open_together(ps, first, last, &conn_err);

	/*
	 * Connection limits are approximate for sessions that start together
	 * (PostgreSQL's CREATE DATABASE says so; a role's is counted the same
	 * way: each new backend counts the others, those about to be refused
	 * too), so more can be refused than the limit requires.  The rest are
	 * asked for one at a time, as many as the source allows.
	 */
	while (got < want && !ps->stalled &&
		   open_together(ps, first + got, first + got + 1, &conn_err) == 1)
		got++;
	log_debug("opened %d connections to the source in %d ms", got,
			  (int) (pq_now_ms() - started));
	if (got == want)
		return;
	/* only an extra one can fail: the first is the session's own */
	log_warning("could not open connection %d of %d to the source, continuing with %d: %s",
				first + got + 1, ps->jobs, first + got, conn_err.msg);
	ps->jobs = first + got;
}

int
pq_open_jobs(pq_source *ps, int n, PGconn **conns)
{
	int			open = 1;		/* the session's own, then the extras opened so far */

	while (open < n && open < ps->jobs && ps->extra[open - 1] != NULL)
		open++;
	if (open < n && open < ps->jobs)
		open_missing(ps, open, n < ps->jobs ? n : ps->jobs);
	if (n > ps->jobs)
		n = ps->jobs;
	conns[0] = ps->conn;
	for (int c = 1; c < n; c++)
		conns[c] = ps->extra[c - 1];
	return n;
}

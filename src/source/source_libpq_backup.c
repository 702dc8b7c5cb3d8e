/*
 * A base backup of the running source server, for the block compare: it
 * starts before the first comparison and stops after the last copy, on a
 * session of its own that stays open in between (a non-exclusive backup
 * ends with the session that started it).  The functions' names per major
 * are data (pgver.h).
 */
#include "source/source_libpq_private.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"
#include "pgver.h"

/*
 * A temporary physical slot, reserving WAL at once, on the main session
 * before the backup starts: its restart_lsn (the source's last redo point)
 * is at or before the backup's start, so the source keeps the backup's WAL
 * until rewind has fetched it again after the stop.  The main session
 * outlives the backup's; the slot ends with it (the end of the run, or a
 * crash).  A courtesy: without REPLICATION (or a free slot) the run goes
 * on without it, its WAL retained only by the source's settings.
 */
static void
hold_backup_wal(pq_source *ps)
{
	char		name[64];
	const char *param = name;
	rw_error	err;
	PGresult   *res;

	snprintf(name, sizeof(name), "rewind_backup_%d", PQbackendPID(ps->conn));
	res = pq_run(ps, "SELECT pg_catalog.pg_create_physical_replication_slot("
				 "$1::pg_catalog.name, true, true)", 1, &param, false,
				 "could not create a temporary replication slot on the source", &err);
	if (res == NULL)
	{
		log_debug("%s; the WAL of the base backup is not held by a slot", err.msg);
		return;
	}
	PQclear(res);
	log_debug("temporary replication slot \"%s\" holds the source's WAL from the base backup's "
			  "start until the end of the run", name);
}

/* The major's backup functions; the source was checked to be supported. */
static const pg_version_info *
server_version(pq_source *ps, rw_error *err)
{
	const pg_version_info *ver = pgver_lookup(PQserverVersion(ps->conn) / 10000);

	if (ver == NULL)
		rw_fail(err, RW_EUNSUPPORTED, "source server version %d is not supported",
				PQserverVersion(ps->conn));
	return ver;
}

/* Run sql on the backup session (as pq_run does on the main one). */
static PGresult *
run_on_backup(pq_source *ps, const char *sql, const char *const *params, int nparams,
			  const char *what, rw_error *err)
{
	pq_source	tmp = *ps;
	PGresult   *res;

	tmp.conn = ps->backup;
	res = pq_run(&tmp, sql, nparams, params, false, what, err);
	ps->stalled = tmp.stalled;
	return res;
}

bool
pq_backup_start(source *s, const char *label, lsn_t *start, rw_error *err)
{
	static const char what[] = "could not start a base backup on the source";
	pq_source  *ps = (pq_source *) s;
	const pg_version_info *ver = server_version(ps, err);
	pq_source	tmp = *ps;
	PGresult   *res;
	bool		ok;

	if (ver == NULL)
		return false;
	if (ps->backup != NULL)
		return rw_fail(err, RW_EINTERNAL, "a base backup is already in progress on the source");
	if (!pq_connect(ps->connstr, NULL, ps->timeout_s, &tmp.conn, err))
		return false;
	if (!pq_setup_session(&tmp, err))
	{
		ps->stalled = tmp.stalled;
		PQfinish(tmp.conn);
		return false;
	}
	ps->backup = tmp.conn;
	hold_backup_wal(ps);
	res = run_on_backup(ps, ver->backup_start_sql, &label, 1, what, err);
	if (res == NULL)
	{
		rw_hint(err, "The role needs EXECUTE on %s and %s (or to be a superuser); "
				"rewind --check lists what it lacks.", ver->backup_start_fn, ver->backup_stop_fn);
		PQfinish(ps->backup);
		ps->backup = NULL;
		return false;
	}
	ok = pq_expect_shape(res, 1, 1, what, err);
	if (ok && !lsn_parse(PQgetvalue(res, 0, 0), start))
		ok = rw_fail(err, RW_ESOURCE, "%s: unexpected start LSN \"%s\"", what,
					 PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

bool
pq_backup_stop(source *s, source_backup_end *out, rw_error *err)
{
	static const char what[] = "could not stop the base backup on the source";
	pq_source  *ps = (pq_source *) s;
	const pg_version_info *ver = server_version(ps, err);
	PGresult   *res;
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (ver == NULL)
		return false;
	if (ps->backup == NULL)
		return rw_fail(err, RW_EINTERNAL, "no base backup is in progress on the source");
	res = run_on_backup(ps, ver->backup_stop_sql, NULL, 0, what, err);
	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, 1, 3, what, err);
	if (ok && !lsn_parse(PQgetvalue(res, 0, 0), &out->stop_lsn))
		ok = rw_fail(err, RW_ESOURCE, "%s: unexpected stop LSN \"%s\"", what,
					 PQgetvalue(res, 0, 0));
	if (ok)
	{
		out->label = xstrdup(PQgetvalue(res, 0, 1));
		if (!PQgetisnull(res, 0, 2) && PQgetvalue(res, 0, 2)[0] != '\0')
			out->tablespace_map = xstrdup(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	PQfinish(ps->backup);
	ps->backup = NULL;
	return ok;
}

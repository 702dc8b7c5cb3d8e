/*
 * The libpq source's questions to the server and its catalog: where its WAL
 * is, whether it allows a rewind (full_page_writes, the role's
 * privileges), what retains its WAL and the replication slot, and the
 * names of relations by file number.  Statements only read, except the one
 * that creates a slot.
 */
#include "source/source_libpq_private.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgver.h"

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
	PGresult   *res = pq_run(ps,
						  "SELECT w.l, pg_catalog.pg_walfile_name(w.l)"
						  "  FROM pg_catalog.pg_current_wal_insert_lsn() AS w(l)",
						  0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, 1, 2, what, err);
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
	PGresult   *res = pq_run(ps, "SELECT pg_catalog.pg_last_wal_replay_lsn()",
						  0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, 1, 1, what, err);
	out->tli = 0;
	out->lsn = LSN_INVALID;
	if (ok && !PQgetisnull(res, 0, 0) && !lsn_parse(PQgetvalue(res, 0, 0), &out->lsn))
		ok = rw_fail(err, RW_ESOURCE, "%s: unexpected value \"%s\"",
					 what, PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

bool
pq_wal_position(source *s, source_wal_position *out, rw_error *err)
{
	static const char what[] = "could not tell whether the source is in recovery";
	pq_source  *ps = (pq_source *) s;
	PGresult   *res = pq_run(ps, "SELECT pg_catalog.pg_is_in_recovery()",
						  0, NULL, false, what, err);

	if (res == NULL)
		return false;
	if (!pq_expect_shape(res, 1, 1, what, err))
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
	PGresult   *res = pq_run(ps, "SELECT pg_catalog.current_setting('full_page_writes')",
						  0, NULL, false, what, err);
	bool		ok;

	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, 1, 1, what, err);
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

#define N_ALWAYS (int) (sizeof(needed_functions) / sizeof(needed_functions[0]))
#define N_NEEDED (N_ALWAYS + 2)	/* and a base backup's start and stop */

/* Fail naming role and the functions it lacks, with the GRANTs as hint. */
static bool
fail_privileges(pq_source *ps, const char *role, const char *const *needed, int n,
				const bool *granted, rw_error *err)
{
	char	   *quoted = PQescapeIdentifier(ps->conn, role, strlen(role));
	strbuf		list = {0}, grants = {0};

	for (int i = 0; i < n; i++)
	{
		if (granted[i])
			continue;
		sb_puts(&list, list.len > 0 ? ", " : "");
		sb_puts(&list, needed[i]);
		sb_puts(&grants, "\n  GRANT EXECUTE ON FUNCTION ");
		sb_puts(&grants, needed[i]);
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
check_privileges(pq_source *ps, bool base_backup, rw_error *err)
{
	static const char what[] = "could not check the privileges of the source role";
	const pg_version_info *ver = pgver_lookup(PQserverVersion(ps->conn) / 10000);
	const char *needed[N_NEEDED];
	int			n = N_ALWAYS;
	strbuf		sql = {0};
	PGresult   *res;
	bool		granted[N_NEEDED];
	bool		all = true;
	bool		ok;

	memcpy(needed, needed_functions, sizeof(needed_functions));
	if (base_backup && ver != NULL)
	{
		needed[n++] = ver->backup_start_fn;
		needed[n++] = ver->backup_stop_fn;
	}
	sb_puts(&sql, "SELECT CURRENT_USER");
	for (int i = 0; i < n; i++)
	{
		char		col[96];

		snprintf(col, sizeof(col),
				 ", pg_catalog.has_function_privilege($%d::pg_catalog.text, 'EXECUTE')", i + 1);
		sb_puts(&sql, col);
	}
	res = pq_run(ps, sql.data, n, needed, false, what, err);
	free(sql.data);
	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, 1, n + 1, what, err);
	for (int i = 0; ok && i < n; i++)
	{
		granted[i] = strcmp(PQgetvalue(res, 0, i + 1), "t") == 0;
		all = all && granted[i];
	}
	if (ok && !all)
		ok = fail_privileges(ps, PQgetvalue(res, 0, 0), needed, n, granted, err);
	PQclear(res);
	return ok;
}

bool
pq_check_server(source *s, bool base_backup, rw_error *err)
{
	pq_source  *ps = (pq_source *) s;

	return check_full_page_writes(ps, err) && check_privileges(ps, base_backup, err);
}

/* --- WAL retention and replication slots ------------------------------- */

static void
copy_value(char *dst, size_t size, const PGresult *res, int col)
{
	snprintf(dst, size, "%s", PQgetisnull(res, 0, col) ? "" : PQgetvalue(res, 0, col));
}

bool
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
	PGresult   *res = pq_run(ps, sql, 1, &slot, false, what, err);
	bool		ok;

	memset(out, 0, sizeof(*out));
	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, 1, 6, what, err);
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

bool
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
	res = pq_run((pq_source *) s,
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

/* --- relation names ------------------------------------------------------ */

/*
 * Relations by file number, mapped catalogs included, with the table an
 * index or a TOAST table or TOAST index belongs to.  A file number is
 * looked up through an index, by pg_filenode_relation in each tablespace
 * (it reads the relation maps for mapped catalogs); pg_class has no index
 * on reltoastrelid, so the table owning a TOAST relation is searched for
 * a TOAST relation only.  Matching the file number against every pg_class
 * row, and searching pg_class for the owner of every relation, took
 * 0.19-0.35 s on a catalog of 200,000 relations.
 */
static const char describe_sql[] =
	"SELECT f.rf, c.relkind, n.nspname, c.relname, own_n.nspname,"
	"       COALESCE(toast_owner.relname, it.relname), toast_owner.relname IS NOT NULL"
	"  FROM pg_catalog.unnest($1::pg_catalog.oid[]) AS f(rf)"
	"  CROSS JOIN LATERAL (SELECT m.r FROM pg_catalog.pg_tablespace AS t,"
	"                        LATERAL pg_catalog.pg_filenode_relation(t.oid, f.rf) AS m(r)"
	"                       WHERE m.r IS NOT NULL"
	"                         AND (t.spcname = 'pg_global') = $2::pg_catalog.bool"
	"                       LIMIT 1) AS fr"
	"  JOIN pg_catalog.pg_class AS c ON c.oid = fr.r"
	"  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
	"  LEFT JOIN pg_catalog.pg_index AS i ON i.indexrelid = c.oid"
	"  LEFT JOIN pg_catalog.pg_class AS it ON it.oid = i.indrelid"
	"  LEFT JOIN LATERAL (SELECT x.relname, x.relnamespace FROM pg_catalog.pg_class AS x"
	"                      WHERE x.reltoastrelid = COALESCE(i.indrelid, c.oid)"
	"                        AND 't' IN (c.relkind, it.relkind)"
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
	res = pq_run(ps, describe_sql, 2, params, false, what, err);
	free(arr.data);
	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, -1, 7, what, err);
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
	res = pq_run(ps, "SELECT d.datname, d.datallowconn, d.datname = pg_catalog.current_database()"
			  "  FROM pg_catalog.pg_database AS d WHERE d.oid = $1::pg_catalog.oid",
			  1, &param, false, what, err);
	if (res == NULL)
		return false;
	ok = pq_expect_shape(res, -1, 3, what, err);
	*datname = NULL;
	if (ok && PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		*datname = xstrdup(strcmp(PQgetvalue(res, 0, 2), "t") == 0 ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

bool
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
		ok = pq_setup_session(&other, err) &&
			describe_on(&other, false, relfilenodes, n, out, err);
	ps->stalled = ps->stalled || other.stalled;
	PQfinish(other.conn);
	free(datname);
	return ok;
}

/* --- catalog queries (--salvage) ----------------------------------------- */

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

bool
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
	ok = (on == ps || pq_setup_session(on, err)) &&
		(res = pq_run(on, sql, nparams, params, false, what, err)) != NULL &&
		pq_expect_shape(res, -1, ncols, what, err) &&
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

/*
 * DIR/manifest.json (what each file holds, for people and programs) and
 * DIR/restore.sql (a psql script that loads every decoded file into schema
 * rewind_salvage of the new primary, next to the tables they came from).
 */
#include "salvage/salvage.h"

#include <limits.h>
#include <string.h>

#include "lsn.h"
#include "report/report.h"
#include "salvage/salvage_dir.h"

static void
json_xids(json_writer *w, const ledger *l, const uint32_t *xids, size_t n)
{
	char		when[64];

	json_begin_array(w);
	for (size_t i = 0; i < n; i++)
	{
		const ledger_xact *x = ledger_committed_xact(l, xids[i]);
		char		lsn[32];

		json_begin_object(w);
		json_kv_uint(w, "xid", xids[i]);
		report_format_pg_time(x->time, when, sizeof(when));
		json_kv_string(w, "commit_time", when);
		snprintf(lsn, sizeof(lsn), LSN_FMT, LSN_ARGS(x->lsn));
		json_kv_string(w, "commit_lsn", lsn);
		json_kv_bool(w, "prepared", x->two_phase);
		json_end_object(w);
	}
	json_end_array(w);
}

static void
json_ctids(json_writer *w, const char *key, const salvage_ctids *c)
{
	char		ctid[32];

	json_key(w, key);
	json_begin_object(w);
	json_kv_uint(w, "count", c->count);
	json_key(w, "ctids");
	json_begin_array(w);
	for (size_t i = 0; i < c->n; i++)
	{
		snprintf(ctid, sizeof(ctid), "(%u,%u)", (unsigned) c->ctids[i].block,
				 (unsigned) c->ctids[i].offset);
		json_string(w, ctid);
	}
	json_end_array(w);
	json_end_object(w);
}

static void
json_table(json_writer *w, const salvage_input *in, const salvage_table *t)
{
	static const char *const kinds[2] = {"written", "removed"};
	char		file[PATH_MAX];

	json_begin_object(w);
	json_kv_string(w, "database", t->datname[0] ? t->datname : NULL);
	json_kv_string(w, "schema", t->schema[0] ? t->schema : NULL);
	json_kv_string(w, "table", t->name[0] ? t->name : NULL);
	json_kv_uint(w, "database_oid", t->loc.db);
	json_kv_uint(w, "tablespace_oid", t->loc.spc);
	json_kv_uint(w, "relfilenode", t->loc.rel);
	json_kv_bool(w, "decoded", t->raw_reason == NULL);
	json_kv_string(w, "raw_reason", t->raw_reason);
	json_key(w, "columns");
	json_begin_array(w);
	for (size_t i = 0; i < t->ncolumns; i++)
	{
		json_begin_object(w);
		json_kv_string(w, "name", t->columns[i]);
		json_kv_string(w, "type", t->types[i]);
		json_end_object(w);
	}
	json_end_array(w);
	json_key(w, "files");
	json_begin_object(w);
	for (int k = 0; k < 2; k++)
	{
		json_key(w, kinds[k]);
		if (t->rows[k] == 0)
		{
			json_null(w);
			continue;
		}
		salvage_file_name(t, (salvage_kind) k, file, sizeof(file));
		json_begin_object(w);
		json_kv_string(w, "file", file);
		json_kv_uint(w, "rows", t->rows[k]);
		json_key(w, "xids");
		json_xids(w, in->ledger, t->xids[k], t->nxids[k]);
		json_end_object(w);
	}
	json_end_object(w);
	json_key(w, "undecoded_columns");
	json_begin_array(w);
	for (size_t i = 0; i < t->nnotes; i++)
	{
		json_begin_object(w);
		json_kv_string(w, "column", t->notes[i].column);
		json_kv_string(w, "why", t->notes[i].why);
		json_kv_uint(w, "values", t->notes[i].rows);
		json_end_object(w);
	}
	json_end_array(w);
	json_ctids(w, "not_saved_multixact_xmax", &t->uncertain);
	json_ctids(w, "not_saved_unreadable", &t->unreadable);
	json_ctids(w, "not_saved_pruned", &t->pruned);
	json_ctids(w, "not_saved_zstd_page_image", &t->zstd_image);
	json_end_object(w);
}

bool
salvage_write_manifest(const salvage_input *in, const salvage_result *res, rw_error *err)
{
	char		path[PATH_MAX];
	char		lsn[32];
	json_writer w;
	FILE	   *f;

	if (!salvage_path(path, sizeof(path), in->dir, "manifest.json", err))
		return false;
	if ((f = salvage_file_create(path, err)) == NULL)
		return false;
	snprintf(lsn, sizeof(lsn), LSN_FMT, LSN_ARGS(ledger_get(in->ledger)->diverge));
	json_init(&w, f);
	json_begin_object(&w);
	json_kv_uint(&w, "format", 1);
	json_kv_string(&w, "divergence_lsn", lsn);
	json_kv_string(&w, "csv", "COPY ... (FORMAT csv, HEADER true)");
	json_key(&w, "tables");
	json_begin_array(&w);
	for (size_t i = 0; i < res->n; i++)
		json_table(&w, in, &res->tables[i]);
	json_end_array(&w);
	json_end_object(&w);
	fputc('\n', f);
	return salvage_file_finish(f, path, err);
}


/* A psql argument in single quotes (psql also reads backslash escapes there). */
static void
put_psql_arg(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
	{
		if (*s == '\'' || *s == '\\')
			fputc(*s, f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* The quoted characters of s inside a double-quoted identifier. */
static void
put_ident_part(FILE *f, const char *s)
{
	for (; *s; s++)
	{
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
}

/* An SQL identifier in double quotes. */
static void
put_ident(FILE *f, const char *s)
{
	fputc('"', f);
	put_ident_part(f, s);
	fputc('"', f);
}

/* rewind_salvage."<schema>.<table>.<kind>" ("<base>.<kind>" for raw files). */
static void
put_salvage_table(FILE *f, const salvage_table *t, const char *kind)
{
	fputs("rewind_salvage.\"", f);
	if (t->schema[0])
	{
		put_ident_part(f, t->schema);
		fputc('.', f);
		put_ident_part(f, t->name);
	}
	else
		put_ident_part(f, t->base);
	fputc('.', f);
	put_ident_part(f, kind);
	fputc('"', f);
}

static void
restore_table(FILE *f, const salvage_table *t)
{
	static const char *const kinds[2] = {"written", "removed"};
	char		file[PATH_MAX];

	for (int k = 0; k < 2; k++)
	{
		if (t->rows[k] == 0)
			continue;
		fputs("CREATE TABLE ", f);
		put_salvage_table(f, t, kinds[k]);
		if (t->raw_reason)
			fputs(" (row_ctid pg_catalog.tid, row_xmin pg_catalog.xid, row_xmax pg_catalog.xid, "
				  "tuple pg_catalog.bytea);\n", f);
		else
		{
			fputs(" (LIKE ", f);
			put_ident(f, t->schema);
			fputc('.', f);
			put_ident(f, t->name);
			fputs(");\n", f);
		}
		fputs("\\copy ", f);
		put_salvage_table(f, t, kinds[k]);
		fputs(" FROM ", f);
		salvage_file_name(t, (salvage_kind) k, file, sizeof(file));
		put_psql_arg(f, file);
		fputs(" WITH (FORMAT csv, HEADER true)\n", f);
	}
}

bool
salvage_write_restore(const salvage_input *in, const salvage_result *res, rw_error *err)
{
	char		path[PATH_MAX];
	FILE	   *f;
	const char *db = NULL;

	if (!salvage_path(path, sizeof(path), in->dir, "restore.sql", err))
		return false;
	if ((f = salvage_file_create(path, err)) == NULL)
		return false;
	fputs("-- The rows the old primary lost, saved by rewind --salvage (see manifest.json).\n"
		  "-- Review, then run from this directory against the new primary:\n"
		  "--     psql -X -f restore.sql\n"
		  "-- Each database gets a schema rewind_salvage with one table per file, LIKE\n"
		  "-- the table the rows came from (raw files: row_ctid, row_xmin, row_xmax, tuple).\n"
		  "\\set ON_ERROR_STOP on\n", f);
	for (size_t i = 0; i < res->n; i++)
	{
		const salvage_table *t = &res->tables[i];

		if (t->rows[0] + t->rows[1] == 0)
			continue;
		if (!t->datname[0])
		{
			fprintf(f, "-- database %u is not known by name: its files are not loaded here\n",
					(unsigned) t->loc.db);
			continue;
		}
		if (db == NULL || strcmp(db, t->datname) != 0)
		{
			db = t->datname;
			fputs("\n\\connect ", f);
			put_psql_arg(f, db);
			fputs("\nCREATE SCHEMA IF NOT EXISTS rewind_salvage;\n", f);
		}
		restore_table(f, t);
	}
	return salvage_file_finish(f, path, err);
}

/*
 * The source's catalog for the salvage (salvage_catalog.h): database name,
 * table columns, types and enum labels, by read-only queries through the
 * source's catalog_query operation.  Asks the source; writes nothing.
 */
#include "salvage/salvage_catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

typedef struct enum_label {
	uint32_t	oid;
	char	   *label;
} enum_label;

/* A composite type's columns, loaded when the decoder first asks. */
typedef struct composite {
	uint32_t	relid;
	datum_attr *attrs;			/* NULL: could not be read */
	size_t		n;
} composite;

struct salvage_catalog {
	source	   *src;
	uint32_t	db_oid;
	char		datname[DATUM_NAME_LEN];
	datum_type *types;			/* sorted by oid */
	size_t		ntypes;
	enum_label *enums;			/* sorted by oid */
	size_t		nenums;
	composite  *comps;
	size_t		ncomps, capcomps;
};

static const char types_sql[] =
	"SELECT t.oid, t.typname, t.typlen, t.typbyval, t.typalign, t.typtype, t.typcategory,"
	"       t.typdelim, t.typelem, t.typbasetype, t.typrelid"
	"  FROM pg_catalog.pg_type AS t ORDER BY t.oid";

static const char enums_sql[] =
	"SELECT e.oid, e.enumlabel FROM pg_catalog.pg_enum AS e ORDER BY e.oid";

static const char datname_sql[] =
	"SELECT d.datname FROM pg_catalog.pg_database AS d WHERE d.oid = $1::pg_catalog.oid";

static const char table_sql[] =
	"SELECT c.oid, c.relkind, n.nspname, c.relname,"
	"       COALESCE(pg_catalog.pg_relation_filenode(NULLIF(c.reltoastrelid, 0)), 0)"
	"  FROM pg_catalog.pg_class AS c"
	"  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
	" WHERE pg_catalog.pg_relation_filenode(c.oid) = $1::pg_catalog.oid"
	"   AND c.relkind IN ('r', 'm', 't', 'S')";

/* attmissingval as text: a one-element array literal of the column's type */
static const char columns_sql[] =
	"SELECT a.attname, a.atttypid, a.attlen, a.attbyval, a.attalign, a.attisdropped,"
	"       a.atttypmod, a.atthasmissing, pg_catalog.format_type(a.atttypid, a.atttypmod),"
	"       CASE WHEN a.atthasmissing THEN a.attmissingval::pg_catalog.text END"
	"  FROM pg_catalog.pg_attribute AS a"
	" WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0 ORDER BY a.attnum";

static const char pg_attribute_sql[] =
	"SELECT pg_catalog.pg_relation_filenode('pg_catalog.pg_attribute'::pg_catalog.regclass)";

static uint32_t
to_u32(const char *s)
{
	return s ? (uint32_t) strtoul(s, NULL, 10) : 0;
}

static bool
to_bool(const char *s)
{
	return s && s[0] == 't';
}

static void
copy_name(char *dst, const char *s)
{
	snprintf(dst, DATUM_NAME_LEN, "%s", s ? s : "");
}

static bool
type_row(void *ctx, const char *const *v, int ncols, rw_error *err)
{
	salvage_catalog *cat = ctx;
	size_t		cap = cat->ntypes;
	datum_type *t;

	(void) ncols;
	(void) err;
	cat->types = xrealloc(cat->types, (cap + 1) * sizeof(datum_type));
	t = &cat->types[cat->ntypes++];
	memset(t, 0, sizeof(*t));
	t->oid = to_u32(v[0]);
	copy_name(t->name, v[1]);
	t->len = (int16_t) atoi(v[2]);
	t->byval = to_bool(v[3]);
	t->align = v[4][0];
	t->kind = v[5][0];
	t->category = v[6][0];
	t->delim = v[7][0];
	t->elem = to_u32(v[8]);
	t->basetype = to_u32(v[9]);
	t->relid = to_u32(v[10]);
	return true;
}

static bool
enum_row(void *ctx, const char *const *v, int ncols, rw_error *err)
{
	salvage_catalog *cat = ctx;

	(void) ncols;
	(void) err;
	cat->enums = xrealloc(cat->enums, (cat->nenums + 1) * sizeof(enum_label));
	cat->enums[cat->nenums].oid = to_u32(v[0]);
	cat->enums[cat->nenums].label = xstrdup(v[1]);
	cat->nenums++;
	return true;
}

static bool
datname_row(void *ctx, const char *const *v, int ncols, rw_error *err)
{
	(void) ncols;
	(void) err;
	copy_name(ctx, v[0]);
	return true;
}

/* A query in cat's database; fails when the database vanished meanwhile. */
static bool
query(salvage_catalog *cat, const char *sql, const char *param, int ncols,
	  catalog_row_fn row, void *ctx, rw_error *err)
{
	bool		reached;

	if (!cat->src->ops->catalog_query(cat->src, cat->db_oid, sql, &param, param ? 1 : 0,
									  ncols, row, ctx, &reached, err))
		return false;
	if (!reached)
		return rw_fail(err, RW_ESOURCE, "database %u of the source can no longer be "
					   "connected to", (unsigned) cat->db_oid);
	return true;
}

bool
salvage_catalog_load(source *src, uint32_t db_oid, salvage_catalog **out, rw_error *err)
{
	salvage_catalog *cat;
	char		oid[16];
	const char *param = oid;
	bool		reached;

	*out = NULL;
	if (!source_offers(src, SOURCE_QUERIES_CATALOG))
		return true;
	cat = xcalloc(1, sizeof(*cat));
	cat->src = src;
	cat->db_oid = db_oid;
	snprintf(oid, sizeof(oid), "%u", (unsigned) db_oid);
	if (!src->ops->catalog_query(src, 0, datname_sql, &param, 1, 1, datname_row, cat->datname,
								 &reached, err) ||
		!src->ops->catalog_query(src, db_oid, types_sql, NULL, 0, 11, type_row, cat,
								 &reached, err))
	{
		salvage_catalog_free(cat);
		return false;
	}
	if (!reached || cat->datname[0] == '\0')
	{
		salvage_catalog_free(cat);
		return true;
	}
	if (!query(cat, enums_sql, NULL, 2, enum_row, cat, err))
	{
		salvage_catalog_free(cat);
		return false;
	}
	*out = cat;
	return true;
}

void
salvage_catalog_free(salvage_catalog *cat)
{
	if (cat == NULL)
		return;
	for (size_t i = 0; i < cat->nenums; i++)
		free(cat->enums[i].label);
	for (size_t i = 0; i < cat->ncomps; i++)
		free(cat->comps[i].attrs);
	free(cat->enums);
	free(cat->types);
	free(cat->comps);
	free(cat);
}

const char *
salvage_catalog_datname(const salvage_catalog *cat)
{
	return cat->datname;
}

/* --- columns ---------------------------------------------------------------- */

typedef struct column_rows {
	datum_attr *attrs;
	char	  **type_names;		/* NULL: not wanted */
	char	  **missing;		/* with type_names */
	size_t		n;
	bool		has_missing;
	bool		missing_unknown;
} column_rows;

/*
 * The one element of an array literal as array_out writes it ("{42}",
 * "{\"a, b\"}"), malloc'd; NULL when it is not one element (or is NULL).
 */
static char *
missing_value(const char *lit)
{
	size_t		len = lit ? strlen(lit) : 0;
	char	   *out;
	size_t		n = 0;
	const char *p;

	if (len < 2 || lit[0] != '{' || lit[len - 1] != '}')
		return NULL;
	if (lit[1] != '"')
	{
		/* unquoted (one element, so no delimiter to look for): no quote,
		 * brace or backslash inside */
		if (len == 2 || strpbrk(lit + 1, "\"\\{") != NULL ||
			memchr(lit + 1, '}', len - 2) != NULL ||
			(len - 2 == 4 && strncmp(lit + 1, "NULL", 4) == 0))
			return NULL;
		out = xmalloc(len - 1);
		memcpy(out, lit + 1, len - 2);
		out[len - 2] = '\0';
		return out;
	}
	out = xmalloc(len);
	for (p = lit + 2; *p != '\0' && *p != '"'; p++)
	{
		if (*p == '\\' && p[1] != '\0')
			p++;
		out[n++] = *p;
	}
	if (*p != '"' || strcmp(p, "\"}") != 0)
	{
		free(out);
		return NULL;
	}
	out[n] = '\0';
	return out;
}

static bool
column_row(void *ctx, const char *const *v, int ncols, rw_error *err)
{
	column_rows *c = ctx;
	datum_attr *a;

	(void) ncols;
	(void) err;
	c->attrs = xrealloc(c->attrs, (c->n + 1) * sizeof(datum_attr));
	a = &c->attrs[c->n];
	memset(a, 0, sizeof(*a));
	copy_name(a->name, v[0]);
	a->typid = to_u32(v[1]);
	a->len = (int16_t) atoi(v[2]);
	a->byval = to_bool(v[3]);
	a->align = v[4][0];
	a->dropped = to_bool(v[5]);
	a->typmod = atoi(v[6]);
	c->has_missing = c->has_missing || to_bool(v[7]);
	if (c->type_names)
	{
		char	   *missing = to_bool(v[7]) ? missing_value(v[9]) : NULL;

		c->type_names = xrealloc(c->type_names, (c->n + 1) * sizeof(char *));
		c->type_names[c->n] = xstrdup(v[8] ? v[8] : "");
		c->missing = xrealloc(c->missing, (c->n + 1) * sizeof(char *));
		c->missing[c->n] = missing;
		c->missing_unknown = c->missing_unknown || (to_bool(v[7]) && missing == NULL);
	}
	c->n++;
	return true;
}

static bool
table_row(void *ctx, const char *const *v, int ncols, rw_error *err)
{
	salvage_table_def *d = ctx;

	(void) ncols;
	(void) err;
	/* a table wins over its TOAST table or a sequence of the same number */
	if (d->found && d->kind == 'r')
		return true;
	d->found = true;
	d->oid = to_u32(v[0]);
	d->kind = v[1][0];
	copy_name(d->schema, v[2]);
	copy_name(d->name, v[3]);
	d->toast_relfilenode = to_u32(v[4]);
	return true;
}

bool
salvage_table_describe(salvage_catalog *cat, uint32_t relfilenode, salvage_table_def *out,
					   rw_error *err)
{
	char		num[16];
	column_rows cols = {.type_names = xcalloc(1, sizeof(char *))};
	bool		ok;

	memset(out, 0, sizeof(*out));
	snprintf(num, sizeof(num), "%u", (unsigned) relfilenode);
	if (!query(cat, table_sql, num, 5, table_row, out, err))
	{
		free(cols.type_names);
		return false;
	}
	if (!out->found)
	{
		free(cols.type_names);
		return true;
	}
	snprintf(num, sizeof(num), "%u", (unsigned) out->oid);
	ok = query(cat, columns_sql, num, 10, column_row, &cols, err);
	out->attrs = cols.attrs;
	out->type_names = cols.type_names;
	out->missing_text = cols.missing;
	out->natts = cols.n;
	out->missing_unknown = cols.missing_unknown;
	if (!ok)
		salvage_table_def_free(out);
	return ok;
}

void
salvage_table_def_free(salvage_table_def *def)
{
	for (size_t i = 0; def->type_names && i < def->natts; i++)
		free(def->type_names[i]);
	for (size_t i = 0; def->missing_text && i < def->natts; i++)
		free(def->missing_text[i]);
	free(def->type_names);
	free(def->missing_text);
	free(def->attrs);
	memset(def, 0, sizeof(*def));
}

static bool
u32_row(void *ctx, const char *const *v, int ncols, rw_error *err)
{
	(void) ncols;
	(void) err;
	*(uint32_t *) ctx = to_u32(v[0]);
	return true;
}

bool
salvage_pg_attribute_file(salvage_catalog *cat, uint32_t *relfilenode, rw_error *err)
{
	*relfilenode = 0;
	return query(cat, pg_attribute_sql, NULL, 1, u32_row, relfilenode, err);
}

/* --- the decoder's environment ---------------------------------------------- */

static int
cmp_type(const void *key, const void *elem)
{
	uint32_t	a = *(const uint32_t *) key,
				b = ((const datum_type *) elem)->oid;

	return a < b ? -1 : a > b;
}

static int
cmp_enum(const void *key, const void *elem)
{
	uint32_t	a = *(const uint32_t *) key,
				b = ((const enum_label *) elem)->oid;

	return a < b ? -1 : a > b;
}

const datum_type *
salvage_catalog_type(salvage_catalog *cat, uint32_t typid)
{
	return cat->ntypes == 0 ? NULL :
		bsearch(&typid, cat->types, cat->ntypes, sizeof(datum_type), cmp_type);
}

const char *
salvage_catalog_enum_label(salvage_catalog *cat, uint32_t oid)
{
	const enum_label *e = cat->nenums == 0 ? NULL :
		bsearch(&oid, cat->enums, cat->nenums, sizeof(enum_label), cmp_enum);

	return e ? e->label : NULL;
}

/* Loaded on first use; a failure to read them leaves the value undecoded. */
const datum_attr *
salvage_catalog_composite(salvage_catalog *cat, uint32_t relid, size_t *n)
{
	column_rows cols = {0};
	char		num[16];
	rw_error	err;
	composite  *c;

	for (size_t i = 0; i < cat->ncomps; i++)
		if (cat->comps[i].relid == relid)
		{
			*n = cat->comps[i].n;
			return cat->comps[i].attrs;
		}
	snprintf(num, sizeof(num), "%u", (unsigned) relid);
	rw_error_clear(&err);
	if (!query(cat, columns_sql, num, 10, column_row, &cols, &err) || cols.has_missing)
	{
		free(cols.attrs);
		cols.attrs = NULL;
		cols.n = 0;
	}
	xgrow((void **) &cat->comps, &cat->capcomps, cat->ncomps + 1, sizeof(composite));
	c = &cat->comps[cat->ncomps++];
	c->relid = relid;
	c->attrs = cols.attrs;
	c->n = cols.n;
	*n = c->n;
	return c->attrs;
}

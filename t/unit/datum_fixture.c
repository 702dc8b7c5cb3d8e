/*
 * Loader of t/fixtures/datum/pgNN.txt (datum_fixture.h): tuples, their
 * columns' bytes and text, catalog rows and TOAST chunks that PostgreSQL
 * itself produced, for the value decoder's unit tests.  Reads the fixture.
 */
#include "datum_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "xalloc.h"

#define GROW(arr, n, cap) xgrow((void **) &(arr), &(cap), (n) + 1, sizeof(*(arr)))

static int
nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "x<hex>" to bytes (a NUL is added after them); "N" to NULL. */
static bool
parse_bytes(const char *s, fx_bytes *out)
{
	size_t		n;

	out->data = NULL;
	out->len = 0;
	if (strcmp(s, "N") == 0)
		return true;
	if (s[0] != 'x' || (strlen(s + 1) % 2) != 0)
		return false;
	n = strlen(s + 1) / 2;
	out->data = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
	{
		int			hi = nibble(s[1 + 2 * i]),
					lo = nibble(s[2 + 2 * i]);

		if (hi < 0 || lo < 0)
			return false;
		out->data[i] = (uint8_t) (hi << 4 | lo);
	}
	out->data[n] = 0;
	out->len = n;
	return true;
}

static bool
parse_attr(char **tok, int ntok, int first, datum_attr *a)
{
	int			byval,
				dropped,
				len;

	if (ntok < first + 7)
		return false;
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", tok[first]);
	a->typid = (uint32_t) strtoul(tok[first + 1], NULL, 10);
	len = atoi(tok[first + 2]);
	a->len = (int16_t) len;
	byval = atoi(tok[first + 3]);
	a->byval = byval != 0;
	a->align = tok[first + 4][0];
	dropped = atoi(tok[first + 5]);
	a->dropped = dropped != 0;
	a->typmod = atoi(tok[first + 6]);
	return true;
}

static int
split_line(char *line, char **tok, int max)
{
	int			n = 0;

	for (char *s = strtok(line, " \n"); s && n < max; s = strtok(NULL, " \n"))
		tok[n++] = s;
	return n;
}

static bool
load_line(datum_fixture *f, char **tok, int ntok, size_t *caps)
{
	const char *what = tok[0];
	fx_table   *t = f->ntables ? &f->tables[f->ntables - 1] : NULL;
	fx_row	   *r = (t && t->nrows) ? &t->rows[t->nrows - 1] : NULL;
	fx_bytes	b;

	if (strcmp(what, "type") == 0 && ntok == 12)
	{
		datum_type *ty;

		GROW(f->types, f->ntypes, caps[0]);
		ty = &f->types[f->ntypes++];
		memset(ty, 0, sizeof(*ty));
		ty->oid = (uint32_t) strtoul(tok[1], NULL, 10);
		snprintf(ty->name, sizeof(ty->name), "%s", tok[2]);
		ty->len = (int16_t) atoi(tok[3]);
		ty->byval = atoi(tok[4]) != 0;
		ty->align = tok[5][0];
		ty->kind = tok[6][0];
		ty->category = tok[7][0];
		if (!parse_bytes(tok[8], &b) || b.len != 1)
			return false;
		ty->delim = (char) b.data[0];
		free(b.data);
		ty->elem = (uint32_t) strtoul(tok[9], NULL, 10);
		ty->basetype = (uint32_t) strtoul(tok[10], NULL, 10);
		ty->relid = (uint32_t) strtoul(tok[11], NULL, 10);
		return true;
	}
	if (strcmp(what, "lz4") == 0 && ntok == 2)
	{
		f->lz4 = strcmp(tok[1], "1") == 0;
		return true;
	}
	if (strcmp(what, "enum") == 0 && ntok == 3)
	{
		GROW(f->enums, f->nenums, caps[1]);
		if (!parse_bytes(tok[2], &b))
			return false;
		f->enums[f->nenums].oid = (uint32_t) strtoul(tok[1], NULL, 10);
		f->enums[f->nenums++].label = (char *) b.data;
		return true;
	}
	if (strcmp(what, "cattr") == 0)
	{
		GROW(f->cattrs, f->ncattrs, caps[2]);
		GROW(f->cattr_relids, f->ncattrs, caps[7]);
		f->cattr_relids[f->ncattrs] = (uint32_t) strtoul(tok[1], NULL, 10);
		return parse_attr(tok, ntok, 2, &f->cattrs[f->ncattrs++]);
	}
	if (strcmp(what, "table") == 0 && ntok == 2)
	{
		GROW(f->tables, f->ntables, caps[3]);
		t = &f->tables[f->ntables++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", tok[1]);
		caps[4] = caps[5] = 0;
		return true;
	}
	if (strcmp(what, "attr") == 0 && t && ntok == 9)
	{
		datum_attr *a;

		GROW(t->attrs, t->natts, caps[4]);
		a = &t->attrs[t->natts++];
		if (!parse_attr(tok, ntok, 1, a) || !parse_bytes(tok[8], &b))
			return false;
		a->missing = b.data;
		a->missing_len = b.len;
		return true;
	}
	if (strcmp(what, "row") == 0 && t && ntok == 3)
	{
		GROW(t->rows, t->nrows, caps[5]);
		r = &t->rows[t->nrows++];
		memset(r, 0, sizeof(*r));
		snprintf(r->ctid, sizeof(r->ctid), "%s", tok[1]);
		r->split = xcalloc(t->natts + 1, sizeof(fx_bytes));
		r->text = xcalloc(t->natts + 1, sizeof(fx_bytes));
		r->kind = xcalloc(t->natts + 1, sizeof(fx_text_kind));
		return parse_bytes(tok[2], &r->tuple) && r->tuple.data != NULL;
	}
	if ((strcmp(what, "split") == 0 || strcmp(what, "text") == 0) && r && ntok == 3)
	{
		size_t		i = strtoul(tok[1], NULL, 10);
		bool		split = what[0] == 's';

		if (i < 1 || i > t->natts)
			return false;
		if (split)
		{
			r->nsplit = i;
			return parse_bytes(tok[2], &r->split[i - 1]);
		}
		r->ntext = i;
		r->kind[i - 1] = strcmp(tok[2], "-") == 0 ? FX_DROPPED :
			strcmp(tok[2], "N") == 0 ? FX_NULL : FX_TEXT;
		return r->kind[i - 1] != FX_TEXT || parse_bytes(tok[2], &r->text[i - 1]);
	}
	if (strcmp(what, "csv") == 0 && ntok == 4)
	{
		const fx_table *ct = datum_fixture_table(f, tok[1]);

		for (size_t i = 0; ct && i < ct->nrows; i++)
			if (strcmp(ct->rows[i].ctid, tok[2]) == 0 && ct->rows[i].csv.data == NULL)
				return parse_bytes(tok[3], &ct->rows[i].csv) && ct->rows[i].csv.data;
		return false;
	}
	if (strcmp(what, "toast") == 0 && ntok == 5)
	{
		fx_chunk   *c;

		GROW(f->chunks, f->nchunks, caps[6]);
		c = &f->chunks[f->nchunks++];
		c->relid = (uint32_t) strtoul(tok[1], NULL, 10);
		c->valueid = (uint32_t) strtoul(tok[2], NULL, 10);
		return parse_bytes(tok[4], &c->data);
	}
	return false;
}

datum_fixture *
datum_fixture_load(const char *path)
{
	size_t		len,
				caps[8] = {0};
	char	   *text = (char *) read_whole_file(path, &len);
	datum_fixture *f;
	char	   *line,
			   *next;
	size_t		lineno = 0;

	if (text == NULL)
	{
		fprintf(stderr, "datum fixture %s not found (run the unit tests from the "
				"source tree's top, as make unit does)\n", path);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	for (line = text; line && *line; line = next)
	{
		char	   *tok[16];
		int			ntok;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		ntok = split_line(line, tok, 16);
		if (ntok == 0 || !load_line(f, tok, ntok, caps))
		{
			fprintf(stderr, "datum fixture %s: line %zu is malformed\n", path, lineno);
			free(text);
			datum_fixture_free(f);
			return NULL;
		}
	}
	free(text);
	return f;
}

void
datum_fixture_free(datum_fixture *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nenums; i++)
		free(f->enums[i].label);
	for (size_t i = 0; i < f->ntables; i++)
	{
		fx_table   *t = &f->tables[i];

		for (size_t j = 0; j < t->nrows; j++)
		{
			for (size_t k = 0; k < t->natts; k++)
			{
				free(t->rows[j].split[k].data);
				free(t->rows[j].text[k].data);
			}
			free(t->rows[j].split);
			free(t->rows[j].text);
			free(t->rows[j].kind);
			free(t->rows[j].tuple.data);
			free(t->rows[j].csv.data);
		}
		for (size_t k = 0; k < t->natts; k++)
			free((void *) t->attrs[k].missing);
		free(t->attrs);
		free(t->rows);
	}
	for (size_t i = 0; i < f->nchunks; i++)
		free(f->chunks[i].data.data);
	free(f->types);
	free(f->enums);
	free(f->cattrs);
	free(f->cattr_relids);
	free(f->tables);
	free(f->chunks);
	free(f);
}

static const datum_type *
fx_type(void *ctx, uint32_t typid)
{
	datum_fixture *f = ctx;

	for (size_t i = 0; i < f->ntypes; i++)
		if (f->types[i].oid == typid)
			return &f->types[i];
	return NULL;
}

static const char *
fx_enum_label(void *ctx, uint32_t oid)
{
	datum_fixture *f = ctx;

	for (size_t i = 0; i < f->nenums; i++)
		if (f->enums[i].oid == oid)
			return f->enums[i].label;
	return NULL;
}

static const datum_attr *
fx_composite_attrs(void *ctx, uint32_t relid, size_t *n)
{
	datum_fixture *f = ctx;

	*n = 0;
	for (size_t i = 0; i < f->ncattrs; i++)
		if (f->cattr_relids[i] == relid)
		{
			while (i + *n < f->ncattrs && f->cattr_relids[i + *n] == relid)
				(*n)++;
			return &f->cattrs[i];
		}
	return NULL;
}

static bool
fx_toast_fetch(void *ctx, uint32_t toastrelid, uint32_t valueid,
			   uint8_t *out, size_t size, rw_error *err)
{
	datum_fixture *f = ctx;
	size_t		got = 0;

	f->toast_fetches++;
	if (f->toast_fail)
		return rw_fail(err, RW_EIO, "TOAST relation %u cannot be read (test)", toastrelid);
	if (f->toast_missing)
		return rw_fail(err, RW_ECORRUPT, "TOAST value %u not found (test)", valueid);
	for (size_t i = 0; i < f->nchunks; i++)
	{
		const fx_chunk *c = &f->chunks[i];

		if (c->relid != toastrelid || c->valueid != valueid)
			continue;
		if (c->data.len > size - got)
			return rw_fail(err, RW_ECORRUPT, "TOAST value %u is longer than %zu bytes",
						   valueid, size);
		memcpy(out + got, c->data.data, c->data.len);
		got += c->data.len;
	}
	if (got != size)
		return rw_fail(err, RW_ECORRUPT, "TOAST value %u of relation %u has %zu of %zu bytes",
					   valueid, toastrelid, got, size);
	return true;
}

datum_env
datum_fixture_env(datum_fixture *f)
{
	datum_env	env = {f, fx_type, fx_enum_label, fx_composite_attrs, fx_toast_fetch};

	return env;
}

const fx_table *
datum_fixture_table(const datum_fixture *f, const char *name)
{
	for (size_t i = 0; i < f->ntables; i++)
		if (strcmp(f->tables[i].name, name) == 0)
			return &f->tables[i];
	return NULL;
}

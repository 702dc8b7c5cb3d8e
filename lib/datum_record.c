/*
 * A composite value's text form, as record_out writes it: (1,"a b",),
 * a NULL field empty, a field quoted when it is empty or holds a quote, a
 * backslash, a parenthesis, a comma or white space, with quotes and
 * backslashes doubled inside; dropped attributes left out.
 *
 * The stored value is a heap tuple header whose first four bytes are the
 * varlena header (a value stored with a 1-byte header is read as if it had
 * the 4-byte one), so tuple_deform reads it with the type's attributes.
 */
#include "datum_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static bool
needs_quotes(const char *s, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' ||
			c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
			return true;
	}
	return false;
}

static void
append_field(text_buf *out, const text_buf *field)
{
	if (!needs_quotes(field->data, field->len))
	{
		text_buf_append(out, field->data, field->len);
		return;
	}
	text_buf_append(out, "\"", 1);
	for (size_t i = 0; i < field->len; i++)
	{
		if (field->data[i] == '"' || field->data[i] == '\\')
			text_buf_append(out, field->data + i, 1);
		text_buf_append(out, field->data + i, 1);
	}
	text_buf_append(out, "\"", 1);
}

static dv_status
fields_out(dv_ctx *ctx, const datum_attr *attrs, size_t natts, const uint8_t **values,
		   const size_t *lens, const bool *isnull, text_buf *out)
{
	text_buf	field = {0};
	bool		first = true;
	dv_status	st = DV_OK;

	text_buf_append(out, "(", 1);
	for (size_t i = 0; i < natts && st == DV_OK; i++)
	{
		if (attrs[i].dropped)
			continue;
		if (!first)
			text_buf_append(out, ",", 1);
		first = false;
		if (isnull[i])
			continue;
		text_buf_reset(&field);
		st = dv_value(ctx, attrs[i].typid, values[i], lens[i], &field);
		if (st == DV_BAD)
		{
			char		inner[sizeof(((datum_result *) 0)->why)];

			snprintf(inner, sizeof(inner), "%s", ctx->why);
			st = dv_bad(ctx, "attribute \"%s\": %s", attrs[i].name, inner);
		}
		else if (st == DV_OK)
			append_field(out, &field);
	}
	text_buf_append(out, ")", 1);
	text_buf_free(&field);
	return st;
}

dv_status
dv_record(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	const datum_attr *attrs;
	size_t		natts = 0,
				tlen = len + VARHDRSZ;
	uint8_t    *tuple;
	const uint8_t **values;
	size_t	   *lens;
	bool	   *isnull;
	rw_error	terr;
	dv_status	st;

	attrs = ctx->env->composite_attrs ?
		ctx->env->composite_attrs(ctx->env->ctx, t->relid, &natts) : NULL;
	if (attrs == NULL)
		return dv_bad(ctx, "attributes of composite type %s are unknown", t->name);
	/* the tuple as if with its 4-byte header, so that its offsets hold */
	tuple = xmalloc(tlen);
	memset(tuple, 0, VARHDRSZ);
	memcpy(tuple + VARHDRSZ, p, len);
	values = xcalloc(natts ? natts : 1, sizeof(*values));
	lens = xcalloc(natts ? natts : 1, sizeof(*lens));
	isnull = xcalloc(natts ? natts : 1, sizeof(*isnull));
	if (!tuple_deform(tuple, tlen, attrs, natts, values, lens, isnull, &terr))
		st = dv_bad(ctx, "composite %s: %s", t->name, terr.msg);
	else
		st = fields_out(ctx, attrs, natts, values, lens, isnull, out);
	free(isnull);
	free(lens);
	free(values);
	free(tuple);
	return st;
}

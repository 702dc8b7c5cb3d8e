/*
 * An array's text form from its stored data, as array_out writes it:
 * {1,2,3}, {{1,2},{3,NULL}}, [0:2]={1,2,3} when a lower bound is not 1,
 * elements quoted when they need it, separated by the type's delimiter.
 *
 * The data, counted from the start of the array with a 4-byte varlena
 * header (a value stored with a 1-byte header is read as if it had one),
 * is: the number of dimensions (int32 at 4), the data offset (int32 at 8:
 * 0 when no element is NULL, else where the elements start, after a NULL
 * bitmap), the element type (at 12), the dimensions and the lower bounds
 * (int32 each), the bitmap (a set bit is a present element), then the
 * elements, each at its type's alignment, at 8-byte aligned offset
 * 16 + 8 * ndim when there is no bitmap.
 */
#include "datum_internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"

#define MAXDIM 6
#define MAX_ITEMS (0x3FFFFFFFu / 8)

typedef struct array_walk {
	dv_ctx	   *ctx;
	const datum_type *elem;
	const uint8_t *base;		/* the data, offset 4 in the array's terms */
	size_t		len;
	const uint8_t *bitmap;		/* NULL: no NULL element */
	size_t		off;			/* next element's offset, array terms */
	size_t		item;
	char		delim;
	text_buf	text;			/* one element's text */
} array_walk;

/* Whether an element's text must be quoted. */
static bool
needs_quotes(const char *s, size_t len, char delim)
{
	if (len == 0 || (len == 4 && strncasecmp(s, "NULL", 4) == 0))
		return true;
	for (size_t i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c == '"' || c == '\\' || c == '{' || c == '}' || c == delim ||
			c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
			return true;
	}
	return false;
}

static dv_status
next_element(array_walk *w, text_buf *out)
{
	dv_ctx	   *ctx = w->ctx;
	size_t		item = w->item++,
				size;
	const uint8_t *p;
	dv_status	st;

	if (w->bitmap && (w->bitmap[item / 8] & (1u << (item % 8))) == 0)
	{
		text_buf_append(out, "NULL", 4);
		return DV_OK;
	}
	w->off = dv_align(w->off, w->elem->align);
	if (w->off < VARHDRSZ || w->off - VARHDRSZ > w->len)
		return dv_bad(ctx, "array element %zu lies beyond the array", item + 1);
	p = w->base + (w->off - VARHDRSZ);
	size = w->elem->len > 0 ? (size_t) w->elem->len :
		varlena_size(p, w->len - (w->off - VARHDRSZ));
	if (w->elem->len == -2 || size == 0 || size > w->len - (w->off - VARHDRSZ))
		return dv_bad(ctx, "array element %zu does not fit the array", item + 1);
	w->off += size;

	text_buf_reset(&w->text);
	st = dv_value(ctx, w->elem->oid, p, size, &w->text);
	if (st == DV_BAD)
	{
		char		inner[sizeof(((datum_result *) 0)->why)];

		snprintf(inner, sizeof(inner), "%s", ctx->why);
		return dv_bad(ctx, "array element %zu: %s", item + 1, inner);
	}
	if (st != DV_OK)
		return st;
	if (!needs_quotes(w->text.data, w->text.len, w->delim))
	{
		text_buf_append(out, w->text.data, w->text.len);
		return DV_OK;
	}
	text_buf_append(out, "\"", 1);
	for (size_t i = 0; i < w->text.len; i++)
	{
		if (w->text.data[i] == '"' || w->text.data[i] == '\\')
			text_buf_append(out, "\\", 1);
		text_buf_append(out, w->text.data + i, 1);
	}
	text_buf_append(out, "\"", 1);
	return DV_OK;
}

/* Dimension d and the ones inside it, in braces. */
static dv_status
print_dim(array_walk *w, const int32_t *dims, int ndim, int d, text_buf *out)
{
	text_buf_append(out, "{", 1);
	for (int32_t i = 0; i < dims[d]; i++)
	{
		dv_status	st;

		if (i > 0)
			text_buf_append(out, &w->delim, 1);
		st = d == ndim - 1 ? next_element(w, out) : print_dim(w, dims, ndim, d + 1, out);
		if (st != DV_OK)
			return st;
	}
	text_buf_append(out, "}", 1);
	return DV_OK;
}

dv_status
dv_array(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	int32_t		ndim,
				dataoffset,
				dims[MAXDIM],
				lbs[MAXDIM];
	uint32_t	elemtype;
	size_t		nitems = 1,
				hdr;
	bool		lb_shown = false;
	array_walk	w;
	dv_status	st;

	if (len < 12)
		return dv_bad(ctx, "array of %zu bytes", len);
	ndim = (int32_t) get32(p);
	dataoffset = (int32_t) get32(p + 4);
	elemtype = get32(p + 8);
	if (ndim < 0 || ndim > MAXDIM || len < 12 + 8 * (size_t) ndim)
		return dv_bad(ctx, "array header is damaged (%d dimensions)", ndim);
	if (elemtype != t->elem)
		return dv_bad(ctx, "array of element type %u where %s holds %u", elemtype, t->name,
					  t->elem);
	for (int d = 0; d < ndim; d++)
	{
		dims[d] = (int32_t) get32(p + 12 + 4 * (size_t) d);
		lbs[d] = (int32_t) get32(p + 12 + 4 * (size_t) (ndim + d));
		if (dims[d] < 0 || (dims[d] > 0 && nitems > MAX_ITEMS / (size_t) dims[d]))
			return dv_bad(ctx, "array dimension %d is damaged (%d)", d + 1, dims[d]);
		nitems *= (size_t) dims[d];
		if (lbs[d] != 1)
			lb_shown = true;
	}
	if (ndim == 0 || nitems == 0)
	{
		text_buf_append(out, "{}", 2);
		return DV_OK;
	}

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.elem = ctx->env->type(ctx->env->ctx, elemtype);
	if (w.elem == NULL)
		return dv_bad(ctx, "array element type %u is unknown", elemtype);
	w.base = p;
	w.len = len;
	w.delim = w.elem->delim;	/* array_out uses the element type's */
	hdr = VARHDRSZ + 12 + 8 * (size_t) ndim;
	if (dataoffset != 0)
	{
		if ((size_t) dataoffset < hdr + (nitems + 7) / 8 ||
			(size_t) dataoffset > len + VARHDRSZ)
			return dv_bad(ctx, "array data offset %d is damaged", dataoffset);
		w.bitmap = p + (hdr - VARHDRSZ);
		w.off = (size_t) dataoffset;
	}
	else
		w.off = dv_align(hdr, 'd');

	if (lb_shown)
	{
		for (int d = 0; d < ndim; d++)
			text_buf_appendf(out, "[%d:%lld]", lbs[d], (long long) lbs[d] + dims[d] - 1);
		text_buf_append(out, "=", 1);
	}
	st = print_dim(&w, dims, ndim, 0, out);
	text_buf_free(&w.text);
	return st;
}

/*
 * int2vector and oidvector: a one-dimensional array without NULLs, printed
 * as its elements separated by spaces ("1 2 3"), as their output functions
 * do.
 */
dv_status
dv_vector(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	const datum_type *elem = ctx->env->type(ctx->env->ctx, t->elem);
	int32_t		ndim,
				n;
	size_t		off;

	if (elem == NULL || elem->len <= 0)
		return dv_bad(ctx, "element type of %s is unknown", t->name);
	if (len < 12)
		return dv_bad(ctx, "%s of %zu bytes", t->name, len);
	ndim = (int32_t) get32(p);
	if (ndim == 0)
		return DV_OK;
	if (ndim != 1 || len < 20 || get32(p + 4) != 0 || get32(p + 8) != t->elem)
		return dv_bad(ctx, "%s header is damaged", t->name);
	n = (int32_t) get32(p + 12);
	off = dv_align(VARHDRSZ + 20, 'd') - VARHDRSZ;
	if (n < 0 || off > len || (size_t) n > (len - off) / (size_t) elem->len)
		return dv_bad(ctx, "%s of %d elements does not fit %zu bytes", t->name, n, len);
	for (int32_t i = 0; i < n; i++)
	{
		dv_status	st;

		if (i > 0)
			text_buf_append(out, " ", 1);
		st = dv_value(ctx, elem->oid, p + off + (size_t) i * (size_t) elem->len,
					  (size_t) elem->len, out);
		if (st != DV_OK)
			return st;
	}
	return DV_OK;
}

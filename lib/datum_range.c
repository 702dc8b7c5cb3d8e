/*
 * The built-in range and multirange types' text form, as range_out and
 * multirange_out write them: [1,10), (,"2024-01-01 00:00:00+00"], empty,
 * {[1,3),[5,7)}.
 *
 * After the 4-byte varlena header (a value stored with a 1-byte header is
 * read as if it had one) comes the range type's oid, then the lower and
 * the upper bound when present, each aligned like a tuple's attribute
 * (a varlena with a 1-byte header is not aligned); the last byte holds the
 * flags.  A bound is quoted when it is empty or holds a quote, a
 * backslash, a parenthesis, a bracket, a comma or white space, with quotes
 * and backslashes doubled inside.
 *
 * A multirange (14+) is, after its 4-byte header, its type's oid, the
 * number of ranges, one 32-bit item per range after the first (where its
 * bounds are, not needed to read them in order), one flags byte per range,
 * then the ranges' bounds one after the other, aligned as above.
 *
 * The element type of a range is in pg_range, which datum_env does not
 * carry: the built-in ranges are known here, other ones are kept as hex.
 */
#include "datum_internal.h"

#include <stdio.h>

#include "bytes.h"

#define RANGE_EMPTY 0x01
#define RANGE_LB_INC 0x02
#define RANGE_UB_INC 0x04
#define RANGE_LB_INF 0x08
#define RANGE_UB_INF 0x10
#define RANGE_LB_NULL 0x20
#define RANGE_UB_NULL 0x40

static const struct
{
	uint32_t	range,
				subtype;
}			builtin_ranges[] = {
	{3904, 23},					/* int4range: int4 */
	{3906, 1700},				/* numrange: numeric */
	{3908, 1114},				/* tsrange: timestamp */
	{3910, 1184},				/* tstzrange: timestamptz */
	{3912, 1082},				/* daterange: date */
	{3926, 20},					/* int8range: int8 */
	{4451, 23},					/* int4multirange */
	{4532, 1700},				/* nummultirange */
	{4533, 1114},				/* tsmultirange */
	{4534, 1184},				/* tstzmultirange */
	{4535, 1082},				/* datemultirange */
	{4536, 20},					/* int8multirange */
};

uint32_t
dv_range_subtype(uint32_t range)
{
	for (size_t i = 0; i < sizeof(builtin_ranges) / sizeof(builtin_ranges[0]); i++)
		if (builtin_ranges[i].range == range)
			return builtin_ranges[i].subtype;
	return 0;
}

static void
append_bound(text_buf *out, const text_buf *b)
{
	bool		quote = b->len == 0;

	for (size_t i = 0; i < b->len && !quote; i++)
	{
		char		c = b->data[i];

		quote = c == '"' || c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' ||
			c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
			c == '\f';
	}
	if (!quote)
	{
		text_buf_append(out, b->data, b->len);
		return;
	}
	text_buf_append(out, "\"", 1);
	for (size_t i = 0; i < b->len; i++)
	{
		if (b->data[i] == '"' || b->data[i] == '\\')
			text_buf_append(out, b->data + i, 1);
		text_buf_append(out, b->data + i, 1);
	}
	text_buf_append(out, "\"", 1);
}

/* The bound at *off (in the range's terms, header of 4 bytes), as text. */
static dv_status
bound(dv_ctx *ctx, const datum_type *sub, const uint8_t *p, size_t end, size_t *off,
	  text_buf *text)
{
	size_t		size;
	const uint8_t *at;
	dv_status	st;

	if (sub->len == -1 && *off - VARHDRSZ < end && p[*off - VARHDRSZ] != 0)
		;						/* a 1-byte header: not aligned */
	else
		*off = dv_align(*off, sub->align);
	if (*off - VARHDRSZ >= end)
		return dv_bad(ctx, "range bound lies beyond the value");
	at = p + (*off - VARHDRSZ);
	size = sub->len > 0 ? (size_t) sub->len :
		sub->len == -1 ? varlena_size(at, end - (*off - VARHDRSZ)) : 0;
	if (size == 0 || size > end - (*off - VARHDRSZ))
		return dv_bad(ctx, "range bound does not fit the value");
	*off += size;
	st = dv_value(ctx, sub->oid, at, size, text);
	if (st == DV_BAD)
	{
		char		inner[sizeof(((datum_result *) 0)->why)];

		snprintf(inner, sizeof(inner), "%s", ctx->why);
		return dv_bad(ctx, "range bound: %s", inner);
	}
	return st;
}

/* One non-empty range with these flags, its bounds from *off on. */
static dv_status
range_body(dv_ctx *ctx, const datum_type *sub, const uint8_t *p, size_t end, size_t *off,
		   uint8_t flags, text_buf *out)
{
	text_buf	lower = {0},
				upper = {0};
	bool		has_lower = !(flags & (RANGE_LB_INF | RANGE_LB_NULL)),
				has_upper = !(flags & (RANGE_UB_INF | RANGE_UB_NULL));
	dv_status	st = DV_OK;

	if (has_lower)
		st = bound(ctx, sub, p, end, off, &lower);
	if (st == DV_OK && has_upper)
		st = bound(ctx, sub, p, end, off, &upper);
	if (st == DV_OK)
	{
		text_buf_append(out, (flags & RANGE_LB_INC) ? "[" : "(", 1);
		if (has_lower)
			append_bound(out, &lower);
		text_buf_append(out, ",", 1);
		if (has_upper)
			append_bound(out, &upper);
		text_buf_append(out, (flags & RANGE_UB_INC) ? "]" : ")", 1);
	}
	text_buf_free(&lower);
	text_buf_free(&upper);
	return st;
}

static const datum_type *
element_type(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, size_t min)
{
	const datum_type *sub = ctx->env->type(ctx->env->ctx, dv_range_subtype(t->oid));

	if (sub == NULL)
		dv_bad(ctx, "element type of %s is unknown", t->name);
	else if (len < min)
	{
		dv_bad(ctx, "%s value of %zu bytes", t->name, len);
		sub = NULL;
	}
	else if (get32(p) != t->oid)
	{
		dv_bad(ctx, "value of type %u where %s is %u", get32(p), t->name, t->oid);
		sub = NULL;
	}
	return sub;
}

dv_status
dv_range(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	const datum_type *sub = element_type(ctx, t, p, len, 5);
	size_t		off = VARHDRSZ + 4;

	if (sub == NULL)
		return DV_BAD;
	if (p[len - 1] & RANGE_EMPTY)
	{
		text_buf_append(out, "empty", 5);
		return DV_OK;
	}
	return range_body(ctx, sub, p, len - 1, &off, p[len - 1], out);
}

dv_status
dv_multirange(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	const datum_type *sub = element_type(ctx, t, p, len, 8);
	uint32_t	count;
	size_t		flags_at,
				off;
	dv_status	st = DV_OK;

	if (sub == NULL)
		return DV_BAD;
	count = get32(p + 4);
	/* items and flags: 5 bytes a range but the first */
	if (count > (len - 8) / 5 + 1 || (count > 0 && 8 + 5 * (size_t) count - 4 > len))
		return dv_bad(ctx, "%s value of %zu bytes cannot hold %u ranges", t->name, len, count);
	flags_at = count ? 8 + 4 * ((size_t) count - 1) : 8;
	off = VARHDRSZ + flags_at + count;
	text_buf_append(out, "{", 1);
	for (uint32_t i = 0; i < count && st == DV_OK; i++)
	{
		if (i > 0)
			text_buf_append(out, ",", 1);
		if (p[flags_at + i] & RANGE_EMPTY)
			st = dv_bad(ctx, "%s value holds an empty range", t->name);
		else
			st = range_body(ctx, sub, p, len, &off, p[flags_at + i], out);
	}
	text_buf_append(out, "}", 1);
	/* the value is padded to its element type's alignment, with zeros */
	if (st == DV_OK && dv_align(off, sub->align) != VARHDRSZ + len)
		st = dv_bad(ctx, "%s value has %zu bytes after its ranges", t->name,
					len - (off - VARHDRSZ));
	for (size_t i = off - VARHDRSZ; st == DV_OK && i < len; i++)
		if (p[i] != 0)
			st = dv_bad(ctx, "%s value has data after its ranges", t->name);
	return st;
}

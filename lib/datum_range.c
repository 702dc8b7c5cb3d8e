/*
 * The built-in range types' text form, as range_out writes it: [1,10),
 * (,"2024-01-01 00:00:00+00"], empty.
 *
 * After the 4-byte varlena header (a value stored with a 1-byte header is
 * read as if it had one) comes the range type's oid, then the lower and
 * the upper bound when present, each aligned like a tuple's attribute
 * (a varlena with a 1-byte header is not aligned); the last byte holds the
 * flags.  A bound is quoted when it is empty or holds a quote, a
 * backslash, a parenthesis, a bracket, a comma or white space, with quotes
 * and backslashes doubled inside.
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
		sub->len == -1 ? dv_varlena_size(at, end - (*off - VARHDRSZ)) : 0;
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

dv_status
dv_range(dv_ctx *ctx, const datum_type *t, const uint8_t *p, size_t len, text_buf *out)
{
	const datum_type *sub = ctx->env->type(ctx->env->ctx, dv_range_subtype(t->oid));
	text_buf	lower = {0},
				upper = {0};
	size_t		off = VARHDRSZ + 4;
	uint8_t		flags;
	dv_status	st = DV_OK;
	bool		has_lower,
				has_upper;

	if (sub == NULL)
		return dv_bad(ctx, "element type of range type %s is unknown", t->name);
	if (len < 5)
		return dv_bad(ctx, "range value of %zu bytes", len);
	if (get32(p) != t->oid)
		return dv_bad(ctx, "range value of type %u where %s is %u", get32(p), t->name, t->oid);
	flags = p[len - 1];
	if (flags & RANGE_EMPTY)
	{
		text_buf_append(out, "empty", 5);
		return DV_OK;
	}
	has_lower = !(flags & (RANGE_LB_INF | RANGE_LB_NULL));
	has_upper = !(flags & (RANGE_UB_INF | RANGE_UB_NULL));
	if (has_lower)
		st = bound(ctx, sub, p, len - 1, &off, &lower);
	if (st == DV_OK && has_upper)
		st = bound(ctx, sub, p, len - 1, &off, &upper);
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

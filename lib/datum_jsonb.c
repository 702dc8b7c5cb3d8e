/*
 * jsonb's text form from its stored data (after the varlena header), as
 * jsonb's output function writes it without indentation:
 * {"a": 1, "b": [true, null]}.
 *
 * A container is a 32-bit header (the count in the low 28 bits; 0x10000000
 * a scalar wrapped in a one-element array, 0x20000000 an object,
 * 0x40000000 an array), then one 32-bit entry per element (for an object,
 * all keys, then all values in the same order), then the elements' data.
 * An entry holds the element's kind in bits 28-30 (string, numeric, false,
 * true, null, container) and in its low 28 bits either the element's
 * length or, when bit 31 is set, the offset of its end; an element starts
 * where the one before it ends.  Numerics and containers start at the next
 * 4-byte boundary (the padding counts in their length); a numeric is a
 * whole numeric varlena.
 */
#include "datum_internal.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

#define JB_CMASK 0x0FFFFFFFu
#define JB_FSCALAR 0x10000000u
#define JB_FOBJECT 0x20000000u
#define JB_FARRAY 0x40000000u
#define JENTRY_OFFLENMASK 0x0FFFFFFFu
#define JENTRY_TYPEMASK 0x70000000u
#define JENTRY_HAS_OFF 0x80000000u
#define JENTRY_ISSTRING 0x00000000u
#define JENTRY_ISNUMERIC 0x10000000u
#define JENTRY_ISBOOL_FALSE 0x20000000u
#define JENTRY_ISBOOL_TRUE 0x30000000u
#define JENTRY_ISNULL 0x40000000u
#define JENTRY_ISCONTAINER 0x50000000u
#define JSONB_MAX_DEPTH 4096

/* A string as a JSON string literal. */
static void
json_string(text_buf *out, const uint8_t *s, size_t len)
{
	text_buf_append(out, "\"", 1);
	for (size_t i = 0; i < len; i++)
	{
		const char *esc = NULL;
		char		u[8];

		switch (s[i])
		{
			case '\b': esc = "\\b"; break;
			case '\f': esc = "\\f"; break;
			case '\n': esc = "\\n"; break;
			case '\r': esc = "\\r"; break;
			case '\t': esc = "\\t"; break;
			case '"': esc = "\\\""; break;
			case '\\': esc = "\\\\"; break;
			default:
				if (s[i] < 0x20)
				{
					snprintf(u, sizeof(u), "\\u%04x", s[i]);
					esc = u;
				}
		}
		if (esc)
			text_buf_append(out, esc, strlen(esc));
		else
			text_buf_append(out, (const char *) s + i, 1);
	}
	text_buf_append(out, "\"", 1);
}

static dv_status container(dv_ctx *ctx, const uint8_t *p, size_t len, int depth,
						   text_buf *out);

/* Element i of a container: entry je, data base[start..end). */
static dv_status
element(dv_ctx *ctx, uint32_t je, const uint8_t *base, size_t start, size_t end,
		int depth, text_buf *out)
{
	size_t		aligned = dv_align(start, 'i');
	const uint8_t *np;
	size_t		nlen;

	switch (je & JENTRY_TYPEMASK)
	{
		case JENTRY_ISSTRING:
			json_string(out, base + start, end - start);
			return DV_OK;
		case JENTRY_ISNUMERIC:
			if (aligned > end || !varlena_inline(base + aligned, end - aligned, &np, &nlen))
				return dv_bad(ctx, "jsonb number at offset %zu is damaged", start);
			return dv_numeric(ctx, np, nlen, out);
		case JENTRY_ISBOOL_FALSE:
			text_buf_append(out, "false", 5);
			return DV_OK;
		case JENTRY_ISBOOL_TRUE:
			text_buf_append(out, "true", 4);
			return DV_OK;
		case JENTRY_ISNULL:
			text_buf_append(out, "null", 4);
			return DV_OK;
		case JENTRY_ISCONTAINER:
			if (aligned > end)
				return dv_bad(ctx, "jsonb container at offset %zu is damaged", start);
			return container(ctx, base + aligned, end - aligned, depth + 1, out);
		default:
			return dv_bad(ctx, "jsonb entry kind 0x%08x is unknown", je & JENTRY_TYPEMASK);
	}
}

static dv_status
container(dv_ctx *ctx, const uint8_t *p, size_t len, int depth, text_buf *out)
{
	uint32_t	head,
				count;
	size_t		nentries,
				datalen;
	const uint8_t *entries,
			   *base;
	bool		object;

	if (depth > JSONB_MAX_DEPTH)
		return dv_bad(ctx, "jsonb nests deeper than %d", JSONB_MAX_DEPTH);
	if (len < 4)
		return dv_bad(ctx, "jsonb container of %zu bytes", len);
	head = get32(p);
	count = head & JB_CMASK;
	object = (head & JB_FOBJECT) != 0;
	if (object == ((head & JB_FARRAY) != 0) ||
		((head & JB_FSCALAR) && (object || count != 1)))
		return dv_bad(ctx, "jsonb container header 0x%08x is damaged", head);
	nentries = object ? 2 * (size_t) count : count;
	if (nentries > (len - 4) / 4)
		return dv_bad(ctx, "jsonb container of %u elements does not fit %zu bytes", count, len);
	entries = p + 4;
	base = entries + 4 * nentries;
	datalen = len - 4 - 4 * nentries;

	if (!(head & JB_FSCALAR))
		text_buf_append(out, object ? "{" : "[", 1);
	for (size_t i = 0; i < count; i++)
	{
		/* an object's key i and value count + i; an array's element i */
		const size_t idx[2] = {i, count + i};
		int			parts = object ? 2 : 1;

		if (i > 0)
			text_buf_append(out, ", ", 2);
		for (int k = 0; k < parts; k++)
		{
			size_t		e = idx[k],
						start = 0,
						end;
			uint32_t	je = get32(entries + 4 * e);
			dv_status	st;

			/* the start is the end of the entry before, found back to the
			 * nearest entry that holds an offset */
			for (size_t j = e; j > 0; j--)
			{
				uint32_t	prev = get32(entries + 4 * (j - 1));

				start += prev & JENTRY_OFFLENMASK;
				if (prev & JENTRY_HAS_OFF)
					break;
			}
			end = (je & JENTRY_HAS_OFF) ? (je & JENTRY_OFFLENMASK)
				: start + (je & JENTRY_OFFLENMASK);
			if (start > end || end > datalen)
				return dv_bad(ctx, "jsonb element %zu does not fit its container", e);
			if (object && k == 0 && (je & JENTRY_TYPEMASK) != JENTRY_ISSTRING)
				return dv_bad(ctx, "jsonb object key %zu is not a string", i);
			st = element(ctx, je, base, start, end, depth, out);
			if (st != DV_OK)
				return st;
			if (object && k == 0)
				text_buf_append(out, ": ", 2);
		}
	}
	if (!(head & JB_FSCALAR))
		text_buf_append(out, object ? "}" : "]", 1);
	return DV_OK;
}

dv_status
dv_jsonb(dv_ctx *ctx, const uint8_t *p, size_t len, text_buf *out)
{
	return container(ctx, p, len, 0, out);
}

/*
 * numeric's text form from its stored data (after the varlena header).
 *
 * The first 16-bit word says the form.  Top bits 11: a special value
 * (NaN 0xC000, Infinity 0xD000, -Infinity 0xF000).  Top bits 10: the short
 * form, with the sign in 0x2000, the display scale in 0x1F80 and a 7-bit
 * two's complement weight in 0x007F; base-10000 digits follow.  Otherwise
 * the long form: sign in the top two bits (00 positive, 01 negative), the
 * display scale in the low 14, then a 16-bit weight and the digits.  The
 * weight is the power of 10000 of the first digit; digits not stored are
 * zeros; the display scale is the number of decimals printed.
 */
#include "datum_internal.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

#define NUMERIC_SIGN_MASK 0xC000
#define NUMERIC_NEG 0x4000
#define NUMERIC_SHORT 0x8000
#define NUMERIC_SPECIAL 0xC000
#define NUMERIC_EXT_MASK 0xF000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000
#define NUMERIC_SHORT_NEG 0x2000
#define NUMERIC_SHORT_DSCALE_MASK 0x1F80
#define NUMERIC_SHORT_DSCALE_SHIFT 7
#define NUMERIC_SHORT_WEIGHT_SIGN 0x0040
#define NUMERIC_SHORT_WEIGHT_MASK 0x003F
#define NUMERIC_DSCALE_MASK 0x3FFF
#define NBASE 10000

static int
digit_at(const uint8_t *digits, size_t ndigits, long i)
{
	return (i >= 0 && (size_t) i < ndigits) ? (int16_t) get16(digits + 2 * (size_t) i) : 0;
}

dv_status
dv_numeric(dv_ctx *ctx, const uint8_t *p, size_t len, text_buf *out)
{
	uint16_t	head;
	bool		neg;
	int			dscale,
				weight;
	size_t		hdr,
				ndigits;
	const uint8_t *digits;

	if (len < 2)
		return dv_bad(ctx, "numeric value of %zu bytes", len);
	head = get16(p);
	if ((head & NUMERIC_SIGN_MASK) == NUMERIC_SPECIAL)
	{
		const char *s = (head & NUMERIC_EXT_MASK) == NUMERIC_NAN ? "NaN" :
			(head & NUMERIC_EXT_MASK) == NUMERIC_PINF ? "Infinity" :
			(head & NUMERIC_EXT_MASK) == NUMERIC_NINF ? "-Infinity" : NULL;

		if (s == NULL)
			return dv_bad(ctx, "numeric special value 0x%04x is unknown", head);
		text_buf_append(out, s, strlen(s));
		return DV_OK;
	}
	if (head & NUMERIC_SHORT)
	{
		neg = (head & NUMERIC_SHORT_NEG) != 0;
		dscale = (head & NUMERIC_SHORT_DSCALE_MASK) >> NUMERIC_SHORT_DSCALE_SHIFT;
		weight = head & NUMERIC_SHORT_WEIGHT_MASK;
		if (head & NUMERIC_SHORT_WEIGHT_SIGN)
			weight -= NUMERIC_SHORT_WEIGHT_MASK + 1;
		hdr = 2;
	}
	else
	{
		if (len < 4)
			return dv_bad(ctx, "numeric value of %zu bytes", len);
		neg = (head & NUMERIC_SIGN_MASK) == NUMERIC_NEG;
		dscale = head & NUMERIC_DSCALE_MASK;
		weight = (int16_t) get16(p + 2);
		hdr = 4;
	}
	if ((len - hdr) % 2 != 0)
		return dv_bad(ctx, "numeric value of %zu bytes: odd number of digit bytes", len);
	digits = p + hdr;
	ndigits = (len - hdr) / 2;
	for (size_t i = 0; i < ndigits; i++)
	{
		int			d = digit_at(digits, ndigits, (long) i);

		if (d < 0 || d >= NBASE)
			return dv_bad(ctx, "numeric digit %d out of range", d);
	}

	if (neg)
		text_buf_append(out, "-", 1);
	if (weight < 0)
		text_buf_append(out, "0", 1);
	for (long i = 0; i <= weight; i++)
		text_buf_appendf(out, i == 0 ? "%d" : "%04d", digit_at(digits, ndigits, i));
	if (dscale > 0)
	{
		text_buf_append(out, ".", 1);
		for (int i = 0; i < dscale; i++)
		{
			int			d = digit_at(digits, ndigits, (long) weight + 1 + i / 4);
			char		buf[8];

			snprintf(buf, sizeof(buf), "%04d", d);
			text_buf_append(out, buf + i % 4, 1);
		}
	}
	return DV_OK;
}

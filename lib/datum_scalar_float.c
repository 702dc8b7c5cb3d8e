/*
 * float4 and float8 as PostgreSQL 12+ prints them by default
 * (extra_float_digits 1): the fewest significant digits that read back to
 * the same bits, the nearest such digits to the exact value when several
 * qualify; "NaN", "Infinity", "-Infinity" and "-0".  Plain notation for
 * decimal exponents from -4 up to 5 (float4) or 14 (float8), otherwise
 * d.ddde+XX with at least two exponent digits.
 *
 * The digits come from the C library's correctly rounded conversions:
 * snprintf "%.*e" prints the value once, and strtod reads back the
 * candidates of each length tried.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "datum_scalar_family.h"

#define MAX_DIGITS 17
/* Digits of v printed once, enough to round to any length up to
 * MAX_DIGITS correctly but in a tie. */
#define WIDE_DIGITS 25

/* Significant digits of a positive finite value: digits[0..n), the first
 * at 10^exp10. */
typedef struct decimal {
	char		digits[WIDE_DIGITS + 1];
	int			n;
	int			exp10;
} decimal;

/* v rounded to ndigits digits by "%.*e" (whatever the locale's decimal
 * point). */
static void
print_decimal(double v, int ndigits, decimal *d)
{
	char		buf[64];
	const char *e;

	snprintf(buf, sizeof(buf), "%.*e", ndigits - 1, v);
	d->n = 0;
	for (const char *c = buf; *c && *c != 'e' && d->n < WIDE_DIGITS; c++)
		if (*c >= '0' && *c <= '9')
			d->digits[d->n++] = *c;
	e = strchr(buf, 'e');
	d->exp10 = e ? atoi(e + 1) : 0;
}

/* The next decimal of d's length above or below d. */
static void
decimal_step(decimal *d, bool up)
{
	int			i = d->n - 1;

	if (up)
	{
		while (i >= 0 && d->digits[i] == '9')
			d->digits[i--] = '0';
		if (i >= 0)
			d->digits[i]++;
		else
		{
			d->digits[0] = '1';	/* 99..9 + 1 = 100..0 */
			d->exp10++;
		}
	}
	else
	{
		while (i >= 0 && d->digits[i] == '0')
			d->digits[i--] = '9';
		if (i >= 0)
			d->digits[i]--;
		if (d->digits[0] == '0')	/* 1.00..0 - 1 unit = 0.99..9: the decade below */
		{
			memmove(d->digits, d->digits + 1, (size_t) d->n - 1);
			d->digits[d->n - 1] = '9';
			d->exp10--;
		}
	}
}

/* The nearest decimal of ndigits digits to v, from wide (v to WIDE_DIGITS
 * digits): rounding those again is exact unless they end in 50..0, which
 * may have been rounded to that; then print v anew. */
static void
nearest_decimal(double v, const decimal *wide, int ndigits, decimal *d)
{
	bool		half = wide->digits[ndigits] == '5';

	for (int i = ndigits + 1; i < wide->n && half; i++)
		half = wide->digits[i] == '0';
	if (half)
	{
		print_decimal(v, ndigits, d);
		return;
	}
	*d = *wide;
	d->n = ndigits;
	if (wide->digits[ndigits] >= '5')	/* more than half: 50..0 is above */
		decimal_step(d, true);
}

/* The value d reads back as, as float4 or float8 (written as an integer
 * and an exponent: no decimal point, whatever the locale). */
static double
decimal_read(const decimal *d, bool single)
{
	char		buf[64];

	snprintf(buf, sizeof(buf), "%.*se%d", d->n, d->digits, d->exp10 - d->n + 1);
	return single ? (double) strtof(buf, NULL) : strtod(buf, NULL);
}

/*
 * Whether d lies exactly halfway between two neighbouring values of
 * mant_bits significant bits (53 float8, 24 float4): its odd part then has
 * mant_bits + 1 bits.  Such a decimal reads back to the even neighbour,
 * but PostgreSQL never prints one (its conversion keeps to the inside of
 * the rounding interval), so neither does this.
 */
static bool
decimal_is_tie(const decimal *d, int mant_bits)
{
	uint64_t	odd = 0;
	const uint64_t limit = UINT64_C(1) << (mant_bits + 1);
	int			k = d->exp10 - d->n + 1;	/* d = odd * 2^? * 10^k */

	for (int i = 0; i < d->n; i++)
		odd = odd * 10 + (uint64_t) (d->digits[i] - '0');
	for (; k < 0; k++)
	{
		if (odd % 5 != 0)
			return false;		/* not a binary fraction at all */
		odd /= 5;
	}
	while (odd % 2 == 0)
		odd /= 2;
	for (; k > 0; k--)
	{
		if (odd >= limit / 5 + 1)
			return false;
		odd *= 5;
	}
	return odd >= limit / 2 && odd < limit;
}

static bool
decimal_is(const decimal *d, double v, bool single)
{
	return decimal_read(d, single) == v && !decimal_is_tie(d, single ? 24 : 53);
}

/* The n-digit decimal for v, if there is one: the nearest, or one of its
 * two neighbours (the interval of decimals that read back to v reaches
 * twice as far up as down when v is a power of two). */
static bool
decimal_of_length(double v, const decimal *wide, bool single, int n, decimal *d)
{
	decimal		other;

	nearest_decimal(v, wide, n, d);
	if (decimal_is(d, v, single))
		return true;
	for (int up = 0; up <= 1; up++)
	{
		other = *d;
		decimal_step(&other, up);
		if (decimal_is(&other, v, single))
		{
			*d = other;
			return true;
		}
	}
	return false;
}

static void
shortest_decimal(double v, bool single, decimal *d)
{
	int			lo = 1,
				hi = single ? 9 : MAX_DIGITS;
	decimal		wide;

	print_decimal(v, WIDE_DIGITS, &wide);

	/* a length that reads back makes every longer one read back too, and
	 * with 9 or 17 digits the nearest decimal always does: bisect */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (decimal_of_length(v, &wide, single, mid, d))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (!decimal_of_length(v, &wide, single, lo, d))
		nearest_decimal(v, &wide, lo, d);
	while (d->n > 1 && d->digits[d->n - 1] == '0')
		d->n--;
}

static void
append_float(text_buf *out, double v, bool single)
{
	decimal		d;
	int			plain_max = single ? 6 : 15;

	if (isnan(v))
	{
		text_buf_append(out, "NaN", 3);
		return;
	}
	if (signbit(v))
		text_buf_append(out, "-", 1);
	v = fabs(v);
	if (isinf(v))
	{
		text_buf_append(out, "Infinity", 8);
		return;
	}
	if (v == 0)
	{
		text_buf_append(out, "0", 1);
		return;
	}
	shortest_decimal(v, single, &d);
	if (d.exp10 < -4 || d.exp10 >= plain_max)
	{
		text_buf_append(out, d.digits, 1);
		if (d.n > 1)
		{
			text_buf_append(out, ".", 1);
			text_buf_append(out, d.digits + 1, (size_t) d.n - 1);
		}
		text_buf_appendf(out, "e%c%02d", d.exp10 < 0 ? '-' : '+', abs(d.exp10));
	}
	else if (d.exp10 < 0)
	{
		text_buf_append(out, "0.", 2);
		for (int i = -1; i > d.exp10; i--)
			text_buf_append(out, "0", 1);
		text_buf_append(out, d.digits, (size_t) d.n);
	}
	else
	{
		int			whole = d.exp10 + 1;

		text_buf_append(out, d.digits, (size_t) (d.n < whole ? d.n : whole));
		for (int i = d.n; i < whole; i++)
			text_buf_append(out, "0", 1);
		if (d.n > whole)
		{
			text_buf_append(out, ".", 1);
			text_buf_append(out, d.digits + whole, (size_t) (d.n - whole));
		}
	}
}

void
scalar_append_float8(text_buf *out, double v)
{
	append_float(out, v, false);
}

scalar_status
datum_scalar_float(uint32_t typid, const uint8_t *p, size_t len, text_buf *out,
				   char *why, size_t why_len)
{
	if (typid == SCALAR_FLOAT4)
	{
		uint32_t	bits;
		float		f;

		if (!scalar_len_ok("float4", len, 4, why, why_len))
			return SCALAR_MALFORMED;
		bits = get32(p);
		memcpy(&f, &bits, sizeof(f));
		append_float(out, f, true);
		return SCALAR_OK;
	}
	if (typid == SCALAR_FLOAT8)
	{
		uint64_t	bits;
		double		f;

		if (!scalar_len_ok("float8", len, 8, why, why_len))
			return SCALAR_MALFORMED;
		bits = get64(p);
		memcpy(&f, &bits, sizeof(f));
		scalar_append_float8(out, f);
		return SCALAR_OK;
	}
	return SCALAR_UNKNOWN;
}

/*
 * datum_scalar_out against PostgreSQL 15: every value of
 * t/fixtures/scalar-values.inc (its stored bytes, read with pageinspect,
 * and the text COPY printed for it), then what no server stores: wrong
 * lengths, out-of-range values, types without a decoder.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datum.h"
#include "datum_scalar.h"

typedef struct scalar_case {
	const char *type;
	uint32_t	typid;
	const char *payload_hex;
	const char *text;
	bool		isnull;
} scalar_case;

static const scalar_case cases[] = {
#include "../fixtures/scalar-values.inc"
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* money has no decoder: the salvage saves it as hex */
#define MONEY_OID 790

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t		n = strlen(hex) / 2;

	ck_assert_uint_le(n, cap);
	for (size_t i = 0; i < n; i++)
	{
		unsigned	b;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t) b;
	}
	return n;
}

static scalar_status
out_of(uint32_t typid, const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	text_buf_reset(out);
	return datum_scalar_out(typid, p, len, out, why, why_len);
}

/* Every stored value prints as PostgreSQL printed it. */
START_TEST(fixture_values)
{
	text_buf	out = {0};
	uint8_t		buf[1024];
	char		why[256];
	size_t		checked = 0,
				nulls = 0,
				unknown = 0;

	ck_assert_uint_gt(NCASES, 1000);
	for (size_t i = 0; i < NCASES; i++)
	{
		const scalar_case *c = &cases[i];
		size_t		len;
		scalar_status st;

		if (c->isnull)
		{
			/* a NULL is the caller's to handle; COPY printed nothing */
			ck_assert_str_eq(c->text, "");
			nulls++;
			continue;
		}
		len = unhex(c->payload_hex, buf, sizeof(buf));
		st = out_of(c->typid, buf, len, &out, why, sizeof(why));
		if (c->typid == MONEY_OID)
		{
			ck_assert_int_eq(st, SCALAR_UNKNOWN);
			ck_assert_uint_eq(out.len, 0);
			unknown++;
			continue;
		}
		ck_assert_msg(st == SCALAR_OK, "%s %s: status %d (%s)", c->type, c->payload_hex,
					  st, why);
		ck_assert_msg(out.len == strlen(c->text) && memcmp(out.data, c->text, out.len) == 0,
					  "%s %s: \"%s\", PostgreSQL printed \"%s\"", c->type,
					  c->payload_hex, out.data, c->text);
		checked++;
	}
	ck_assert_uint_gt(nulls, 0);
	ck_assert_uint_gt(unknown, 0);
	ck_assert_uint_eq(checked + nulls + unknown, NCASES);
	text_buf_free(&out);
}
END_TEST

/* Each type the brief lists is in the fixture (a fixture that lost a
 * table would otherwise pass silently). */
START_TEST(fixture_covers_types)
{
	static const uint32_t want[] = {
		16, 17, 18, 19, 20, 21, 23, 25, 26, 27, 28, 29, 114, 650, 700, 701, 774, 829,
		869, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 2950, 3220, 5069,
		1560, 1562, 600, 601, 602, 603, 604, 628, 718,
	};

	for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++)
	{
		size_t		n = 0;

		for (size_t i = 0; i < NCASES; i++)
			n += cases[i].typid == want[w] && !cases[i].isnull;
		ck_assert_msg(n >= 2, "type %u has %zu values in the fixture", want[w], n);
	}
}
END_TEST

/* Appends after what out already holds. */
START_TEST(appends)
{
	text_buf	out = {0};
	const uint8_t v[4] = {0x2a, 0, 0, 0};

	text_buf_append(&out, "x=", 2);
	ck_assert_int_eq(datum_scalar_out(23, v, 4, &out, NULL, 0), SCALAR_OK);
	ck_assert_str_eq(out.data, "x=42");
	text_buf_free(&out);
}
END_TEST

typedef struct bad_case {
	uint32_t	typid;
	const char *hex;
	const char *why_part;
} bad_case;

/* Values no server writes: SCALAR_MALFORMED, a reason, nothing appended. */
START_TEST(malformed)
{
	static const bad_case bad[] = {
		{21, "00", "expected 2"},		/* int2 of 1 byte */
		{23, "0000000000", "expected 4"},
		{20, "00000000", "expected 8"},
		{26, "", "expected 4"},
		{27, "0000", "expected 6"},
		{3220, "00", "expected 8"},
		{5069, "00", "expected 8"},
		{16, "02", "0 or 1"},
		{16, "", "expected 1"},
		{700, "000000", "expected 4"},
		{701, "00000000", "expected 8"},
		{18, "6162", "expected 1"},
		{19, "616263", "expected 64"},
		{19, "6161616161616161616161616161616161616161616161616161616161616161"
		 "6161616161616161616161616161616161616161616161616161616161616161", "zero byte"},
		{25, "610062", "zero byte at offset 1"},
		{1043, "00", "zero byte"},
		{2950, "00", "expected 16"},
		{1082, "000000", "expected 4"},
		{1082, "0d97da7f", "out of range"},	/* after 5874897-12-31 */
		{1082, "00000080", NULL},		/* -infinity: fine (checked below) */
		{1082, "a697daff", "out of range"},	/* before 4714-11-24 BC */
		{1083, "0160d71d14000000", "out of range"},	/* 24:00:00.000001 */
		{1083, "ffffffffffffffff", "out of range"},
		{1083, "00", "expected 8"},
		{1266, "000000000000000000", "expected 12"},
		{1266, "000000000000000000e10000", "zone"},	/* 16:00 west */
		{1266, "0000000000000000001fffff", "zone"},	/* 16:00 east */
		{1114, "00a0b2b35bffff7f", "out of range"},	/* 294277-01-01 */
		{1184, "ff9f1f41c17c0ffd", "out of range"},	/* before 4714-11-24 BC */
		{1114, "00", "expected 8"},
		{1186, "0000000000000000", "expected 16"},
		{829, "0000000000", "expected 6"},
		{774, "000000000000", "expected 8"},
		{869, "02", "1 bytes"},
		{869, "042000000000", "family 4"},
		{869, "0221c0a80105", "33 bits"},
		{650, "0381c0a80105c0a80105c0a80105c0a80105", "129 bits"},
		{869, "0220c0a801", "expected 6"},
		{650, "0380000000000000000000000000000000", "expected 18"},
		{1562, "000000", "3 bytes"},
		{1562, "09000000ff", "9 bits in 1 bytes"},
		{1560, "0800000000ff", "8 bits in 2 bytes"},
		{600, "000000000000000000000000000000", "expected 16"},
		{601, "00", "expected 32"},
		{603, "00", "expected 32"},
		{628, "00", "expected 24"},
		{718, "00", "expected 24"},
		{602, "0100000000000000", "8 bytes"},
		{602, "02000000000000000000000000000000000000000000000000000000", "2 points"},
		{602, "010000000200000000000000000000000000f83f0000000000000040", "closed flag 2"},
		{604, "01000000", "4 bytes"},
		{604, "00000000000000000000e03f000000000000f03f000000000000e03f000000000000f03f"
		 "000000000000e03f000000000000f03f", "0 points"},
	};
	text_buf	out = {0};
	uint8_t		buf[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char		why[256] = "stale";
		size_t		len = unhex(bad[i].hex, buf, sizeof(buf));
		scalar_status st;

		text_buf_reset(&out);
		text_buf_append(&out, "keep", 4);
		st = datum_scalar_out(bad[i].typid, buf, len, &out, why, sizeof(why));
		if (!bad[i].why_part)
		{
			ck_assert_int_eq(st, SCALAR_OK);
			continue;
		}
		ck_assert_msg(st == SCALAR_MALFORMED, "type %u %s: status %d, \"%s\"",
					  bad[i].typid, bad[i].hex, st, out.data);
		ck_assert_msg(strstr(why, bad[i].why_part), "type %u %s: why \"%s\"",
					  bad[i].typid, bad[i].hex, why);
		ck_assert_str_eq(out.data, "keep");
		/* no reason wanted: still malformed */
		ck_assert_int_eq(datum_scalar_out(bad[i].typid, buf, len, &out, NULL, 0),
						 SCALAR_MALFORMED);
	}
	text_buf_free(&out);
}
END_TEST

/* Types with no decoder here (money, regclass, xml, a user's base type)
 * are the caller's to save as hex; why is left empty. */
START_TEST(unknown_types)
{
	static const uint32_t unknown[] = {790, 2205, 142, 3802, 1700, 0, 16384, 1007};
	const uint8_t v[8] = {0};
	text_buf	out = {0};
	char		why[64] = "stale";

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
	{
		ck_assert_int_eq(out_of(unknown[i], v, sizeof(v), &out, why, sizeof(why)),
						 SCALAR_UNKNOWN);
		ck_assert_uint_eq(out.len, 0);
		ck_assert_str_eq(why, "");
	}
	text_buf_free(&out);
}
END_TEST

/* PostgreSQL 17's infinite intervals: the bytes pageinspect showed there
 * for 'infinity' and '-infinity', which COPY printed as those words (the
 * fixture's server, 15, cannot store them). */
START_TEST(interval_infinity)
{
	static const char *const pos = "ffffffffffffff7fffffff7fffffff7f";
	static const char *const neg = "00000000000000800000008000000080";
	uint8_t		buf[16];
	text_buf	out = {0};

	unhex(pos, buf, sizeof(buf));
	ck_assert_int_eq(out_of(1186, buf, 16, &out, NULL, 0), SCALAR_OK);
	ck_assert_str_eq(out.data, "infinity");
	unhex(neg, buf, sizeof(buf));
	ck_assert_int_eq(out_of(1186, buf, 16, &out, NULL, 0), SCALAR_OK);
	ck_assert_str_eq(out.data, "-infinity");
	text_buf_free(&out);
}
END_TEST

/* Every float8 NaN prints "NaN", whatever its sign and payload bits. */
START_TEST(float_nan_payloads)
{
	static const char *const nans[] = {"010000000000f07f", "000000000000f8ff",
	"ffffffffffffffff"};
	static const char *const nans4[] = {"0100807f", "ffffffff", "0000c0ff"};
	uint8_t		buf[8];
	text_buf	out = {0};

	for (size_t i = 0; i < 3; i++)
	{
		unhex(nans[i], buf, sizeof(buf));
		ck_assert_int_eq(out_of(701, buf, 8, &out, NULL, 0), SCALAR_OK);
		ck_assert_str_eq(out.data, "NaN");
		unhex(nans4[i], buf, sizeof(buf));
		ck_assert_int_eq(out_of(700, buf, 4, &out, NULL, 0), SCALAR_OK);
		ck_assert_str_eq(out.data, "NaN");
	}
	text_buf_free(&out);
}
END_TEST

/* A fixed sequence of 64-bit patterns (splitmix64). */
static uint64_t
next_bits(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Any float4 or float8 bit pattern prints as text that reads back to the
 * same bits (every NaN as NaN), within 9 or 17 significant digits. */
START_TEST(float_round_trip)
{
	text_buf	out = {0};
	uint64_t	state = 42;

	for (int i = 0; i < 100000; i++)
	{
		uint64_t	bits = next_bits(&state);
		uint32_t	bits4 = (uint32_t) (bits >> 17);
		uint8_t		p[8];
		double		d,
					back;
		float		f,
					back4;
		char	   *end;

		/* also the small (subnormal) and huge ends of the range */
		if (i % 4 == 1)
			bits &= UINT64_C(0x800FFFFFFFFFFFFF);
		if (i % 4 == 2)
			bits4 &= UINT32_C(0x807FFFFF);
		memcpy(&d, &bits, 8);
		memcpy(p, &bits, 8);
		ck_assert_int_eq(out_of(701, p, 8, &out, NULL, 0), SCALAR_OK);
		back = strtod(out.data, &end);
		ck_assert_msg(*end == '\0', "float8 %016llx: \"%s\"", (unsigned long long) bits, out.data);
		if (d != d)
			ck_assert_str_eq(out.data, "NaN");
		else
			ck_assert_msg(memcmp(&back, &d, 8) == 0, "float8 %016llx: \"%s\" reads back as %a",
						  (unsigned long long) bits, out.data, back);

		memcpy(&f, &bits4, 4);
		memcpy(p, &bits4, 4);
		ck_assert_int_eq(out_of(700, p, 4, &out, NULL, 0), SCALAR_OK);
		back4 = strtof(out.data, &end);
		ck_assert_msg(*end == '\0', "float4 %08x: \"%s\"", bits4, out.data);
		if (f != f)
			ck_assert_str_eq(out.data, "NaN");
		else
			ck_assert_msg(memcmp(&back4, &f, 4) == 0, "float4 %08x: \"%s\" reads back as %a",
						  bits4, out.data, (double) back4);
	}
	text_buf_free(&out);
}
END_TEST

/* Arbitrary bytes of every length up to 20 for every type: a status, never
 * a crash (the sanitizer build watches), and text only when SCALAR_OK. */
START_TEST(random_bytes)
{
	static const uint32_t types[] = {
		16, 17, 18, 19, 20, 21, 23, 25, 26, 27, 28, 29, 114, 650, 700, 701, 774, 829,
		869, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 2950, 3220, 5069,
		1560, 1562, 600, 601, 602, 603, 604, 628, 718,
	};
	text_buf	out = {0};
	uint64_t	state = 7;
	uint8_t		p[64];
	char		why[256];
	size_t		ok = 0,
				bad = 0;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (size_t len = 0; len <= 20; len++)
			for (int i = 0; i < 200; i++)
			{
				scalar_status st;

				for (size_t j = 0; j < sizeof(p); j += 8)
				{
					uint64_t	b = next_bits(&state);

					memcpy(p + j, &b, 8);
				}
				/* plausible inet/cidr headers half of the time */
				if ((types[t] == 869 || types[t] == 650) && i % 2)
				{
					p[0] = (uint8_t) (2 + i % 4 / 2);
					p[1] = (uint8_t) (p[1] % 130);
				}
				if (types[t] == 19 && len > 0 && i % 2)
					p[len - 1] = 0;
				text_buf_reset(&out);
				text_buf_append(&out, "x", 1);
				why[0] = '\0';
				st = datum_scalar_out(types[t], p, len, &out, why, sizeof(why));
				ck_assert(st == SCALAR_OK || st == SCALAR_MALFORMED);
				ck_assert_uint_eq(strlen(out.data), out.len);
				if (st == SCALAR_OK)
					ok++;
				else
				{
					ck_assert_str_eq(out.data, "x");
					ck_assert_uint_gt(strlen(why), 0);
					bad++;
				}
			}
	ck_assert_uint_gt(ok, 1000);
	ck_assert_uint_gt(bad, 1000);
	text_buf_free(&out);
}
END_TEST

Suite	   *datum_scalar_suite(void);

Suite *
datum_scalar_suite(void)
{
	Suite	   *s = suite_create("datum_scalar");
	TCase	   *tc = tcase_create("core");

	/* the float and random byte loops, under the sanitizers on a busy box */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, fixture_values);
	tcase_add_test(tc, fixture_covers_types);
	tcase_add_test(tc, appends);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, unknown_types);
	tcase_add_test(tc, interval_infinity);
	tcase_add_test(tc, float_nan_payloads);
	tcase_add_test(tc, float_round_trip);
	tcase_add_test(tc, random_bytes);
	suite_add_tcase(s, tc);
	return s;
}

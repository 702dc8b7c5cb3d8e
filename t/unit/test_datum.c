/*
 * The value decoder (lib/datum*.c, lib/tuple.c, lib/varlena_decompress.c)
 * against PostgreSQL 14 to 18: tuples written by a real server, their
 * attributes as pageinspect's tuple_data_split cuts them, their text as the
 * types' output functions write it and the rows as COPY (FORMAT csv) does
 * (t/fixtures/datum/pgM.txt, made by t/fixtures/make-datum-fixtures.sh).
 * The tests that read every row run on each major; the others on 15.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "datum.h"
#include "datum_fixture.h"
#include "varlena.h"

static const int majors[] = {14, 15, 16, 17, 18};

#define NMAJORS ((int) (sizeof(majors) / sizeof(majors[0])))

static datum_fixture *
load_major(int major)
{
	char		path[64];
	datum_fixture *f;

	snprintf(path, sizeof(path), "t/fixtures/datum/pg%d.txt", major);
	f = datum_fixture_load(path);
	ck_assert_msg(f != NULL, "cannot load %s", path);
	ck_assert_msg(f->ntables >= 7 && f->ntypes > 400, "fixture %s is incomplete", path);
	return f;
}

/* The fixture of the loop test's major (_i), or of 15. */
#define load() load_major(majors[_i])
#define load15() load_major(15)

/* Deform row r of table t; fails the test when tuple_deform does. */
static void
deform(const fx_table *t, const fx_row *r, const uint8_t **values, size_t *lens, bool *isnull)
{
	rw_error	err;

	ck_assert_msg(tuple_deform(r->tuple.data, r->tuple.len, t->attrs, t->natts,
							   values, lens, isnull, &err),
				  "%s %s: %s", t->name, r->ctid, err.msg);
}

/* Every attribute of every tuple is where pageinspect finds it; columns
 * added after the row was written take the default's bytes. */
/* The varlena headers: short, 4-byte, compressed, a TOAST pointer. */
START_TEST(varlena_headers)
{
	const uint8_t short_v[] = {0x07, 'a', 'b', 'c'};	/* 1-byte header, 3 bytes */
	const uint8_t long_v[] = {0x1c, 0, 0, 0, 'a', 'b', 'c'};	/* 4-byte header, 7 */
	const uint8_t compressed[] = {0x1e, 0, 0, 0, 3, 0, 0, 0};	/* low bits 10 */
	uint8_t		pointer[TOAST_POINTER_SIZE] = {0x01, VARTAG_ONDISK};
	const uint8_t *payload;
	size_t		plen;
	uint32_t	valueid;

	ck_assert_uint_eq(varlena_size(short_v, sizeof(short_v)), 3);
	ck_assert(varlena_inline(short_v, sizeof(short_v), &payload, &plen));
	ck_assert_uint_eq(plen, 2);
	ck_assert_int_eq(payload[0], 'a');
	ck_assert(varlena_inline(long_v, sizeof(long_v), &payload, &plen));
	ck_assert_uint_eq(plen, 3);
	ck_assert(!varlena_inline(long_v, 6, &payload, &plen));	/* runs past */
	ck_assert(!varlena_inline(compressed, sizeof(compressed), &payload, &plen));
	pointer[10] = 0x39;
	pointer[11] = 0x30;			/* value id 12345 */
	ck_assert_uint_eq(varlena_size(pointer, sizeof(pointer)), TOAST_POINTER_SIZE);
	ck_assert(!varlena_inline(pointer, sizeof(pointer), &payload, &plen));
	ck_assert(varlena_toast_valueid(pointer, sizeof(pointer), &valueid));
	ck_assert_uint_eq(valueid, 12345);
	ck_assert(!varlena_toast_valueid(pointer, sizeof(pointer) - 1, &valueid));
	pointer[1] = 1;				/* another tag (in memory, never on disk) */
	ck_assert(!varlena_toast_valueid(pointer, sizeof(pointer), &valueid));
	/* a 1-byte header whose size is that of a pointer is no pointer */
	pointer[0] = (uint8_t) (TOAST_POINTER_SIZE << 1 | 1);
	ck_assert(!varlena_toast_valueid(pointer, sizeof(pointer), &valueid));
}
END_TEST

START_TEST(tuples_deform_as_pageinspect)
{
	datum_fixture *f = load();
	size_t		rows = 0,
				from_missing = 0,
				nulls = 0;

	for (size_t ti = 0; ti < f->ntables; ti++)
	{
		const fx_table *t = &f->tables[ti];
		const uint8_t *values[64];
		size_t		lens[64];
		bool		isnull[64];

		ck_assert_uint_le(t->natts, 64);
		for (size_t ri = 0; ri < t->nrows; ri++)
		{
			const fx_row *r = &t->rows[ri];

			deform(t, r, values, lens, isnull);
			rows++;
			for (size_t i = 0; i < t->natts; i++)
			{
				const uint8_t *want = i < r->nsplit ? r->split[i].data : t->attrs[i].missing;
				size_t		want_len = i < r->nsplit ? r->split[i].len : t->attrs[i].missing_len;

				if (i >= r->nsplit && want != NULL)
					from_missing++;
				nulls += want == NULL;
				ck_assert_msg(isnull[i] == (want == NULL), "%s %s attribute %zu: null %d",
							  t->name, r->ctid, i + 1, isnull[i]);
				if (want == NULL)
					continue;
				ck_assert_msg(lens[i] == want_len && memcmp(values[i], want, want_len) == 0,
							  "%s %s attribute %zu: %zu bytes, pageinspect has %zu",
							  t->name, r->ctid, i + 1, lens[i], want_len);
			}
		}
	}
	ck_assert_uint_ge(rows, 60);
	/* rows 1-4 of t_deform predate the two columns added with a default */
	ck_assert_uint_eq(from_missing, 8);
	ck_assert_uint_gt(nulls, 50);
	datum_fixture_free(f);
}
END_TEST

/* Every column of every row has the text PostgreSQL's output function gives. */
START_TEST(values_as_postgres_prints_them)
{
	datum_fixture *f = load();
	datum_env	env = datum_fixture_env(f);
	text_buf	out = {0};
	size_t		checked = 0,
				wrong = 0;

	for (size_t ti = 0; ti < f->ntables; ti++)
	{
		const fx_table *t = &f->tables[ti];
		const uint8_t *values[64];
		size_t		lens[64];
		bool		isnull[64];

		for (size_t ri = 0; ri < t->nrows; ri++)
		{
			const fx_row *r = &t->rows[ri];

			deform(t, r, values, lens, isnull);
			ck_assert_uint_eq(r->ntext, t->natts);
			for (size_t i = 0; i < t->natts; i++)
			{
				datum_result res;
				rw_error	err;
				bool		ok;

				if (r->kind[i] == FX_DROPPED)
					continue;
				text_buf_reset(&out);
				ck_assert_msg(datum_to_text(&env, t->attrs[i].typid,
											isnull[i] ? NULL : values[i], lens[i],
											&out, &res, &err),
							  "%s %s %s: %s", t->name, r->ctid, t->attrs[i].name, err.msg);
				checked++;
				if (r->kind[i] == FX_NULL)
					ok = res.outcome == DATUM_NULL && out.len == 0;
				else
					ok = res.outcome == DATUM_TEXT && out.len == r->text[i].len &&
						memcmp(out.data, r->text[i].data, out.len) == 0;
				if (!ok)
				{
					wrong++;
					fprintf(stderr, "pg%d %s %s %s: outcome %d (%s)\n  got:  %.300s\n  want: %.300s\n",
							majors[_i], t->name, r->ctid, t->attrs[i].name, (int) res.outcome, res.why,
							out.data ? out.data : "",
							r->kind[i] == FX_NULL ? "NULL" : (const char *) r->text[i].data);
				}
			}
		}
	}
	ck_assert_uint_ge(checked, 300);
	ck_assert_msg(wrong == 0, "pg%d: %zu of %zu values differ from PostgreSQL's text",
				  majors[_i], wrong, checked);
	/* the out-of-line values were read through toast_fetch */
	ck_assert_uint_ge(f->toast_fetches, 5);
	text_buf_free(&out);
	datum_fixture_free(f);
}
END_TEST

/* Rows made of the decoded values are the lines COPY (FORMAT csv) wrote. */
START_TEST(rows_as_copy_writes_them)
{
	datum_fixture *f = load();
	datum_env	env = datum_fixture_env(f);
	text_buf	line = {0};
	size_t		rows = 0;

	for (size_t ti = 0; ti < f->ntables; ti++)
	{
		const fx_table *t = &f->tables[ti];
		const uint8_t *values[64];
		size_t		lens[64];
		bool		isnull[64];
		text_buf	texts[64] = {{0}};
		const char *fields[64];
		size_t		flens[64];
		bool		fnull[64];

		for (size_t ri = 0; ri < t->nrows; ri++)
		{
			const fx_row *r = &t->rows[ri];
			size_t		n = 0;

			deform(t, r, values, lens, isnull);
			for (size_t i = 0; i < t->natts; i++)
			{
				datum_result res;
				rw_error	err;

				if (t->attrs[i].dropped)
					continue;
				text_buf_reset(&texts[n]);
				ck_assert(datum_to_text(&env, t->attrs[i].typid, isnull[i] ? NULL : values[i],
										lens[i], &texts[n], &res, &err));
				ck_assert_int_ne(res.outcome, DATUM_HEX);
				fields[n] = texts[n].data;
				flens[n] = texts[n].len;
				fnull[n++] = res.outcome == DATUM_NULL;
			}
			text_buf_reset(&line);
			csv_append_row(&line, fields, flens, fnull, n);
			ck_assert_msg(r->csv.data != NULL, "%s %s: no COPY line", t->name, r->ctid);
			ck_assert_msg(line.len == r->csv.len && memcmp(line.data, r->csv.data, line.len) == 0,
						  "pg%d %s %s:\n got:  %.300s\n want: %.300s", majors[_i], t->name, r->ctid,
						  line.data, (const char *) r->csv.data);
			rows++;
		}
		for (size_t i = 0; i < 64; i++)
			text_buf_free(&texts[i]);
	}
	ck_assert_uint_ge(rows, 60);
	text_buf_free(&line);
	datum_fixture_free(f);
}
END_TEST

typedef enum storage_form {
	FORM_SHORT, FORM_PLAIN, FORM_INLINE_PGLZ, FORM_INLINE_LZ4,
	FORM_EXTERNAL_PLAIN, FORM_EXTERNAL_PGLZ, FORM_EXTERNAL_LZ4, NFORMS
} storage_form;

/* How a varlena is stored, read here from its header for the coverage
 * check only. */
static storage_form
form_of(const uint8_t *v)
{
	if (v[0] == 0x01)
	{
		uint32_t	rawsize = get32(v + 2),
					extinfo = get32(v + 6);

		if ((extinfo & 0x3FFFFFFF) == rawsize - 4)
			return FORM_EXTERNAL_PLAIN;
		return (extinfo >> 30) == 1 ? FORM_EXTERNAL_LZ4 : FORM_EXTERNAL_PGLZ;
	}
	if (v[0] & 0x01)
		return FORM_SHORT;
	if ((v[0] & 0x03) == 0x02)
		return (get32(v + 4) >> 30) == 1 ? FORM_INLINE_LZ4 : FORM_INLINE_PGLZ;
	return FORM_PLAIN;
}

/* The fixture holds every way a varlena is stored; otherwise the test
 * above proves less than it says. */
START_TEST(fixture_has_every_storage_form)
{
	static const char *const names[NFORMS] = {
		"1-byte header", "4-byte header", "in line pglz", "in line lz4",
		"out of line uncompressed", "out of line pglz", "out of line lz4"
	};
	datum_fixture *f = load();
	size_t		seen[NFORMS] = {0};

	for (size_t ti = 0; ti < f->ntables; ti++)
	{
		const fx_table *t = &f->tables[ti];
		const uint8_t *values[64];
		size_t		lens[64];
		bool		isnull[64];

		for (size_t ri = 0; ri < t->nrows; ri++)
		{
			deform(t, &t->rows[ri], values, lens, isnull);
			for (size_t i = 0; i < t->natts; i++)
				if (t->attrs[i].len == -1 && !isnull[i])
					seen[form_of(values[i])]++;
		}
	}
	for (int k = 0; k < NFORMS; k++)
		ck_assert_msg(seen[k] > 0 || (!f->lz4 && (k == FORM_INLINE_LZ4 || k == FORM_EXTERNAL_LZ4)),
					  "pg%d: no value stored %s in the fixture", majors[_i], names[k]);
	/* lz4 is tested at least on 15 */
	ck_assert(f->lz4 || majors[_i] != 15);
	datum_fixture_free(f);
}
END_TEST

/* The first value of the fixture stored in the given form (and of type
 * typid unless 0). */
static bool
find_form(const datum_fixture *f, storage_form want, uint32_t typid, const fx_table **tp,
		  size_t *row, size_t *att, const uint8_t **val, size_t *len)
{
	for (size_t ti = 0; ti < f->ntables; ti++)
	{
		const fx_table *t = &f->tables[ti];
		const uint8_t *values[64];
		size_t		lens[64];
		bool		isnull[64];

		for (size_t ri = 0; ri < t->nrows; ri++)
		{
			deform(t, &t->rows[ri], values, lens, isnull);
			for (size_t i = 0; i < t->natts; i++)
				if (t->attrs[i].len == -1 && !isnull[i] && form_of(values[i]) == want &&
					(typid == 0 || t->attrs[i].typid == typid))
				{
					*tp = t;
					*row = ri;
					*att = i;
					*val = values[i];
					*len = lens[i];
					return true;
				}
		}
	}
	return false;
}

/* pglz and lz4 data from PostgreSQL decompress to the value it prints;
 * cut short or damaged, they are refused. */
START_TEST(decompress_postgres_data)
{
	datum_fixture *f = load15();
	const storage_form forms[] = {FORM_INLINE_PGLZ, FORM_INLINE_LZ4};

	for (size_t k = 0; k < 2; k++)
	{
		const fx_table *t;
		size_t		row,
					att,
					len,
					rawsize;
		const uint8_t *v;
		uint8_t    *buf,
				   *copy;
		rw_error	err;
		int			method;

		ck_assert(find_form(f, forms[k], 25, &t, &row, &att, &v, &len));
		ck_assert_uint_eq(t->attrs[att].typid, 25);	/* text: its data is its text */
		rawsize = get32(v + 4) & 0x3FFFFFFF;
		method = (int) (get32(v + 4) >> 30);
		ck_assert_int_eq(method, (int) k);
		ck_assert_uint_eq(rawsize, t->rows[row].text[att].len);
		buf = malloc(rawsize);
		ck_assert(varlena_decompress(method, v + 8, len - 8, buf, rawsize, &err));
		ck_assert(memcmp(buf, t->rows[row].text[att].data, rawsize) == 0);
		/* one byte short of the data, or a size that is not the raw size */
		ck_assert(!varlena_decompress(method, v + 8, len - 9, buf, rawsize, &err));
		ck_assert_int_eq(err.kind, RW_ECORRUPT);
		ck_assert(!varlena_decompress(method, v + 8, len - 8, buf, rawsize - 1, &err));
		/* a back reference further back than the output so far */
		copy = malloc(len);
		memcpy(copy, v, len);
		if (method == 0)
		{
			copy[8] = 0x01;		/* the first item becomes a reference */
			ck_assert(!varlena_decompress(0, copy + 8, len - 8, buf, rawsize, &err));
		}
		ck_assert(!varlena_decompress(2, v + 8, len - 8, buf, rawsize, &err));
		free(copy);
		free(buf);
	}
	datum_fixture_free(f);
}
END_TEST

/* A value whose chunks are not in the TOAST table (vacuumed since) is
 * written as hex, with why; not a failure. */
START_TEST(toast_value_missing_is_hex)
{
	datum_fixture *f = load15();
	datum_env	env = datum_fixture_env(f);
	const fx_table *t;
	size_t		row,
				att,
				len;
	const uint8_t *v;
	text_buf	out = {0};
	datum_result res;
	rw_error	err;

	ck_assert(find_form(f, FORM_EXTERNAL_PGLZ, 0, &t, &row, &att, &v, &len));
	f->toast_missing = true;
	rw_error_clear(&err);
	ck_assert(datum_to_text(&env, t->attrs[att].typid, v, len, &out, &res, &err));
	ck_assert_int_eq(res.outcome, DATUM_HEX);
	ck_assert_ptr_nonnull(strstr(res.why, "not found (test)"));
	ck_assert(strncmp(out.data, "\\x", 2) == 0);
	ck_assert_int_eq(err.kind, RW_OK);
	text_buf_free(&out);
	datum_fixture_free(f);
}
END_TEST

/* A TOAST table that cannot be read stops the run: false, err set, out
 * as it was. */
START_TEST(toast_fetch_failure_is_an_error)
{
	datum_fixture *f = load15();
	datum_env	env = datum_fixture_env(f);
	const fx_table *t;
	size_t		row,
				att,
				len;
	const uint8_t *v;
	text_buf	out = {0};
	datum_result res;
	rw_error	err;

	ck_assert(find_form(f, FORM_EXTERNAL_PGLZ, 0, &t, &row, &att, &v, &len));
	f->toast_fail = true;
	text_buf_append(&out, "before", 6);
	ck_assert(!datum_to_text(&env, t->attrs[att].typid, v, len, &out, &res, &err));
	ck_assert_int_eq(err.kind, RW_EIO);
	ck_assert_str_eq(out.data, "before");
	text_buf_free(&out);
	datum_fixture_free(f);
}
END_TEST

/* Run datum_to_text on bytes; expect hex with a reason naming why_has. */
static void
expect_hex(datum_fixture *f, uint32_t typid, const uint8_t *v, size_t len, const char *why_has)
{
	datum_env	env = datum_fixture_env(f);
	text_buf	out = {0};
	datum_result res;
	rw_error	err;

	text_buf_append(&out, "kept,", 5);
	ck_assert(datum_to_text(&env, typid, v, len, &out, &res, &err));
	ck_assert_msg(res.outcome == DATUM_HEX, "type %u: outcome %d, text %s", typid,
				  (int) res.outcome, out.data);
	ck_assert_msg(strstr(res.why, why_has) != NULL, "why \"%s\" lacks \"%s\"", res.why, why_has);
	ck_assert_msg(strncmp(out.data, "kept,\\x", 7) == 0, "out: %s", out.data);
	text_buf_free(&out);
}

/* Damaged or unknown values come out as hex with the reason. */
START_TEST(damaged_values_are_hex)
{
	datum_fixture *f = load15();
	/* numeric, short form, one digit of 10000 */
	const uint8_t bad_digit[] = {0x0b, 0x00, 0x80, 0x10, 0x27};
	/* numeric with an unknown special value */
	const uint8_t bad_special[] = {0x07, 0x00, 0xE0};
	/* jsonb whose header says both object and array */
	const uint8_t bad_jsonb[] = {0x0b, 0x01, 0x00, 0x00, 0x60};
	/* jsonb array of one entry whose end lies past the data */
	const uint8_t jsonb_past[] = {0x15, 0x01, 0x00, 0x00, 0x40, 0x09, 0x00, 0x00, 0x80, 'a'};
	/* int4[] claiming element type text */
	const uint8_t wrong_elem[] = {0x2b, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 1, 0, 0, 0,
	1, 0, 0, 0};
	const uint8_t enum_oid[] = {0xff, 0xff, 0xff, 0x7f};
	const uint8_t int4[] = {1, 0, 0};
	/* a TOAST pointer whose stored size exceeds its raw size */
	const uint8_t toast[] = {0x01, 18, 20, 0, 0, 0, 200, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0};
	uint32_t	mood = 0;

	for (size_t i = 0; i < f->ntypes; i++)
		if (strcmp(f->types[i].name, "mood") == 0)
			mood = f->types[i].oid;
	ck_assert_uint_ne(mood, 0);
	expect_hex(f, 1700, bad_digit, sizeof(bad_digit), "digit");
	expect_hex(f, 1700, bad_special, sizeof(bad_special), "special");
	expect_hex(f, 3802, bad_jsonb, sizeof(bad_jsonb), "header");
	expect_hex(f, 3802, jsonb_past, sizeof(jsonb_past), "does not fit");
	expect_hex(f, 1007, wrong_elem, sizeof(wrong_elem), "element type");
	expect_hex(f, mood, enum_oid, sizeof(enum_oid), "label");
	expect_hex(f, 23, int4, sizeof(int4), "3 bytes");
	expect_hex(f, 424242, int4, sizeof(int4), "unknown");
	expect_hex(f, 25, toast, sizeof(toast), "TOAST pointer");
	/* the header says 5 bytes, 3 are given */
	expect_hex(f, 25, bad_digit, 3, "varlena");
	datum_fixture_free(f);
}
END_TEST

/* A value of a type without a decoder is kept as hex of its data: after
 * the header, decompressed, fetched from TOAST. */
START_TEST(unknown_type_is_hex_of_its_data)
{
	datum_fixture *f = load15();
	datum_env	env = datum_fixture_env(f);
	const storage_form forms[] = {FORM_SHORT, FORM_INLINE_PGLZ, FORM_EXTERNAL_PLAIN,
	FORM_EXTERNAL_LZ4};
	datum_type *opaque;

	f->types = realloc(f->types, (f->ntypes + 1) * sizeof(datum_type));
	opaque = &f->types[f->ntypes++];
	memset(opaque, 0, sizeof(*opaque));
	opaque->oid = 999999;
	snprintf(opaque->name, sizeof(opaque->name), "opaque");
	opaque->len = -1;
	opaque->align = 'i';
	opaque->kind = 'b';
	opaque->category = 'U';
	for (size_t k = 0; k < sizeof(forms) / sizeof(forms[0]); k++)
	{
		const fx_table *t;
		size_t		row,
					att,
					len;
		const uint8_t *v;
		const fx_bytes *want;
		text_buf	out = {0};
		datum_result res;
		rw_error	err;

		ck_assert(find_form(f, forms[k], 25, &t, &row, &att, &v, &len));
		ck_assert_uint_eq(t->attrs[att].typid, 25);	/* text: its data is its text */
		want = &t->rows[row].text[att];
		ck_assert(datum_to_text(&env, 999999, v, len, &out, &res, &err));
		ck_assert_int_eq(res.outcome, DATUM_HEX);
		ck_assert_msg(strstr(res.why, "opaque") != NULL, "%s", res.why);
		ck_assert_uint_eq(out.len, 2 + 2 * want->len);
		for (size_t i = 0; i < want->len; i++)
		{
			char		pair[3];

			snprintf(pair, sizeof(pair), "%02x", want->data[i]);
			ck_assert(memcmp(out.data + 2 + 2 * i, pair, 2) == 0);
		}
		text_buf_free(&out);
	}
	datum_fixture_free(f);
}
END_TEST

/* A tuple that does not fit its length or its table is refused. */
START_TEST(tuple_deform_rejects)
{
	datum_fixture *f = load15();
	const fx_table *t = datum_fixture_table(f, "t_deform");
	const fx_row *r;
	const uint8_t *values[64];
	size_t		lens[64];
	bool		isnull[64];
	uint8_t    *copy;
	rw_error	err;

	ck_assert_ptr_nonnull(t);
	r = &t->rows[1];			/* id 2: ends with a 200-byte text */
	ck_assert(!tuple_deform(r->tuple.data, r->tuple.len - 1, t->attrs, t->natts,
							values, lens, isnull, &err));
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
	ck_assert(!tuple_deform(r->tuple.data, 20, t->attrs, t->natts, values, lens, isnull, &err));
	/* more attributes in the tuple than the table has: a wrong layout */
	ck_assert(!tuple_deform(r->tuple.data, r->tuple.len, t->attrs, 3,
							values, lens, isnull, &err));
	ck_assert_msg(strstr(err.msg, "attributes") != NULL, "%s", err.msg);
	/* t_hoff past the end */
	copy = malloc(r->tuple.len);
	memcpy(copy, r->tuple.data, r->tuple.len);
	copy[22] = 0xF8;
	ck_assert(!tuple_deform(copy, 100, t->attrs, t->natts, values, lens, isnull, &err));
	free(copy);
	datum_fixture_free(f);
}
END_TEST

/*
 * Damaged bytes never crash the decoder or make it read outside them: every
 * tuple of the fixture and every value in it, with bytes changed at
 * random (a fixed seed), gives an error, hex or text, nothing else (run
 * under the sanitizers by make check-asan).
 */
START_TEST(damaged_bytes_stay_inside)
{
	datum_fixture *f = load15();
	datum_env	env = datum_fixture_env(f);
	uint32_t	seed = 20261206;
	text_buf	out = {0};
	size_t		tried = 0,
				hex = 0;

	for (size_t ti = 0; ti < f->ntables; ti++)
	{
		const fx_table *t = &f->tables[ti];
		const uint8_t *values[64];
		size_t		lens[64];
		bool		isnull[64];

		for (size_t ri = 0; ri < t->nrows; ri++)
		{
			const fx_row *r = &t->rows[ri];
			size_t		len = r->tuple.len;

			for (int round = 0; round < 40; round++)
			{
				uint8_t    *copy = malloc(len);
				rw_error	err;

				memcpy(copy, r->tuple.data, len);
				for (int k = 0; k < 1 + round % 4; k++)
				{
					size_t		at;

					seed = seed * 1103515245u + 12345u;
					/* past the tuple header half the time, where values are */
					at = (seed >> 8) % len;
					if (round % 2 && len > 24)
						at = 24 + (seed >> 8) % (len - 24);
					copy[at] ^= (uint8_t) (1u << ((seed >> 4) % 8));
				}
				if (tuple_deform(copy, len, t->attrs, t->natts, values, lens, isnull, &err))
				{
					for (size_t i = 0; i < t->natts; i++)
					{
						datum_result res;

						if (t->attrs[i].dropped)
							continue;
						text_buf_reset(&out);
						if (datum_to_text(&env, t->attrs[i].typid, isnull[i] ? NULL : values[i],
										  lens[i], &out, &res, &err))
						{
							hex += res.outcome == DATUM_HEX;
							ck_assert(res.outcome != DATUM_HEX || strncmp(out.data, "\\x", 2) == 0);
						}
						tried++;
					}
				}
				free(copy);
			}
		}
	}
	ck_assert_uint_gt(tried, 1000);
	ck_assert_uint_gt(hex, 10);
	text_buf_free(&out);
	datum_fixture_free(f);
}
END_TEST

extern Suite *datum_suite(void);

Suite *
datum_suite(void)
{
	Suite	   *s = suite_create("datum");
	TCase	   *tc = tcase_create("core");

	tcase_add_loop_test(tc, tuples_deform_as_pageinspect, 0, NMAJORS);
	tcase_add_loop_test(tc, values_as_postgres_prints_them, 0, NMAJORS);
	tcase_add_loop_test(tc, rows_as_copy_writes_them, 0, NMAJORS);
	tcase_add_loop_test(tc, fixture_has_every_storage_form, 0, NMAJORS);
	tcase_add_test(tc, varlena_headers);
	tcase_add_test(tc, decompress_postgres_data);
	tcase_add_test(tc, toast_fetch_failure_is_an_error);
	tcase_add_test(tc, toast_value_missing_is_hex);
	tcase_add_test(tc, damaged_values_are_hex);
	tcase_add_test(tc, unknown_type_is_hex_of_its_data);
	tcase_add_test(tc, tuple_deform_rejects);
	tcase_add_test(tc, damaged_bytes_stay_inside);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * csv_append_row and csv_append_field against the lines COPY ... TO STDOUT
 * (FORMAT csv) wrote in PostgreSQL 15 (t/fixtures/csv-rows.inc): fields
 * with a delimiter, a quote, CR, LF, the empty string, NULL and "\.", as
 * the only column of a row and as one of two.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datum.h"

typedef struct csv_case {
	int			ncols;
	const char *fields_hex[2];	/* NULL: SQL NULL */
	const char *line_hex;
} csv_case;

static const csv_case cases[] = {
#include "../fixtures/csv-rows.inc"
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

static size_t
unhex(const char *hex, char *out, size_t cap)
{
	size_t		n = strlen(hex) / 2;

	ck_assert_uint_lt(n, cap);
	for (size_t i = 0; i < n; i++)
	{
		unsigned	b;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (char) b;
	}
	out[n] = '\0';
	return n;
}

typedef struct csv_row {
	char		bytes[2][64];
	const char *fields[2];
	size_t		lens[2];
	bool		isnull[2];
	char		line[256];
	size_t		line_len;
} csv_row;

static void
row_of(const csv_case *c, csv_row *r)
{
	for (int i = 0; i < c->ncols; i++)
	{
		r->isnull[i] = c->fields_hex[i] == NULL;
		r->lens[i] = r->isnull[i] ? 0 : unhex(c->fields_hex[i], r->bytes[i], sizeof(r->bytes[i]));
		r->fields[i] = r->isnull[i] ? NULL : r->bytes[i];
	}
	r->line_len = unhex(c->line_hex, r->line, sizeof(r->line));
}

static bool
is_end_marker(const csv_row *r, int i)
{
	return !r->isnull[i] && r->lens[i] == 2 && memcmp(r->fields[i], "\\.", 2) == 0;
}

/* A row comes out byte for byte as COPY wrote it. */
START_TEST(rows_as_copy)
{
	text_buf	out = {0};
	size_t		one = 0,
				two = 0;

	ck_assert_uint_ge(NCASES, 20);
	for (size_t k = 0; k < NCASES; k++)
	{
		csv_row		r;

		row_of(&cases[k], &r);
		text_buf_reset(&out);
		csv_append_row(&out, r.fields, r.lens, r.isnull, (size_t) cases[k].ncols);
		ck_assert_msg(out.len == r.line_len && memcmp(out.data, r.line, out.len) == 0,
					  "row %zu: [%s], COPY wrote [%s]", k, out.data, r.line);
		if (cases[k].ncols == 1)
			one++;
		else
			two++;
	}
	ck_assert_uint_gt(one, 0);
	ck_assert_uint_gt(two, 0);
	text_buf_free(&out);
}
END_TEST

/* Field by field: as COPY writes them, but for "\." in a row of several
 * columns, which csv_append_field quotes all the same. */
START_TEST(fields_as_copy)
{
	text_buf	out = {0};
	size_t		markers = 0;

	for (size_t k = 0; k < NCASES; k++)
	{
		csv_row		r;

		row_of(&cases[k], &r);
		text_buf_reset(&out);
		for (int i = 0; i < cases[k].ncols; i++)
		{
			if (i > 0)
				text_buf_append(&out, ",", 1);
			csv_append_field(&out, r.fields[i], r.lens[i], r.isnull[i]);
		}
		text_buf_append(&out, "\n", 1);
		if (cases[k].ncols == 2 && (is_end_marker(&r, 0) || is_end_marker(&r, 1)))
		{
			ck_assert_str_eq(out.data, "\"\\.\",\"\\.\"\n");
			markers++;
			continue;
		}
		ck_assert_msg(out.len == r.line_len && memcmp(out.data, r.line, out.len) == 0,
					  "row %zu: [%s], COPY wrote [%s]", k, out.data, r.line);
	}
	ck_assert_uint_eq(markers, 1);
	text_buf_free(&out);
}
END_TEST

/* The empty string and NULL differ; a NULL's field is never read. */
START_TEST(empty_and_null)
{
	text_buf	out = {0};

	csv_append_field(&out, "", 0, false);
	ck_assert_str_eq(out.data, "\"\"");
	text_buf_reset(&out);
	csv_append_field(&out, NULL, 0, true);
	ck_assert_uint_eq(out.len, 0);
	csv_append_field(&out, "ignored", 7, true);
	ck_assert_uint_eq(out.len, 0);
	/* only len bytes count, even with a quote beyond them */
	csv_append_field(&out, "ab\"", 2, false);
	ck_assert_str_eq(out.data, "ab");
	text_buf_free(&out);
}
END_TEST

Suite	   *csv_suite(void);

Suite *
csv_suite(void)
{
	Suite	   *s = suite_create("csv");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, rows_as_copy);
	tcase_add_test(tc, fields_as_copy);
	tcase_add_test(tc, empty_and_null);
	suite_add_tcase(s, tc);
	return s;
}

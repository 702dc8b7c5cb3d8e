/*
 * Unit tests of timeline histories (lib/timeline.c), on hand-written and
 * real history files.  Reads the fixtures; writes nothing.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "timeline.h"

#define OPEN LSN_INVALID

static void
parse_ok(const char *text, uint32_t tli, tl_history *h)
{
	rw_error	err;

	ck_assert_msg(tl_parse(text, strlen(text), tli, "test.history", h, &err),
				  "%s", err.msg);
}

static void
assert_entry(const tl_history *h, size_t i, uint32_t tli, lsn_t begin, lsn_t end)
{
	ck_assert_uint_lt(i, h->n);
	ck_assert_uint_eq(h->entries[i].tli, tli);
	ck_assert_uint_eq(h->entries[i].begin, begin);
	ck_assert_uint_eq(h->entries[i].end, end);
}

/* A history file of timeline 3 as PostgreSQL 15 writes it (an empty line included). */
static const char real_history3[] =
	"1\t0/18B1420\tno recovery target specified\n"
	"\n"
	"2\t0/18B5F10\tno recovery target specified\n";

START_TEST(parse_real_format)
{
	tl_history	h;

	parse_ok(real_history3, 3, &h);
	ck_assert_uint_eq(h.n, 3);
	assert_entry(&h, 0, 1, 0, 0x18B1420);
	assert_entry(&h, 1, 2, 0x18B1420, 0x18B5F10);
	assert_entry(&h, 2, 3, 0x18B5F10, OPEN);
	tl_free(&h);
	ck_assert_ptr_null(h.entries);
	ck_assert_uint_eq(h.n, 0);
}
END_TEST

START_TEST(parse_lenient_spacing)
{
	tl_history	h;

	parse_ok("# comment line\n"
			 "   \t\n"
			 "  # indented comment\n"
			 "1 00/018B1420   reason with  spaces\r\n"
			 "3\t0/18B1420\n"		/* same switch point, no reason */
			 "   7   1/0000ABCD", 9, &h);
	ck_assert_uint_eq(h.n, 4);
	assert_entry(&h, 0, 1, 0, 0x18B1420);
	assert_entry(&h, 1, 3, 0x18B1420, 0x18B1420);
	assert_entry(&h, 2, 7, 0x18B1420, UINT64_C(0x10000ABCD));
	assert_entry(&h, 3, 9, UINT64_C(0x10000ABCD), OPEN);
	tl_free(&h);
}
END_TEST

START_TEST(parse_empty)
{
	tl_history	h;

	parse_ok("", 2, &h);
	ck_assert_uint_eq(h.n, 1);
	assert_entry(&h, 0, 2, 0, OPEN);
	tl_free(&h);
	parse_ok("\n# nothing\n\n", 2, &h);
	ck_assert_uint_eq(h.n, 1);
	tl_free(&h);
}
END_TEST

START_TEST(parse_uses_len)
{
	tl_history	h;
	rw_error	err;
	const char *text = "1\t0/100\tr\ngarbage that is not counted";

	ck_assert(tl_parse(text, 10, 2, "x", &h, &err));
	ck_assert_uint_eq(h.n, 2);
	assert_entry(&h, 0, 1, 0, 0x100);
	tl_free(&h);
}
END_TEST

typedef struct bad_history {
	const char *text;
	uint32_t	tli;
	const char *needle;
} bad_history;

static const bad_history bad[] = {
	{"x\t0/1\n", 2, "line 1: expected a numeric timeline ID"},
	{"1x\t0/1\n", 2, "numeric timeline ID"},
	{"-1\t0/1\n", 2, "numeric timeline ID"},
	{"99999999999\t0/1\n", 2, "numeric timeline ID"},
	{"1\n", 2, "line 1: expected a WAL switch point"},
	{"1\t\n", 2, "switch point"},
	{"1\t0x1/2\n", 2, "switch point"},
	{"1\t12345\n", 2, "switch point"},
	{"1\t0/1\n\n2\t0/G\n", 3, "line 3: expected a WAL switch point"},
	{"1\t0/100\n1\t0/200\n", 3, "increasing"},
	{"2\t0/100\n1\t0/200\n", 3, "increasing"},
	{"1\t0/200\n2\t0/100\n", 3, "before the previous"},
	{"2\t0/100\n", 2, "not a valid ancestor of timeline 2"},
	{"3\t0/100\n", 2, "not a valid ancestor"},
	{"0\t0/100\n", 2, "not a valid ancestor"},
	{"1\t0/0\n", 2, "invalid switch point"},
};

START_TEST(parse_rejects)
{
	const bad_history *b = &bad[_i];
	tl_history	h = {NULL, 0};
	rw_error	err;

	ck_assert(!tl_parse(b->text, strlen(b->text), b->tli, "pg_wal/0000000X.history",
						&h, &err));
	ck_assert_int_eq(err.kind, RW_ECORRUPT);
	ck_assert_msg(strstr(err.msg, b->needle) != NULL, "\"%s\": %s", b->text, err.msg);
	ck_assert_msg(strncmp(err.msg, "pg_wal/0000000X.history: ", 25) == 0, "%s", err.msg);
	ck_assert_ptr_null(h.entries);
	ck_assert_uint_eq(h.n, 0);
}
END_TEST

START_TEST(single)
{
	tl_history	h;

	tl_single(1, &h);
	ck_assert_uint_eq(h.n, 1);
	assert_entry(&h, 0, 1, 0, OPEN);
	ck_assert_uint_eq(tl_tli_at(&h, 0), 1);
	ck_assert_uint_eq(tl_tli_at(&h, UINT64_MAX), 1);
	tl_free(&h);
}
END_TEST

START_TEST(divergence_source_promoted)
{
	/* target stayed on 1; source was promoted to 2 at 0/3000000 */
	tl_history	target, source;
	lsn_t		at;
	size_t		idx;
	rw_error	err;

	tl_single(1, &target);
	parse_ok("1\t0/3000000\tno recovery target specified\n", 2, &source);
	ck_assert(tl_find_divergence(&target, &source, &at, &idx, &err));
	ck_assert_uint_eq(at, 0x3000000);
	ck_assert_uint_eq(idx, 0);
	/* symmetric */
	ck_assert(tl_find_divergence(&source, &target, &at, &idx, &err));
	ck_assert_uint_eq(at, 0x3000000);
	ck_assert_uint_eq(idx, 0);
	tl_free(&target);
	tl_free(&source);
}
END_TEST

START_TEST(divergence_sibling_timelines)
{
	/* both left timeline 2, at different points, to 3 and 4 */
	tl_history	a, b;
	lsn_t		at;
	size_t		idx;
	rw_error	err;

	parse_ok("1\t0/1000000\tx\n2\t0/5000000\tx\n", 3, &a);
	parse_ok("1\t0/1000000\tx\n2\t0/4000000\tx\n", 4, &b);
	ck_assert(tl_find_divergence(&a, &b, &at, &idx, &err));
	ck_assert_uint_eq(idx, 1);
	ck_assert_uint_eq(at, 0x4000000);
	tl_free(&a);
	tl_free(&b);
}
END_TEST

START_TEST(divergence_same_tli_different_begin)
{
	/* both on "timeline 2", but it began at different points: 1 is common */
	tl_history	a, b;
	lsn_t		at;
	size_t		idx;
	rw_error	err;

	parse_ok("1\t0/1000000\n", 2, &a);
	parse_ok("1\t0/2000000\n", 2, &b);
	ck_assert(tl_find_divergence(&a, &b, &at, &idx, &err));
	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_eq(at, 0x1000000);
	tl_free(&a);
	tl_free(&b);
}
END_TEST

START_TEST(divergence_same_timeline)
{
	tl_history	a, b;
	lsn_t		at = 1;
	size_t		idx;
	rw_error	err;

	parse_ok("1\t0/1000000\n", 2, &a);
	parse_ok("1\t0/1000000\n", 2, &b);
	ck_assert(tl_find_divergence(&a, &b, &at, &idx, &err));
	ck_assert_uint_eq(idx, 1);
	ck_assert_uint_eq(at, OPEN);	/* never part */
	tl_free(&a);
	tl_free(&b);
}
END_TEST

START_TEST(divergence_none)
{
	tl_history	a, b;
	lsn_t		at;
	size_t		idx;
	rw_error	err;

	tl_single(1, &a);
	tl_single(2, &b);
	ck_assert(!tl_find_divergence(&a, &b, &at, &idx, &err));
	ck_assert_str_eq(err.msg, "could not find common ancestor of the source and "
					 "target cluster's timelines");
	tl_free(&a);
	tl_free(&b);
}
END_TEST

START_TEST(tli_at)
{
	tl_history	h;

	parse_ok(real_history3, 3, &h);
	ck_assert_uint_eq(tl_tli_at(&h, 0), 1);
	ck_assert_uint_eq(tl_tli_at(&h, 0x18B141F), 1);
	ck_assert_uint_eq(tl_tli_at(&h, 0x18B1420), 2);
	ck_assert_uint_eq(tl_tli_at(&h, 0x18B5F0F), 2);
	ck_assert_uint_eq(tl_tli_at(&h, 0x18B5F10), 3);
	ck_assert_uint_eq(tl_tli_at(&h, UINT64_MAX), 3);
	tl_free(&h);
}
END_TEST

START_TEST(tli_for_segment)
{
	tl_history	h;
	const uint32_t seg = 16u << 20;

	/* switches at 0/2000000 (a segment boundary) and 0/38B5F10 (mid-segment) */
	parse_ok("1\t0/2000000\n2\t0/38B5F10\n", 3, &h);
	ck_assert_uint_eq(tl_tli_for_segment(&h, 0, seg), 1);
	ck_assert_uint_eq(tl_tli_for_segment(&h, 1, seg), 1);	/* ends exactly at the switch */
	ck_assert_uint_eq(tl_tli_for_segment(&h, 2, seg), 2);
	ck_assert_uint_eq(tl_tli_for_segment(&h, 3, seg), 3);	/* holds the switch */
	ck_assert_uint_eq(tl_tli_for_segment(&h, 4, seg), 3);
	ck_assert_uint_eq(tl_tli_for_segment(&h, 1000000, seg), 3);
	/* 64 MiB segments: segment 0 holds both switches */
	ck_assert_uint_eq(tl_tli_for_segment(&h, 0, 64u << 20), 3);
	tl_free(&h);
}
END_TEST

START_TEST(contains)
{
	tl_history	h;
	const tl_entry *e = NULL;

	parse_ok("1\t0/100\n4\t0/200\n", 6, &h);
	ck_assert(tl_contains(&h, 1, &e));
	ck_assert_uint_eq(e->end, 0x100);
	ck_assert(tl_contains(&h, 4, &e));
	ck_assert_uint_eq(e->begin, 0x100);
	ck_assert(tl_contains(&h, 6, NULL));
	ck_assert(!tl_contains(&h, 2, &e));
	ck_assert(!tl_contains(&h, 7, NULL));
	tl_free(&h);
}
END_TEST

/* The promoted 15 cluster of the fixtures has a real 00000002.history. */
START_TEST(real_history_file)
{
	size_t		len;
	char	   *text = (char *) fixture_read("pg15-promoted/wal/00000002.history", &len);
	tl_history	h;
	rw_error	err;

	if (text == NULL)
	{
		fprintf(stderr, "test_timeline: no fixture 00000002.history, skipped\n");
		return;
	}
	ck_assert_msg(tl_parse(text, len, 2, "00000002.history", &h, &err), "%s", err.msg);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_uint_eq(h.entries[0].tli, 1);
	ck_assert_uint_ne(h.entries[0].end, OPEN);
	assert_entry(&h, 1, 2, h.entries[0].end, OPEN);
	tl_free(&h);
	free(text);
}
END_TEST

extern Suite *timeline_suite(void);

Suite *timeline_suite(void)
{
	Suite	   *s = suite_create("timeline");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, parse_real_format);
	tcase_add_test(tc, parse_lenient_spacing);
	tcase_add_test(tc, parse_empty);
	tcase_add_test(tc, parse_uses_len);
	tcase_add_loop_test(tc, parse_rejects, 0, (int) (sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, single);
	tcase_add_test(tc, divergence_source_promoted);
	tcase_add_test(tc, divergence_sibling_timelines);
	tcase_add_test(tc, divergence_same_tli_different_begin);
	tcase_add_test(tc, divergence_same_timeline);
	tcase_add_test(tc, divergence_none);
	tcase_add_test(tc, tli_at);
	tcase_add_test(tc, tli_for_segment);
	tcase_add_test(tc, contains);
	tcase_add_test(tc, real_history_file);
	suite_add_tcase(s, tc);
	return s;
}

/*
 * Unit tests of reading the source's WAL pages through the source
 * (src/source/source_wal.c): the file a page is in follows the source's
 * history, a chunk fetched serves the pages after it, a missing or short
 * file is RW_EMISSING naming it.  A fake source serves files from memory:
 * every byte of a file is (offset / 8192 + segno) & 0xFF.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/source_wal.h"
#include "xalloc.h"

#define SEGSIZE (2 * 1024 * 1024)	/* two chunks per segment */
#define PAGE 8192

extern Suite *source_wal_suite(void);

typedef struct fake_source {
	source		base;
	int			fetches;
	uint32_t	short_len;		/* > 0: every file ends there */
	char		asked[64];		/* the last path fetched */
} fake_source;

static bool
fake_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink, void *ctx,
		   rw_error *err)
{
	fake_source *f = (fake_source *) s;
	uint8_t    *buf = xmalloc(FETCH_RANGE_MAX);
	bool		ok = true;

	f->fetches++;
	for (size_t i = 0; i < n && ok; i++)
	{
		uint32_t	tli;
		uint64_t	segno;
		bool		has = strncmp(ranges[i].path, "pg_wal/", 7) == 0 &&
			wal_file_name_parse(ranges[i].path + 7, SEGSIZE, &tli, &segno) && segno != 9;
		size_t		len = ranges[i].len;

		snprintf(f->asked, sizeof(f->asked), "%s", ranges[i].path);
		if (has && f->short_len > 0)
			len = ranges[i].offset >= f->short_len ? 0 : f->short_len - ranges[i].offset;
		for (size_t b = 0; has && b < len; b++)
			buf[b] = (uint8_t) ((ranges[i].offset + b) / PAGE + segno);
		ok = sink(ctx, i, buf, has ? len : 0, !has, err);
	}
	free(buf);
	return ok;
}

static const source_ops fake_ops = {.fetch = fake_fetch};

/* Timeline 1 up to segment 3's middle, then timeline 2. */
static void
history_1_2(tl_history *h)
{
	tl_entry	e[2] = {{.tli = 1,.begin = 0,.end = 3 * (lsn_t) SEGSIZE + SEGSIZE / 2},
	{.tli = 2,.begin = 3 * (lsn_t) SEGSIZE + SEGSIZE / 2,.end = LSN_INVALID}};

	h->n = 2;
	h->entries = xmalloc(sizeof(e));
	memcpy(h->entries, e, sizeof(e));
}

static void
expect_page(wal_page_reader r, lsn_t lsn, uint8_t want)
{
	uint8_t		buf[PAGE];
	rw_error	err;

	rw_error_clear(&err);
	ck_assert_msg(r.read_page(r.ctx, lsn, buf, &err), "%s", err.msg);
	ck_assert_uint_eq(buf[0], want);
	ck_assert_uint_eq(buf[PAGE - 1], want);
}

START_TEST(pages_follow_history_and_chunks)
{
	fake_source f = {.base = {.ops = &fake_ops}};
	tl_history	h;
	source_wal *w;
	wal_page_reader r;
	lsn_t		seg3 = 3 * (lsn_t) SEGSIZE;
	lsn_t		seg2 = 2 * (lsn_t) SEGSIZE;

	history_1_2(&h);
	w = source_wal_open(&f.base, &h, SEGSIZE, PAGE);
	r = source_wal_page_reader(w);
	/* segment 2 is wholly timeline 1's */
	expect_page(r, seg2, 2);
	ck_assert_str_eq(f.asked, "pg_wal/000000010000000000000002");
	expect_page(r, seg2 + FETCH_RANGE_MAX - PAGE, (uint8_t) ((FETCH_RANGE_MAX - PAGE) / PAGE + 2));
	ck_assert_int_eq(f.fetches, 1);
	/* the next chunk, one more fetch */
	expect_page(r, seg2 + FETCH_RANGE_MAX, (uint8_t) (FETCH_RANGE_MAX / PAGE + 2));
	ck_assert_int_eq(f.fetches, 2);
	/* segment 3 holds the switch to timeline 2: the file of timeline 2 */
	expect_page(r, seg3, 3);
	ck_assert_str_eq(f.asked, "pg_wal/000000020000000000000003");
	ck_assert_uint_eq(source_wal_bytes_read(w), 3 * FETCH_RANGE_MAX);
	source_wal_close(w);
	tl_free(&h);
}
END_TEST

START_TEST(missing_and_short_files)
{
	fake_source f = {.base = {.ops = &fake_ops}};
	tl_history	h;
	source_wal *w;
	wal_page_reader r;
	uint8_t		buf[PAGE];
	rw_error	err;

	tl_single(1, &h);
	w = source_wal_open(&f.base, &h, SEGSIZE, PAGE);
	r = source_wal_page_reader(w);
	rw_error_clear(&err);
	ck_assert(!r.read_page(r.ctx, 9 * (lsn_t) SEGSIZE, buf, &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_msg(strstr(err.msg, "000000010000000000000009") != NULL, "%s", err.msg);
	f.short_len = PAGE + PAGE / 2;
	expect_page(r, 4 * (lsn_t) SEGSIZE, 4);
	rw_error_clear(&err);
	ck_assert(!r.read_page(r.ctx, 4 * (lsn_t) SEGSIZE + PAGE, buf, &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_msg(strstr(err.msg, "000000010000000000000004") != NULL &&
				  strstr(err.msg, "ends before") != NULL, "%s", err.msg);
	source_wal_close(w);
	tl_free(&h);
}
END_TEST

Suite *
source_wal_suite(void)
{
	Suite	   *s = suite_create("source_wal");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, pages_follow_history_and_chunks);
	tcase_add_test(tc, missing_and_short_files);
	suite_add_tcase(s, tc);
	return s;
}

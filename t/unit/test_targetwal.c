/*
 * Unit tests of reading the target's WAL pages (src/target/targetwal.c):
 * from pg_wal, and the segments of the shared history (wholly before the
 * divergence point) from the source when pg_wal lacks them; of the segment
 * holding the divergence point only its bytes before it, from any of the
 * source's copies; never a segment wholly after it.  A fake source serves
 * segments from memory.  Writes in a mkdtemp directory only.
 */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/targetwal.h"
#include "xalloc.h"

#define SEGSIZE (2 * 1024 * 1024)	/* two fetch ranges per segment */
#define PAGE 8192
#define TARGET_BYTE(segno) ((uint8_t) (0x10 + (segno)))
#define SOURCE_BYTE(segno) ((uint8_t) (0x50 + (segno)))

/*
 * The source has segments 1 to 3 of timeline 1 in its pg_wal, or when only
 * is set, that one file (segment 3) alone.
 */
typedef struct fake_source {
	source		base;
	int			fetches;		/* calls of fetch */
	bool		vanish;			/* every range after the first is missing */
	const char *only;
} fake_source;

static bool
fake_has(const fake_source *f, const char *path, uint64_t *segno)
{
	char		name[WAL_FILE_NAME_LEN + 1];

	if (f->only)
	{
		*segno = 3;
		return strncmp(path, "pg_wal/", 7) == 0 && strcmp(path + 7, f->only) == 0;
	}
	for (uint64_t s = 1; s <= 3; s++)
	{
		wal_file_name(name, 1, s, SEGSIZE);
		if (strncmp(path, "pg_wal/", 7) == 0 && strcmp(path + 7, name) == 0)
		{
			*segno = s;
			return true;
		}
	}
	return false;
}

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
		uint64_t	segno;
		bool		has = fake_has(f, ranges[i].path, &segno) && !(f->vanish && i > 0);

		if (has)
			memset(buf, SOURCE_BYTE(segno), ranges[i].len);
		ok = sink(ctx, i, buf, has ? ranges[i].len : 0, !has, err);
	}
	free(buf);
	return ok;
}

static void
fake_close(source *s)
{
	(void) s;
}

static const source_ops fake_ops = {.fetch = fake_fetch,.close = fake_close};

/* A target data directory whose pg_wal holds segment 1 of timeline 1. */
static char *
make_target(void)
{
	char	   *dir = xstrdup("/tmp/rw-targetwal-XXXXXX");
	char		name[WAL_FILE_NAME_LEN + 1];
	char	   *path;
	uint8_t    *bytes = xmalloc(SEGSIZE);
	FILE	   *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/pg_wal", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	free(path);
	wal_file_name(name, 1, 1, SEGSIZE);
	path = xasprintf("%s/pg_wal/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memset(bytes, TARGET_BYTE(1), SEGSIZE);
	ck_assert_uint_eq(fwrite(bytes, 1, SEGSIZE, f), SEGSIZE);
	fclose(f);
	free(path);
	free(bytes);
	return dir;
}

static void
remove_target(char *dir)
{
	char		name[WAL_FILE_NAME_LEN + 1];
	char	   *path;

	wal_file_name(name, 1, 1, SEGSIZE);
	path = xasprintf("%s/pg_wal/%s", dir, name);
	unlink(path);
	free(path);
	path = xasprintf("%s/pg_wal", dir);
	rmdir(path);
	free(path);
	rmdir(dir);
	free(dir);
}

/*
 * Read the page at offset off of segment segno; true when its first upto
 * bytes are want and the rest zero.
 */
static bool
page_upto(wal_page_reader r, uint64_t segno, uint32_t off, uint8_t want, size_t upto,
		  rw_error *err)
{
	uint8_t		buf[PAGE];

	if (!r.read_page(r.ctx, segno_start(segno, SEGSIZE) + off, buf, err))
		return false;
	for (size_t i = 0; i < PAGE; i++)
		if (buf[i] != (i < upto ? want : 0))
			return false;
	return true;
}

/* Read the page at offset off of segment segno; true when every byte is want. */
static bool
page_is(wal_page_reader r, uint64_t segno, uint32_t off, uint8_t want, rw_error *err)
{
	return page_upto(r, segno, off, want, PAGE, err);
}

START_TEST(shared_segments_from_source)
{
	char	   *dir = make_target();
	fake_source src = {.base = {.ops = &fake_ops}};
	tl_history	h;
	target_wal *w;
	wal_page_reader r;
	rw_error	err;

	tl_single(1, &h);
	w = target_wal_open(dir, &h, SEGSIZE, PAGE, NULL);
	/* the divergence point is inside segment 3: 1 and 2 are shared */
	target_wal_share_source(w, &src.base, segno_start(3, SEGSIZE) + 100, 2);
	r = target_wal_page_reader(w);

	ck_assert(page_is(r, 1, 0, TARGET_BYTE(1), &err));
	ck_assert_int_eq(src.fetches, 0);
	/* both fetch ranges of segment 2 arrive */
	ck_assert(page_is(r, 2, 0, SOURCE_BYTE(2), &err));
	ck_assert(page_is(r, 2, SEGSIZE - PAGE, SOURCE_BYTE(2), &err));
	ck_assert_int_eq(src.fetches, 1);
	ck_assert_uint_eq(target_wal_from_source_count(w), 1);
	ck_assert_uint_eq(target_wal_restored_count(w), 0);
	/* read again after another segment: the copy is kept, not fetched again */
	ck_assert(page_is(r, 1, PAGE, TARGET_BYTE(1), &err));
	ck_assert(page_is(r, 2, PAGE, SOURCE_BYTE(2), &err));
	ck_assert_int_eq(src.fetches, 1);

	/* segment 3 holds the divergence point: its bytes from there on are zero */
	ck_assert(!target_wal_prefix_from_source(w));
	ck_assert(page_upto(r, 3, 0, SOURCE_BYTE(3), 100, &err));
	ck_assert(page_upto(r, 3, SEGSIZE - PAGE, SOURCE_BYTE(3), 0, &err));
	ck_assert(target_wal_prefix_from_source(w));
	ck_assert_int_eq(src.fetches, 2);
	ck_assert_uint_eq(target_wal_from_source_count(w), 2);

	/* segment 4 lies wholly after it: the source is not asked */
	ck_assert(!page_is(r, 4, 0, SOURCE_BYTE(4), &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, "could not open file"));
	ck_assert_ptr_null(strstr(err.msg, "source"));
	ck_assert_int_eq(src.fetches, 2);

	/* segment 0 is shared, but the source lacks it too */
	ck_assert(!page_is(r, 0, 0, SOURCE_BYTE(0), &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, "not in the target's pg_wal, nor in the source's pg_wal"));
	ck_assert_ptr_nonnull(strstr(err.hint, "--method=compare"));
	ck_assert_int_eq(src.fetches, 3);
	ck_assert_uint_eq(target_wal_from_source_count(w), 2);

	target_wal_close(w);
	tl_free(&h);
	remove_target(dir);
}
END_TEST

START_TEST(segment_vanishing_on_source)
{
	char	   *dir = make_target();
	fake_source src = {.base = {.ops = &fake_ops},.vanish = true};
	tl_history	h;
	target_wal *w;
	rw_error	err;

	tl_single(1, &h);
	w = target_wal_open(dir, &h, SEGSIZE, PAGE, NULL);
	target_wal_share_source(w, &src.base, segno_start(3, SEGSIZE), 2);
	/* the first range arrives, the second is gone: not taken half */
	ck_assert(!page_is(target_wal_page_reader(w), 2, 0, SOURCE_BYTE(2), &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, "was removed from the source while it was read"));
	ck_assert_uint_eq(target_wal_from_source_count(w), 0);
	target_wal_close(w);
	tl_free(&h);
	remove_target(dir);
}
END_TEST

/*
 * The segment holding the divergence point from the source's other copies:
 * renamed .partial, or the same segment on its new timeline; with none of
 * them, not found.
 */
START_TEST(divergence_segment_copies)
{
	char		partial[WAL_FILE_NAME_LEN + sizeof(".partial")];
	char		newtli[WAL_FILE_NAME_LEN + 1];
	const char *only[] = {partial, newtli, "none"};
	int			fetches[] = {2, 3, 3};

	wal_file_name(newtli, 1, 3, SEGSIZE);
	snprintf(partial, sizeof(partial), "%s.partial", newtli);
	wal_file_name(newtli, 2, 3, SEGSIZE);
	for (int i = 0; i < 3; i++)
	{
		char	   *dir = make_target();
		fake_source src = {.base = {.ops = &fake_ops},.only = only[i]};
		tl_history	h;
		target_wal *w;
		rw_error	err;
		bool		found;

		tl_single(1, &h);
		w = target_wal_open(dir, &h, SEGSIZE, PAGE, NULL);
		target_wal_share_source(w, &src.base, segno_start(3, SEGSIZE) + 4096, 2);
		found = page_upto(target_wal_page_reader(w), 3, 0, SOURCE_BYTE(3), 4096, &err);
		ck_assert_int_eq(found, i < 2);
		ck_assert_int_eq(src.fetches, fetches[i]);
		if (!found)
		{
			ck_assert_int_eq(err.kind, RW_EMISSING);
			ck_assert_ptr_nonnull(strstr(err.msg, "nor in the source's pg_wal (WAL both servers "
										 "share in its part, before the divergence point"));
		}
		target_wal_close(w);
		tl_free(&h);
		remove_target(dir);
	}
}
END_TEST

START_TEST(no_source_without_divergence)
{
	char	   *dir = make_target();
	tl_history	h;
	target_wal *w;
	rw_error	err;

	tl_single(1, &h);
	w = target_wal_open(dir, &h, SEGSIZE, PAGE, NULL);
	/* no divergence point known (same timeline): pg_wal only */
	ck_assert(!page_is(target_wal_page_reader(w), 2, 0, SOURCE_BYTE(2), &err));
	ck_assert_int_eq(err.kind, RW_EMISSING);
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
	ck_assert_ptr_nonnull(strstr(err.hint, "restore_command"));
	target_wal_close(w);
	tl_free(&h);
	remove_target(dir);
}
END_TEST

extern Suite *targetwal_suite(void);

Suite *
targetwal_suite(void)
{
	Suite	   *s = suite_create("targetwal");
	TCase	   *tc = tcase_create("read");

	tcase_add_test(tc, shared_segments_from_source);
	tcase_add_test(tc, segment_vanishing_on_source);
	tcase_add_test(tc, divergence_segment_copies);
	tcase_add_test(tc, no_source_without_divergence);
	suite_add_tcase(s, tc);
	return s;
}

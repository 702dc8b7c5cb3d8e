/*
 * Whole-file copies of files the target already has, compared by SHA-256
 * with a directory source: identical files are dropped, large files that
 * differ in part become the blocks of their differing 1 MB chunks.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/skip_identical.h"
#include "plan/plan.h"
#include "source/source.h"
#include "xalloc.h"

#define MB (1024 * 1024)

/* Write size bytes (byte i = (i / 4096 + seed) % 251) to dir/name. */
static void
write_file(const char *dir, const char *name, size_t size, int seed)
{
	char	   *path = xasprintf("%s/%s", dir, name);
	FILE	   *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < size; i++)
		fputc((int) ((i / 4096 + (size_t) seed) % 251), f);
	fclose(f);
	free(path);
}

/* Change one byte of dir/name at offset. */
static void
poke(const char *dir, const char *name, long offset)
{
	char	   *path = xasprintf("%s/%s", dir, name);
	FILE	   *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, offset, SEEK_SET), 0);
	fputc(0xEE, f);
	fclose(f);
	free(path);
}

static void
add_copy(plan *p, const char *path, uint64_t size, bool target_exists, uint64_t target_size)
{
	plan_entry *e;

	xgrow((void **) &p->entries, &p->cap, p->n + 1, sizeof(plan_entry));
	e = &p->entries[p->n++];
	memset(e, 0, sizeof(*e));
	e->path = xstrdup(path);
	e->action = ACT_COPY;
	e->type = FILE_TYPE_REGULAR;
	e->source_size = size;
	e->target_size = target_size;
	e->target_exists = target_exists;
}

static const plan_entry *
find(const plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->entries[i].path, path) == 0)
			return &p->entries[i];
	return NULL;
}

START_TEST(test_skip_identical)
{
	char		src_dir[] = "/tmp/rw-hash-src-XXXXXX";
	char		tgt_dir[] = "/tmp/rw-hash-tgt-XXXXXX";
	plan		p = {0};
	rw_error	err;
	source	   *s;
	const plan_entry *e;
	char	   *cmd;

	ck_assert_ptr_nonnull(mkdtemp(src_dir));
	ck_assert_ptr_nonnull(mkdtemp(tgt_dir));
	/* same: identical; small: differs; big: 3.5 MB, differs in chunk 1;
	 * grown: sizes differ; new: only on the source; empty: both empty */
	write_file(src_dir, "same", 20000, 1);
	write_file(tgt_dir, "same", 20000, 1);
	write_file(src_dir, "small", 9000, 1);
	write_file(tgt_dir, "small", 9000, 2);
	write_file(src_dir, "big", 3 * MB + MB / 2, 3);
	write_file(tgt_dir, "big", 3 * MB + MB / 2, 3);
	poke(tgt_dir, "big", MB + 5);
	write_file(src_dir, "bigsame", 2 * MB, 4);
	write_file(tgt_dir, "bigsame", 2 * MB, 4);
	write_file(src_dir, "grown", 100, 1);
	write_file(tgt_dir, "grown", 50, 1);
	write_file(src_dir, "new", 100, 1);
	write_file(src_dir, "empty", 0, 1);
	write_file(tgt_dir, "empty", 0, 1);

	add_copy(&p, "big", 3 * MB + MB / 2, true, 3 * MB + MB / 2);
	add_copy(&p, "bigsame", 2 * MB, true, 2 * MB);
	add_copy(&p, "empty", 0, true, 0);
	add_copy(&p, "gone", 100, true, 100);	/* vanished from the source */
	write_file(tgt_dir, "gone", 100, 1);
	add_copy(&p, "grown", 100, true, 50);
	add_copy(&p, "new", 100, false, 0);
	add_copy(&p, "same", 20000, true, 20000);
	add_copy(&p, "small", 9000, true, 9000);
	plan_recount(&p);

	s = source_local_open(src_dir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(plan_skip_identical(&p, s, tgt_dir, &err), "%s", err.msg);

	ck_assert_ptr_null(find(&p, "same"));
	ck_assert_ptr_null(find(&p, "bigsame"));
	ck_assert_ptr_null(find(&p, "empty"));
	ck_assert_uint_eq(p.totals.identical_files, 3);
	/* same + bigsame + the 2.5 MB of big that match */
	ck_assert_uint_eq(p.totals.identical_bytes, 20000 + 2 * MB + 2 * MB + MB / 2);

	e = find(&p, "big");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, ACT_NONE);
	ck_assert_uint_eq(e->nblocks, MB / 8192);
	ck_assert_uint_eq(e->blocks[0], MB / 8192);
	ck_assert_uint_eq(e->blocks[e->nblocks - 1], 2 * MB / 8192 - 1);

	ck_assert_int_eq(find(&p, "small")->action, ACT_COPY);
	ck_assert_int_eq(find(&p, "grown")->action, ACT_COPY);
	ck_assert_int_eq(find(&p, "new")->action, ACT_COPY);
	ck_assert_int_eq(find(&p, "gone")->action, ACT_COPY);
	ck_assert_uint_eq(p.totals.fetch_bytes, MB + 9000 + 100 + 100 + 100);

	s->ops->close(s);
	plan_free(&p);
	cmd = xasprintf("rm -rf '%s' '%s'", src_dir, tgt_dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

/* The server's digests are SHA-256: the local source must give the same. */
START_TEST(test_local_digest_known_value)
{
	char		dir[] = "/tmp/rw-hash-kv-XXXXXX";
	char	   *path, *cmd;
	FILE	   *f;
	fetch_range r[2] = {{"abc", 0, 100}, {"missing", 0, 10}};
	source_digest d[2];
	rw_error	err;
	source	   *s;
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad
	};

	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/abc", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs("abc", f);
	fclose(f);
	free(path);
	s = source_local_open(dir, &err);
	ck_assert_ptr_nonnull(s);
	/* a range past the end hashes what there is, as pg_read_binary_file does */
	ck_assert_msg(s->ops->hash_ranges(s, r, 2, d, &err), "%s", err.msg);
	ck_assert(!d[0].missing);
	ck_assert_mem_eq(d[0].sha256, abc, 32);
	ck_assert(d[1].missing);
	s->ops->close(s);
	cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

/*
 * Block digests (hash_blocks): one per 8 kB block, a short last block hashed
 * as it is; the expected values are sha256sum's.
 */
START_TEST(test_local_block_digests)
{
	char		dir[] = "/tmp/rw-hash-blk-XXXXXX";
	char	   *path, *cmd;
	FILE	   *f;
	fetch_range r[4] = {{"f", 0, 3 * 8192}, {"f", 8192, 8192}, {"f", 3 * 8192, 8192},
	{"missing", 0, 10}};
	uint8_t		digests[4][3][32];
	source_block_digests d[4];
	rw_error	err;
	source	   *s;
	static const uint8_t abc[32] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
		0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
		0xf2, 0x00, 0x15, 0xad
	};
	static const uint8_t zeros8k[32] = {
		0x9f, 0x1d, 0xcb, 0xc3, 0x5c, 0x35, 0x0d, 0x60, 0x27, 0xf9, 0x8b, 0xe0, 0xf5, 0xc8,
		0xb4, 0x3b, 0x42, 0xca, 0x52, 0xb7, 0x60, 0x44, 0x59, 0xc0, 0xc4, 0x2b, 0xe3, 0xaa,
		0x88, 0x91, 0x3d, 0x47
	};

	for (int i = 0; i < 4; i++)
		d[i].sha256 = digests[i];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	path = xasprintf("%s/f", dir);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 8192; i++)
		fputc(0, f);
	fputs("abc", f);
	fclose(f);
	free(path);
	s = source_local_open(dir, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(s->ops->hash_blocks(s, r, 4, d, &err), "%s", err.msg);
	/* 8195 bytes: a full block of zeros, then "abc"; the range asked for 3 */
	ck_assert(!d[0].missing);
	ck_assert_uint_eq(d[0].nblocks, 2);
	ck_assert_mem_eq(d[0].sha256[0], zeros8k, 32);
	ck_assert_mem_eq(d[0].sha256[1], abc, 32);
	ck_assert_uint_eq(d[1].nblocks, 1);
	ck_assert_mem_eq(d[1].sha256[0], abc, 32);
	/* past the end: no block */
	ck_assert(!d[2].missing);
	ck_assert_uint_eq(d[2].nblocks, 0);
	ck_assert(d[3].missing);
	s->ops->close(s);
	cmd = xasprintf("rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}
END_TEST

extern Suite *skip_identical_suite(void);

Suite *skip_identical_suite(void)
{
	Suite	   *s = suite_create("skip_identical");
	TCase	   *tc = tcase_create("compare");

	tcase_add_test(tc, test_skip_identical);
	tcase_add_test(tc, test_local_digest_known_value);
	tcase_add_test(tc, test_local_block_digests);
	suite_add_tcase(s, tc);
	return s;
}

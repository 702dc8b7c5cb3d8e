/*
 * Unit tests of the plan (src/plan/plan.c): relation, special-file and WAL
 * actions, type conflicts, totals.  Memory only.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "blockmap.h"
#include "plan/plan.h"
#include "timeline.h"

#define SEG (16u * 1024 * 1024)
#define BLK 8192

typedef struct fixture {
	file_list	src;
	file_list	tgt;
	blockmap   *map;
	tl_history	hist;
	plan		p;
} fixture;

static void
both(fixture *f, const char *path, file_type type, uint64_t src_size, uint64_t tgt_size)
{
	file_list_add(&f->src, path, type, src_size, NULL);
	file_list_add(&f->tgt, path, type, tgt_size, NULL);
}

static const plan_entry *
find(const plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->entries[i].path, path) == 0)
			return &p->entries[i];
	return NULL;
}

/* keep_common: plan_input.keep_common, the block compare's plan */
static void
build_keep(fixture *f, bool keep_common)
{
	rw_error	err;
	static const char hist[] = "1\t0/3000100\tno recovery target specified\n";
	plan_input	in = {
		.ver = pgver_lookup(15),
		.tsdir = "PG_15_202209061",
		.segsize = SEG,
		.diverge = 0x3000100,
		.redo = 0x2000028,
		.source_end = 0x3800000,
		.keep_config = true,
		.keep_common = keep_common,
	};
	relfile_locator r85 = {1663, 5, 16385}, r86 = {1663, 5, 16386}, r84 = {1663, 5, 16384};
	relfile_locator r87 = {1663, 5, 16387};

	memset(f, 0, sizeof(*f));
	ck_assert(tl_parse(hist, strlen(hist), 2, "00000002.history", &f->hist, &err));
	in.source_history = &f->hist;

	both(f, "PG_VERSION", FILE_TYPE_REGULAR, 3, 3);
	both(f, "base", FILE_TYPE_DIRECTORY, 0, 0);
	both(f, "base/5", FILE_TYPE_DIRECTORY, 0, 0);
	both(f, "base/5/16384", FILE_TYPE_REGULAR, 3 * BLK, 3 * BLK);
	both(f, "base/5/16384_fsm", FILE_TYPE_REGULAR, 3 * BLK, 3 * BLK);
	both(f, "base/5/16385", FILE_TYPE_REGULAR, 2 * BLK, 4 * BLK);
	both(f, "base/5/16386", FILE_TYPE_REGULAR, 4 * BLK, 2 * BLK);
	/* the same size on both sides, its only changed block past that size */
	both(f, "base/5/16387", FILE_TYPE_REGULAR, 3 * BLK, 3 * BLK);
	file_list_add(&f->src, "base/5/16390", FILE_TYPE_REGULAR, BLK, NULL);
	file_list_add(&f->tgt, "base/5/16400", FILE_TYPE_REGULAR, 2 * BLK, NULL);
	both(f, "global", FILE_TYPE_DIRECTORY, 0, 0);
	both(f, "global/pg_control", FILE_TYPE_REGULAR, 8192, 8192);
	file_list_add(&f->tgt, "postmaster.pid", FILE_TYPE_REGULAR, 80, NULL);
	file_list_add(&f->src, "postmaster.opts", FILE_TYPE_REGULAR, 80, NULL);
	both(f, "postgresql.conf", FILE_TYPE_REGULAR, 100, 120);
	both(f, "pg_wal", FILE_TYPE_DIRECTORY, 0, 0);
	file_list_add(&f->src, "pg_wal/000000010000000000000000", FILE_TYPE_REGULAR, SEG, NULL);
	both(f, "pg_wal/000000010000000000000001", FILE_TYPE_REGULAR, SEG, SEG);
	both(f, "pg_wal/000000010000000000000002", FILE_TYPE_REGULAR, SEG, SEG);
	both(f, "pg_wal/000000010000000000000003", FILE_TYPE_REGULAR, SEG, SEG);
	file_list_add(&f->tgt, "pg_wal/000000010000000000000004", FILE_TYPE_REGULAR, SEG, NULL);
	both(f, "pg_wal/archive_status", FILE_TYPE_DIRECTORY, 0, 0);
	file_list_add(&f->tgt, "pg_wal/archive_status/000000010000000000000002.done",
				  FILE_TYPE_REGULAR, 0, NULL);
	file_list_add(&f->tgt, "pg_wal/archive_status/000000010000000000000004.ready",
				  FILE_TYPE_REGULAR, 0, NULL);
	file_list_add(&f->src, "pg_wal/000000020000000000000003", FILE_TYPE_REGULAR, SEG, NULL);
	/* recycled by the source ahead of its end */
	file_list_add(&f->src, "pg_wal/000000020000000000000005", FILE_TYPE_REGULAR, SEG, NULL);
	file_list_add(&f->src, "pg_wal/00000002.history", FILE_TYPE_REGULAR, 42, NULL);
	both(f, "pg_stat_tmp", FILE_TYPE_DIRECTORY, 0, 0);
	file_list_add(&f->tgt, "pg_stat_tmp/x", FILE_TYPE_REGULAR, 10, NULL);
	file_list_add(&f->src, "pg_stat_tmp/y", FILE_TYPE_REGULAR, 10, NULL);
	file_list_add(&f->src, "newdir", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&f->src, "newdir/f", FILE_TYPE_REGULAR, 5, NULL);
	file_list_add(&f->tgt, "olddir", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&f->tgt, "olddir/f", FILE_TYPE_REGULAR, 7, NULL);
	file_list_add(&f->tgt, "base/6", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(&f->tgt, "base/6/PG_VERSION", FILE_TYPE_REGULAR, 3, NULL);
	file_list_add(&f->tgt, "pg_hba.conf", FILE_TYPE_REGULAR, 3, NULL);
	file_list_sort(&f->src);
	file_list_sort(&f->tgt);

	f->map = blockmap_new();
	blockmap_add(f->map, r85, 1);
	blockmap_add(f->map, r85, 3);
	blockmap_add(f->map, r86, 0);
	blockmap_add(f->map, r84, 2);
	blockmap_add(f->map, r84, 2);
	blockmap_add(f->map, r87, 5);
	blockmap_finish(f->map);

	ck_assert(plan_build(&in, &f->src, &f->tgt, f->map, &f->p, &err));
}

static void
build(fixture *f)
{
	build_keep(f, false);
}

static void
teardown_fixture(fixture *f)
{
	plan_free(&f->p);
	blockmap_free(f->map);
	file_list_free(&f->src);
	file_list_free(&f->tgt);
	tl_free(&f->hist);
}

static void
expect(const plan *p, const char *path, plan_action action)
{
	const plan_entry *e = find(p, path);

	ck_assert_msg(e != NULL, "no plan entry for %s", path);
	ck_assert_msg(e->action == action, "%s: expected %s, got %s", path,
				  plan_action_name(action), plan_action_name(e->action));
}

START_TEST(relation_actions)
{
	fixture		f;
	const plan_entry *e;

	build(&f);
	e = find(&f.p, "base/5/16384");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, ACT_NONE);
	ck_assert_int_eq(e->nblocks, 1);
	ck_assert_int_eq(e->blocks[0], 2);

	e = find(&f.p, "base/5/16385");
	ck_assert_int_eq(e->action, ACT_TRUNCATE);
	ck_assert_int_eq(e->nblocks, 1);	/* block 3 lies beyond the source's size */
	ck_assert_int_eq(e->blocks[0], 1);

	e = find(&f.p, "base/5/16386");
	ck_assert_int_eq(e->action, ACT_COPY_TAIL);
	ck_assert_int_eq(e->nblocks, 1);

	expect(&f.p, "base/5/16384_fsm", ACT_COPY);
	expect(&f.p, "base/5/16390", ACT_COPY);
	expect(&f.p, "base/5/16400", ACT_REMOVE);
	/* nothing to do: no entry */
	ck_assert_ptr_null(find(&f.p, "base/5/16387"));
	teardown_fixture(&f);
}
END_TEST

/* The block compare's plan keeps every file both sides have, with its blocks. */
START_TEST(keep_common_keeps_untouched)
{
	fixture		f;
	const plan_entry *e;

	build_keep(&f, true);
	e = find(&f.p, "base/5/16387");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->action, ACT_NONE);
	ck_assert_int_eq(e->nblocks, 0);
	ck_assert_int_eq(e->source_size, 3 * BLK);
	ck_assert_int_eq(e->target_size, 3 * BLK);
	e = find(&f.p, "base/5/16384");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->nblocks, 1);
	ck_assert_int_eq(e->blocks[0], 2);
	teardown_fixture(&f);
}
END_TEST

START_TEST(special_files)
{
	fixture		f;

	build(&f);
	ck_assert_ptr_null(find(&f.p, "global/pg_control"));
	ck_assert_ptr_null(find(&f.p, "PG_VERSION"));
	ck_assert_ptr_null(find(&f.p, "postgresql.conf"));
	ck_assert_ptr_null(find(&f.p, "postmaster.opts"));
	ck_assert_ptr_null(find(&f.p, "pg_stat_tmp/y"));
	expect(&f.p, "postmaster.pid", ACT_REMOVE);
	expect(&f.p, "pg_stat_tmp/x", ACT_REMOVE);
	expect(&f.p, "newdir", ACT_CREATE_DIR);
	expect(&f.p, "newdir/f", ACT_COPY);
	expect(&f.p, "olddir", ACT_REMOVE);
	expect(&f.p, "olddir/f", ACT_REMOVE);
	/* a database only the target has goes away whole, PG_VERSION included */
	expect(&f.p, "base/6", ACT_REMOVE);
	expect(&f.p, "base/6/PG_VERSION", ACT_REMOVE);
	/* the target's own configuration stays */
	ck_assert_ptr_null(find(&f.p, "pg_hba.conf"));
	teardown_fixture(&f);
}
END_TEST

START_TEST(wal_segments)
{
	fixture		f;

	build(&f);
	/* wholly before the divergence point: the target's own copy is kept */
	ck_assert_ptr_null(find(&f.p, "pg_wal/000000010000000000000001"));
	ck_assert_ptr_null(find(&f.p, "pg_wal/000000010000000000000002"));
	ck_assert_int_eq(f.p.totals.wal_kept, 2);
	/* older than the redo point: never copied */
	ck_assert_ptr_null(find(&f.p, "pg_wal/000000010000000000000000"));
	/* holds the divergence point: the source's version */
	expect(&f.p, "pg_wal/000000010000000000000003", ACT_COPY);
	expect(&f.p, "pg_wal/000000020000000000000003", ACT_COPY);
	expect(&f.p, "pg_wal/00000002.history", ACT_COPY);
	/* archiver markers follow their segments: kept with it, or dropped */
	ck_assert_ptr_null(find(&f.p, "pg_wal/archive_status/000000010000000000000002.done"));
	expect(&f.p, "pg_wal/archive_status/000000010000000000000004.ready", ACT_REMOVE);
	/* past the source's end: recycled there, nothing to copy */
	ck_assert_ptr_null(find(&f.p, "pg_wal/000000020000000000000005"));
	/* diverged WAL of the target: recycled past every segment of both sides */
	expect(&f.p, "pg_wal/000000010000000000000004", ACT_RECYCLE);
	ck_assert_str_eq(find(&f.p, "pg_wal/000000010000000000000004")->recycle_to,
					 "pg_wal/000000020000000000000006");
	ck_assert_int_eq(f.p.totals.files[ACT_RECYCLE], 1);
	teardown_fixture(&f);
}
END_TEST

START_TEST(totals)
{
	fixture		f;
	const plan_totals *t;

	build(&f);
	t = &f.p.totals;
	ck_assert_int_eq(t->blocks, 3);
	ck_assert_int_eq(t->block_files, 3);
	ck_assert_int_eq(t->bytes[ACT_COPY_TAIL], 2 * BLK);
	ck_assert_int_eq(t->bytes[ACT_TRUNCATE], 2 * BLK);
	/* 3 blocks + tail + fsm + 16390 + newdir/f + two segments + history */
	ck_assert_int_eq(t->fetch_bytes, 3 * BLK + 2 * BLK + 3 * BLK + BLK + 5 + 2 * (uint64_t) SEG + 42);
	teardown_fixture(&f);
}
END_TEST

START_TEST(type_conflict_is_refused)
{
	file_list	src = {0}, tgt = {0};
	tl_history	h;
	plan		p;
	rw_error	err;
	blockmap   *map = blockmap_new();
	plan_input	in = {.ver = pgver_lookup(15), .tsdir = "PG_15_202209061", .segsize = SEG,
	.diverge = 0x3000100, .redo = 0x2000028, .source_history = &h, .keep_config = true};

	tl_single(1, &h);
	blockmap_finish(map);
	file_list_add(&src, "base/5/x", FILE_TYPE_REGULAR, 1, NULL);
	file_list_add(&tgt, "base/5/x", FILE_TYPE_DIRECTORY, 0, NULL);
	ck_assert(!plan_build(&in, &src, &tgt, map, &p, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "base/5/x"));
	blockmap_free(map);
	file_list_free(&src);
	file_list_free(&tgt);
	tl_free(&h);
}
END_TEST

extern Suite *plan_suite(void);

Suite *plan_suite(void)
{
	Suite	   *s = suite_create("plan");
	TCase	   *tc = tcase_create("build");

	tcase_add_test(tc, relation_actions);
	tcase_add_test(tc, keep_common_keeps_untouched);
	tcase_add_test(tc, special_files);
	tcase_add_test(tc, wal_segments);
	tcase_add_test(tc, totals);
	tcase_add_test(tc, type_conflict_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

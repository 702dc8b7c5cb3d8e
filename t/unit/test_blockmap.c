/*
 * Unit tests of the block map (lib/blockmap.c): distinct sorted blocks,
 * relation order, many relations and blocks.  Memory only.
 */

#include <check.h>
#include <stdlib.h>

#include "blockmap.h"

static relfile_locator
loc(uint32_t spc, uint32_t db, uint32_t rel)
{
	relfile_locator l = {spc, db, rel};

	return l;
}

START_TEST(empty)
{
	blockmap   *m = blockmap_new();
	size_t		n = 99;

	blockmap_finish(m);
	ck_assert_uint_eq(blockmap_relation_count(m), 0);
	ck_assert_uint_eq(blockmap_total_blocks(m), 0);
	ck_assert_ptr_null(blockmap_blocks(m, loc(1663, 5, 1259), &n));
	ck_assert_uint_eq(n, 0);
	blockmap_free(m);
	blockmap_free(NULL);
}
END_TEST

START_TEST(sorted_distinct)
{
	blockmap   *m = blockmap_new();
	static const uint32_t adds[] = {7, 3, 3, 9, 0, 7, UINT32_MAX - 1, 1, 3};
	static const uint32_t want[] = {0, 1, 3, 7, 9, UINT32_MAX - 1};
	const uint32_t *b;
	size_t		n;

	for (size_t i = 0; i < sizeof(adds) / sizeof(adds[0]); i++)
		blockmap_add(m, loc(1663, 5, 16384), adds[i]);
	blockmap_finish(m);
	b = blockmap_blocks(m, loc(1663, 5, 16384), &n);
	ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(b[i], want[i]);
	ck_assert_uint_eq(blockmap_total_blocks(m), n);
	/* a locator differing in one field only is another relation */
	ck_assert_ptr_null(blockmap_blocks(m, loc(1663, 5, 16385), &n));
	ck_assert_ptr_null(blockmap_blocks(m, loc(1663, 4, 16384), &n));
	ck_assert_ptr_null(blockmap_blocks(m, loc(1664, 5, 16384), &n));
	blockmap_free(m);
}
END_TEST

START_TEST(relations_ordered)
{
	blockmap   *m = blockmap_new();
	relfile_locator order[] = {
		loc(1663, 5, 2), loc(1663, 5, 10), loc(1663, 16384, 1),
		loc(1664, 0, 1262), loc(16400, 5, 16401),
	};
	const uint32_t *b;
	size_t		n;

	/* added in reverse, with a different block per relation */
	for (size_t i = sizeof(order) / sizeof(order[0]); i-- > 0;)
	{
		blockmap_add(m, order[i], (uint32_t) i * 10);
		blockmap_add(m, order[i], (uint32_t) i * 10);
	}
	blockmap_finish(m);
	ck_assert_uint_eq(blockmap_relation_count(m), 5);
	for (size_t i = 0; i < 5; i++)
	{
		relfile_locator r = blockmap_relation(m, i, &b, &n);

		ck_assert_uint_eq(r.spc, order[i].spc);
		ck_assert_uint_eq(r.db, order[i].db);
		ck_assert_uint_eq(r.rel, order[i].rel);
		ck_assert_uint_eq(n, 1);
		ck_assert_uint_eq(b[0], i * 10);
	}
	ck_assert_uint_eq(blockmap_total_blocks(m), 5);
	blockmap_free(m);
}
END_TEST

START_TEST(many_relations)
{
	blockmap   *m = blockmap_new();
	const uint32_t nrel = 20000;
	const uint32_t *b;
	size_t		n;

	for (uint32_t r = 0; r < nrel; r++)
		for (uint32_t k = 0; k <= r % 4; k++)
			blockmap_add(m, loc(1663 + r % 3, 5 + r % 7, 16384 + r), k * 2);
	/* lookups work before finish too (blocks unsorted, maybe duplicated) */
	ck_assert_ptr_nonnull(blockmap_blocks(m, loc(1663, 5, 16384), &n));
	blockmap_finish(m);
	ck_assert_uint_eq(blockmap_relation_count(m), nrel);
	for (uint32_t r = 0; r < nrel; r++)
	{
		b = blockmap_blocks(m, loc(1663 + r % 3, 5 + r % 7, 16384 + r), &n);
		ck_assert_uint_eq(n, r % 4 + 1);
		ck_assert_uint_eq(b[n - 1], (r % 4) * 2);
	}
	for (size_t i = 1; i < nrel; i++)
	{
		relfile_locator prev = blockmap_relation(m, i - 1, &b, &n);
		relfile_locator cur = blockmap_relation(m, i, &b, &n);

		ck_assert(prev.spc < cur.spc ||
				  (prev.spc == cur.spc && (prev.db < cur.db ||
										   (prev.db == cur.db && prev.rel < cur.rel))));
	}
	blockmap_free(m);
}
END_TEST

/* Millions of adds of a few blocks: kept small by compaction, result right. */
START_TEST(repeated_blocks)
{
	blockmap   *m = blockmap_new();
	const uint32_t *b;
	size_t		n;

	for (uint32_t i = 0; i < 5000000; i++)
		blockmap_add(m, loc(1663, 5, 16384), (i * 7919u) % 300);
	blockmap_finish(m);
	b = blockmap_blocks(m, loc(1663, 5, 16384), &n);
	ck_assert_uint_eq(n, 300);
	for (uint32_t i = 0; i < 300; i++)
		ck_assert_uint_eq(b[i], i);
	blockmap_free(m);
}
END_TEST

START_TEST(many_distinct_blocks)
{
	blockmap   *m = blockmap_new();
	const uint32_t count = 1000000;
	const uint32_t *b;
	size_t		n;

	/* a permutation of 0..count-1, each added twice */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < count; i++)
			blockmap_add(m, loc(1663, 5, 1), (uint32_t) (((uint64_t) i * 999983u) % count));
	blockmap_finish(m);
	b = blockmap_blocks(m, loc(1663, 5, 1), &n);
	ck_assert_uint_eq(n, count);
	for (uint32_t i = 0; i < count; i++)
		ck_assert_uint_eq(b[i], i);
	ck_assert_uint_eq(blockmap_total_blocks(m), count);
	blockmap_free(m);
}
END_TEST

START_TEST(finish_twice)
{
	blockmap   *m = blockmap_new();
	size_t		n;

	blockmap_add(m, loc(1663, 5, 1), 4);
	blockmap_add(m, loc(1663, 5, 1), 2);
	blockmap_finish(m);
	blockmap_finish(m);
	ck_assert_ptr_nonnull(blockmap_blocks(m, loc(1663, 5, 1), &n));
	ck_assert_uint_eq(n, 2);
	blockmap_free(m);
}
END_TEST

START_TEST(add_all_and_missing)
{
	blockmap   *a = blockmap_new(), *b = blockmap_new();

	blockmap_add(a, loc(1663, 5, 1), 4);
	blockmap_add(a, loc(1663, 5, 1), 9);
	blockmap_add(a, loc(1663, 5, 2), 0);
	blockmap_add(b, loc(1663, 5, 1), 9);
	blockmap_add(b, loc(1663, 5, 3), 7);
	blockmap_finish(a);
	blockmap_finish(b);
	/* a has 4 and 2/0 that b lacks; b has 3/7 that a lacks */
	ck_assert_uint_eq(blockmap_count_missing(a, b), 2);
	ck_assert_uint_eq(blockmap_count_missing(b, a), 1);
	blockmap_add_all(b, a);
	blockmap_finish(b);
	ck_assert_uint_eq(blockmap_total_blocks(b), 4);
	ck_assert_uint_eq(blockmap_count_missing(a, b), 0);
	blockmap_free(a);
	blockmap_free(b);
}
END_TEST

extern Suite *blockmap_suite(void);

Suite *blockmap_suite(void)
{
	Suite	   *s = suite_create("blockmap");
	TCase	   *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, sorted_distinct);
	tcase_add_test(tc, relations_ordered);
	tcase_add_test(tc, many_relations);
	tcase_add_test(tc, repeated_blocks);
	tcase_add_test(tc, many_distinct_blocks);
	tcase_add_test(tc, finish_twice);
	tcase_add_test(tc, add_all_and_missing);
	suite_add_tcase(s, tc);
	return s;
}

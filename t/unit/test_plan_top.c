/*
 * plan_top_relations: bytes to fetch added up per relation, largest first.
 */
#include <check.h>
#include <string.h>

#include "plan/plan.h"

START_TEST(top_relations)
{
	uint32_t	blocks[] = {0, 5};
	plan_entry	e[] = {
		{.path = "base/5/16384", .action = ACT_NONE, .blocks = blocks, .nblocks = 2},
		{.path = "base/5/16384_fsm", .action = ACT_COPY, .source_size = 24576},
		{.path = "base/5/16390", .action = ACT_COPY_TAIL, .source_size = 81920,
		.target_size = 8192},
		{.path = "base/5/16390.1", .action = ACT_COPY, .source_size = 8192},
		{.path = "base/5/16400", .action = ACT_REMOVE, .target_size = 8192},
		{.path = "postgresql.conf", .action = ACT_COPY, .source_size = 1 << 20},
	};
	plan		p = {.entries = e, .n = sizeof(e) / sizeof(e[0])};
	plan_relation_bytes top[3];
	size_t		n = plan_top_relations(&p, "PG_15_202209061", top, 3);

	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(top[0].loc.rel, 16390);
	ck_assert_uint_eq(top[0].bytes, 73728 + 8192);
	ck_assert_uint_eq(top[1].loc.rel, 16384);
	ck_assert_uint_eq(top[1].bytes, 2 * 8192 + 24576);
	ck_assert_uint_eq(top[1].blocks, 2);
	ck_assert_uint_eq(plan_top_relations(&p, "PG_15_202209061", top, 1), 1);
	ck_assert_uint_eq(top[0].loc.rel, 16390);
}
END_TEST

extern Suite *plan_top_suite(void);

Suite *plan_top_suite(void)
{
	Suite	   *s = suite_create("plan_top");
	TCase	   *tc = tcase_create("relations");

	tcase_add_test(tc, top_relations);
	suite_add_tcase(s, tc);
	return s;
}

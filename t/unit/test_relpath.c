/*
 * Unit tests of relation file paths (lib/relpath.c).  Memory only.
 */

#include <check.h>
#include <string.h>

#include "relpath.h"

#define TSDIR "PG_15_202209061"

typedef struct good_path {
	const char *path;
	uint32_t	spc, db, rel;
	int			fork;
	uint32_t	segno;
} good_path;

static const good_path good[] = {
	{"global/1262", 1664, 0, 1262, FORK_MAIN, 0},
	{"global/1262_fsm", 1664, 0, 1262, FORK_FSM, 0},
	{"global/1262_vm.3", 1664, 0, 1262, FORK_VM, 3},
	{"base/5/1259", 1663, 5, 1259, FORK_MAIN, 0},
	{"base/5/16384.1", 1663, 5, 16384, FORK_MAIN, 1},
	{"base/16384/16385_init", 1663, 16384, 16385, FORK_INIT, 0},
	{"base/1/2_vm", 1663, 1, 2, FORK_VM, 0},
	{"base/4294967295/4294967295_fsm.4294967295", 1663, 4294967295u, 4294967295u,
	FORK_FSM, 4294967295u},
	{"pg_tblspc/16400/" TSDIR "/5/16401", 16400, 5, 16401, FORK_MAIN, 0},
	{"pg_tblspc/16400/" TSDIR "/16402/16403_vm.12", 16400, 16402, 16403, FORK_VM, 12},
};

START_TEST(parse_good)
{
	const good_path *g = &good[_i];
	relpath_info info;
	char		back[256];

	ck_assert_msg(relpath_parse(g->path, TSDIR, &info), "rejected %s", g->path);
	ck_assert_uint_eq(info.loc.spc, g->spc);
	ck_assert_uint_eq(info.loc.db, g->db);
	ck_assert_uint_eq(info.loc.rel, g->rel);
	ck_assert_int_eq(info.fork, g->fork);
	ck_assert_uint_eq(info.segno, g->segno);
	relpath_format(back, sizeof(back), TSDIR, info.loc, info.fork, info.segno);
	ck_assert_str_eq(back, g->path);
}
END_TEST

static const char *const bad[] = {
	"", "global", "global/", "base/5", "base/5/", "base/5/x", "base/5/16384x",
	"global/0", "base/0/1259", "base/5/0", "pg_tblspc/0/" TSDIR "/5/1",
	"base/05/1259", "base/5/01259", "global/01262", "base/5/1259.0",
	"base/5/1259.01", "base/5/1259.", "base/5/1259_", "base/5/1259_fs",
	"base/5/1259_fsm_vm", "base/5/1259.1_fsm", "base/5/1259_main",
	"base/5/1259 ", " base/5/1259", "base/5/1259/", "base/5/+1259",
	"base/5/-1", "base/5/4294967296", "base/5/1259.4294967296",
	"base/5/t3_16384", "base/5/t3_16384_fsm", "base/5/t3_16384.1",
	"base/5/pg_filenode.map", "base/5/PG_VERSION", "base/5/pg_internal.init",
	"global/pg_control", "global/pg_filenode.map", "base/5/1259_init_fsm",
	"global/5/1259", "base//5/1259", "./base/5/1259", "/base/5/1259",
	"pg_tblspc/16400/5/16401", "pg_tblspc/16400/PG_16_202307071/5/16401",
	"pg_tblspc/16400/" TSDIR "/16401", "pg_tblspc/16400/" TSDIR "/0/16401",
	"pg_tblspc/016400/" TSDIR "/5/16401",
	"pg_tblspc/1663/" TSDIR "/5/16401", "pg_tblspc/1664/" TSDIR "/5/16401",
	"pg_tblspc/16400/" TSDIR "/5/t2_16401", "pg_wal/000000010000000000000001",
	"base/5/1259\n",
};

START_TEST(parse_bad)
{
	relpath_info info;

	ck_assert_msg(!relpath_parse(bad[_i], TSDIR, &info), "accepted \"%s\"", bad[_i]);
}
END_TEST

START_TEST(format)
{
	char		out[256];
	relfile_locator shared = {1664, 0, 1262};
	relfile_locator def = {1663, 5, 16384};
	relfile_locator ts = {16400, 5, 16401};

	relpath_format(out, sizeof(out), TSDIR, shared, FORK_MAIN, 0);
	ck_assert_str_eq(out, "global/1262");
	relpath_format(out, sizeof(out), TSDIR, def, FORK_MAIN, 2);
	ck_assert_str_eq(out, "base/5/16384.2");
	relpath_format(out, sizeof(out), TSDIR, def, FORK_INIT, 0);
	ck_assert_str_eq(out, "base/5/16384_init");
	relpath_format(out, sizeof(out), "PG_18_202506291", ts, FORK_FSM, 1);
	ck_assert_str_eq(out, "pg_tblspc/16400/PG_18_202506291/5/16401_fsm.1");
	/* truncation stays within the buffer and terminated */
	relpath_format(out, 8, TSDIR, def, FORK_MAIN, 7);
	ck_assert_str_eq(out, "base/5/");
}
END_TEST

START_TEST(segment_of_block)
{
	ck_assert_uint_eq(RELSEG_BLOCKS, 131072);
	ck_assert_uint_eq(131071 / RELSEG_BLOCKS, 0);
	ck_assert_uint_eq(131072 / RELSEG_BLOCKS, 1);
}
END_TEST

extern Suite *relpath_suite(void);

Suite *relpath_suite(void)
{
	Suite	   *s = suite_create("relpath");
	TCase	   *tc = tcase_create("core");

	tcase_add_loop_test(tc, parse_good, 0, (int) (sizeof(good) / sizeof(good[0])));
	tcase_add_loop_test(tc, parse_bad, 0, (int) (sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, format);
	tcase_add_test(tc, segment_of_block);
	suite_add_tcase(s, tc);
	return s;
}

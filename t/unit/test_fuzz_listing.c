/*
 * Hand-made hostile listings through the fuzz target of plan + apply
 * (fuzz/fuzz_listing.c): each is refused, or applied without anything
 * outside the scratch target, its journal and its tablespace locations
 * changing (the target aborts otherwise).
 */
#include <check.h>
#include <string.h>

/* the fuzz target's entry point, built without libFuzzer */
#include "../../fuzz/fuzz_listing.c"

extern Suite *fuzz_listing_suite(void);

static listing_outcome
trial(const char *listing)
{
	return listing_trial((const uint8_t *) listing, strlen(listing));
}

START_TEST(link_to_tmp_refused)
{
	ck_assert_int_eq(trial("l base/5/evil\t/tmp/x\nf base/5/evil/file\n"), LISTING_REFUSED);
}
END_TEST

START_TEST(dotdot_refused)
{
	ck_assert_int_eq(trial("f ../../etc/x\n"), LISTING_REFUSED);
	ck_assert_int_eq(trial("d base/../..\nf base/../../x\n"), LISTING_REFUSED);
	ck_assert_int_eq(trial("f base/5/../../../outside/victim/x\n"), LISTING_REFUSED);
}
END_TEST

START_TEST(absolute_refused)
{
	ck_assert_int_eq(trial("f /etc/x\n"), LISTING_REFUSED);
}
END_TEST

/* pg_tblspc/1 -> the other cluster's (the source's own) tablespace */
START_TEST(link_into_victim_refused)
{
	ck_assert_int_eq(trial("l pg_tblspc/1\t@victim\n"
						   "d pg_tblspc/1/PG_15_202209061\n"
						   "d pg_tblspc/1/PG_15_202209061/5\n"
						   "f pg_tblspc/1/PG_15_202209061/5/1\n"), LISTING_REFUSED);
}
END_TEST

/* found by the fuzzer: a tablespace at "/" was let through */
START_TEST(link_to_root_refused)
{
	ck_assert_int_eq(trial("l pg_tblspc/16384\t/\n"), LISTING_REFUSED);
}
END_TEST

START_TEST(link_with_dotdot_target_refused)
{
	ck_assert_int_eq(trial("l pg_tblspc/1\t@new/../victim\n"
						   "f pg_tblspc/1/PG_15_202209061/5/1\n"), LISTING_REFUSED);
}
END_TEST

/* A tablespace of its own: written through its link, and nowhere else. */
START_TEST(own_tablespace_applied)
{
	ck_assert_int_eq(trial("l pg_tblspc/16384\t@victim/..\n"), LISTING_REFUSED);
	ck_assert_int_eq(trial("l pg_tblspc/16384\t@victim\n"), LISTING_REFUSED);
	ck_assert_int_eq(trial("l pg_tblspc/16384\t@free\n"
						   "d pg_tblspc/16384/PG_15_202209061\n"
						   "d pg_tblspc/16384/PG_15_202209061/5\n"
						   "f pg_tblspc/16384/PG_15_202209061/5/16385\n"
						   "f base/5/2\n"), LISTING_APPLIED);
}
END_TEST

START_TEST(outside_scratch_not_applied)
{
	ck_assert_int_eq(trial("l pg_tblspc/16384\t/nonexistent/rewind-fuzz\n"), LISTING_NOT_CONFINED);
}
END_TEST

Suite *fuzz_listing_suite(void)
{
	Suite	   *s = suite_create("fuzz_listing");
	TCase	   *tc = tcase_create("core");

	tcase_add_test(tc, link_to_tmp_refused);
	tcase_add_test(tc, dotdot_refused);
	tcase_add_test(tc, absolute_refused);
	tcase_add_test(tc, link_into_victim_refused);
	tcase_add_test(tc, link_to_root_refused);
	tcase_add_test(tc, link_with_dotdot_target_refused);
	tcase_add_test(tc, own_tablespace_applied);
	tcase_add_test(tc, outside_scratch_not_applied);
	suite_add_tcase(s, tc);
	return s;
}

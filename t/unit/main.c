/*
 * Runs every Check suite of the unit tests.  The list of suites is generated
 * by the Makefile from the "Suite *name_suite(void)" definitions.
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.inc"
#undef SUITE

int
main(void)
{
	SRunner    *runner = srunner_create(NULL);
	int			failed;

#define SUITE(name) srunner_add_suite(runner, name##_suite());
#include "suites.inc"
#undef SUITE

	srunner_run_all(runner, CK_NORMAL);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/*
 * Runs every Check suite of the unit tests.  suites.inc (made by the
 * Makefile from the symbols of the compiled test files) lists the suites;
 * suites-named.inc lists every "*_suite" name written in t/unit.  The run
 * fails when a named suite was not registered or a suite ran no test, so a
 * suite cannot silently drop out of the run.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.inc"
#undef SUITE

typedef struct unit_suite {
	const char *name;
	Suite	   *(*make) (void);
} unit_suite;

static const unit_suite registered[] = {
#define SUITE(name) {#name "_suite", name##_suite},
#include "suites.inc"
#undef SUITE
};

static const char *const named[] = {
#include "suites-named.inc"
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Every "*_suite" name found in the sources is a registered suite. */
static int
unregistered_suites(void)
{
	int			missing = 0;

	for (size_t i = 0; i < COUNT(named); i++)
	{
		bool		found = false;

		for (size_t j = 0; j < COUNT(registered) && !found; j++)
			found = strcmp(named[i], registered[j].name) == 0;
		if (!found)
		{
			fprintf(stderr, "unit: %s is named in t/unit but is not a suite the runner "
					"found (it must be an external function \"Suite *%s(void)\")\n",
					named[i], named[i]);
			missing++;
		}
	}
	return missing;
}

int
main(void)
{
	int			failed = unregistered_suites();
	int			total = 0;

	/* one runner per suite, to see that each one ran its tests */
	for (size_t i = 0; i < COUNT(registered); i++)
	{
		SRunner    *runner = srunner_create(registered[i].make());
		int			ran;

		srunner_run_all(runner, CK_NORMAL);
		ran = srunner_ntests_run(runner);
		failed += srunner_ntests_failed(runner);
		total += ran;
		if (ran == 0)
		{
			fprintf(stderr, "unit: suite %s ran no test\n", registered[i].name);
			failed++;
		}
		srunner_free(runner);
	}
	printf("unit: %zu suites, %d tests, %d failed\n", COUNT(registered), total, failed);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

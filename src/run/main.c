/*
 * rewind: entry point.  Parses the command line, runs the rewind, and is
 * the one place that prints an error and chooses the exit status.  With
 * --format json it also prints the one JSON document on stdout.
 */
#include <stdio.h>
#include <unistd.h>

#include "report/report.h"
#include "util/log.h"
#include "run/options.h"
#include "run/rewind.h"

/* The result document (fields in man/rewind.1, JSON OUTPUT). */
static void
print_json_result(const rewind_result *res, const rw_error *err)
{
	report_document d = {
		.result = true, .status = err ? "error" : res->status, .err = err,
		.divergence = res->divergence, .plan = res->plan, .report = res->report,
		.salvage = res->salvage, .findings = res->findings,
	};

	report_json_document(&d, stdout);
	fflush(stdout);
}

/* Print a failure where it belongs; returns status. */
static int
fail(const rewind_options *opts, const rewind_result *res, const rw_error *err,
	 int status)
{
	log_error(err);
	if (status == EXIT_USAGE)
		fprintf(stderr, "Try \"%s --help\" for more information.\n", log_progname());
	if (opts->format == FORMAT_JSON)
		print_json_result(res, err);
	return status;
}

int
main(int argc, char **argv)
{
	rewind_options opts;
	rewind_result res = {0};
	rw_error	err;
	int			status;

	rw_error_clear(&err);
	log_init(argv[0], false);
	if (!options_parse(argc, argv, &opts, &err))
		return fail(&opts, &res, &err, EXIT_USAGE);
	if (opts.show_help)
	{
		options_print_help(log_progname());
		return EXIT_DONE;
	}
	if (opts.show_version)
	{
		printf("%s (rewind) %s\n", log_progname(), REWIND_VERSION);
		return EXIT_DONE;
	}
	log_init(argv[0], opts.debug);

	if (geteuid() == 0)
	{
		rw_fail(&err, RW_EUSAGE, "cannot be executed by \"root\"");
		rw_hint(&err, "You must run %s as the PostgreSQL superuser.", log_progname());
		return fail(&opts, &res, &err, EXIT_ERROR);
	}

	if (!rewind_run(&opts, &res, &err))
		status = fail(&opts, &res, &err, EXIT_ERROR);
	else
	{
		if (opts.format == FORMAT_JSON)
			print_json_result(&res, NULL);
		status = res.check_failed ? EXIT_CHECK_FAILED : EXIT_DONE;
	}
	rewind_result_free(&res);
	return status;
}

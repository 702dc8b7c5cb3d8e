/*
 * rewind: entry point.  Parses the command line, runs the rewind, and is
 * the one place that prints an error and chooses the exit status.
 */
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "options.h"
#include "rewind.h"

int
main(int argc, char **argv)
{
	rewind_options opts;
	rw_error	err;

	rw_error_clear(&err);
	log_init(argv[0], false);
	if (!options_parse(argc, argv, &opts, &err))
	{
		log_error(&err);
		fprintf(stderr, "Try \"%s --help\" for more information.\n", log_progname());
		return EXIT_USAGE;
	}
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
		log_error(&err);
		return EXIT_ERROR;
	}

	if (!rewind_run(&opts, &err))
	{
		log_error(&err);
		return EXIT_ERROR;
	}
	return EXIT_DONE;
}

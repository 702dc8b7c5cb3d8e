/*
 * The command line: parsed into rewind_options, and the --help text.  No
 * I/O but that text on stdout.
 */

#include "run/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgver.h"
#include "target/postmaster.h"			/* POSTMASTER_DEFAULT_WAIT_SECS */

enum {
	OPT_SOURCE_PGDATA = 256,
	OPT_SOURCE_SERVER,
	OPT_CONFIG_FILE,
	OPT_NO_ENSURE_SHUTDOWN,
	OPT_DEBUG,
	OPT_POSTGRES_BINDIR,
	OPT_REPORT,
	OPT_FORMAT,
	OPT_CHECK,
	OPT_SLOT,
	OPT_COPY_CONFIG,
	OPT_ROLLBACK,
	OPT_SHUTDOWN_WAIT,
	OPT_TIMEOUT,
	OPT_SALVAGE,
	OPT_METHOD,
	OPT_MAX_RATE
};

static const struct option long_options[] = {
	{"target-pgdata", required_argument, NULL, 'D'},
	{"source-pgdata", required_argument, NULL, OPT_SOURCE_PGDATA},
	{"source-server", required_argument, NULL, OPT_SOURCE_SERVER},
	{"dry-run", no_argument, NULL, 'n'},
	{"no-sync", no_argument, NULL, 'N'},
	{"progress", no_argument, NULL, 'P'},
	{"write-recovery-conf", no_argument, NULL, 'R'},
	{"restore-target-wal", no_argument, NULL, 'c'},
	{"config-file", required_argument, NULL, OPT_CONFIG_FILE},
	{"no-ensure-shutdown", no_argument, NULL, OPT_NO_ENSURE_SHUTDOWN},
	{"postgres-bindir", required_argument, NULL, OPT_POSTGRES_BINDIR},
	{"report", required_argument, NULL, OPT_REPORT},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"jobs", required_argument, NULL, 'j'},
	{"check", no_argument, NULL, OPT_CHECK},
	{"slot", required_argument, NULL, OPT_SLOT},
	{"copy-config", no_argument, NULL, OPT_COPY_CONFIG},
	{"rollback", no_argument, NULL, OPT_ROLLBACK},
	{"shutdown-wait", required_argument, NULL, OPT_SHUTDOWN_WAIT},
	{"timeout", required_argument, NULL, OPT_TIMEOUT},
	{"salvage", required_argument, NULL, OPT_SALVAGE},
	{"method", required_argument, NULL, OPT_METHOD},
	{"max-rate", required_argument, NULL, OPT_MAX_RATE},
	{"debug", no_argument, NULL, OPT_DEBUG},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, '?'},
	{NULL, 0, NULL, 0}
};

void
options_print_help(const char *progname)
{
	char		list[PGVER_LIST_LEN];

	printf("%s resynchronizes a PostgreSQL data directory with another copy of it\n"
		   "(after a failover or a split brain) so it can follow it as a standby.\n\n",
		   progname);
	printf("Usage:\n  %s [OPTION]...\n\n", progname);
	printf("Options:\n"
		   "  -c, --restore-target-wal       use restore_command of the target to fetch\n"
		   "                                 WAL segments missing from its pg_wal\n"
		   "  -D, --target-pgdata=DIRECTORY  existing data directory to modify\n"
		   "      --source-pgdata=DIRECTORY  source data directory (cleanly stopped)\n"
		   "      --source-server=CONNSTR    source server to synchronize with\n"
		   "  -j, --jobs=N                   fetch from the source server over N connections\n"
		   "                                 at once (default %d, 1 to %d)\n"
		   "      --max-rate=RATE            read at most RATE from the source server's\n"
		   "                                 files per second (kB, or with suffix k or M;\n"
		   "                                 32k to 1024M; default: no limit)\n"
		   "  -n, --dry-run                  stop before modifying anything; print the plan,\n"
		   "                                 the bytes each side would read and the bounds\n"
		   "                                 of the transfer, and what the target loses\n"
		   "                                 (divergence report)\n"
		   "  -N, --no-sync                  do not wait for changes to be written\n"
		   "                                 safely to disk\n"
		   "  -P, --progress                 write progress messages\n"
		   "  -R, --write-recovery-conf      write primary_conninfo and\n"
		   "                                 recovery_target_timeline for replication\n"
		   "      --check                    preflight: report whether a rewind would work,\n"
		   "                                 change nothing (the target may be running)\n"
		   "      --slot=NAME                create physical replication slot NAME on the\n"
		   "                                 source if missing; -R writes primary_slot_name\n"
		   "      --copy-config              take the source's configuration files (as\n"
		   "                                 pg_rewind does) instead of keeping the target's\n"
		   "      --rollback                 undo an interrupted rewind: put the target back\n"
		   "                                 exactly as it was (needs only -D)\n"
		   "      --timeout=SECONDS          give up when the source server sends nothing\n"
		   "                                 for SECONDS while rewind waits on it, or does\n"
		   "                                 not accept a connection within SECONDS\n"
		   "                                 (default %d, 1 to %d)\n"
		   "      --config-file=FILENAME     use this main server configuration file\n"
		   "                                 when running the target cluster\n"
		   "      --no-ensure-shutdown       do not run crash recovery on the target\n"
		   "                                 when it was not shut down cleanly\n"
		   "      --shutdown-wait=SECONDS    wait at most this long for a target server\n"
		   "                                 that is shutting down (default %d)\n"
		   "      --postgres-bindir=DIR      where the target's \"postgres\" program is\n"
		   "                                 (default: searched, see the manual)\n"
		   "      --report=FILE              write the divergence report to FILE (mode 0600,\n"
		   "                                 not through a symbolic link) before the\n"
		   "                                 target is changed\n"
"      --salvage=DIR              save the rows the target loses (CSV files per\n"
		   "                                 table, manifest.json, restore.sql) in DIR, a\n"
		   "                                 new or empty directory, before any change\n"
		   "      --method=METHOD            how the blocks the target changed are found:\n"
		   "                                 wal, from its WAL since the last common\n"
		   "                                 checkpoint; pagelsn, from the page LSNs of its\n"
		   "                                 relation files (needs data checksums or\n"
		   "                                 wal_log_hints); compare, every file compared\n"
		   "                                 with the source's within a base backup of it\n"
		   "                                 (no checksums, wal_log_hints or WAL needed);\n"
		   "                                 auto (default): the first that can be proven,\n"
		   "                                 wal, else pagelsn, else compare (also when the\n"
		   "                                 source lacks the WAL the node needs)\n"
		   "      --format=text|json         json: print plan, report and result as one JSON\n"
		   "                                 document on stdout (fields: see the manual)\n"
		   "      --debug                    write debug messages, each with its time, and the\n"
		   "                                 bytes received from the source every second\n"
		   "  -V, --version                  output version information, then exit\n"
		   "  -?, --help                     show this help, then exit\n\n",
		   OPTIONS_DEFAULT_JOBS, SOURCE_MAX_JOBS, OPTIONS_DEFAULT_TIMEOUT, OPTIONS_MAX_TIMEOUT,
		   POSTMASTER_DEFAULT_WAIT_SECS);
	pgver_supported_list(list, sizeof(list));
	printf("Supported PostgreSQL versions: %s (source and target of the\n"
		   "same major version).\n\n", list);
	printf("Exit status:\n"
		   "  0  the target was rewound, no rewind was required, --check passed, or\n"
		   "     --rollback rolled back or found nothing to roll back\n"
		   "  1  the rewind failed (the message says what and what to do)\n"
		   "  2  bad command line\n"
		   "  3  --check found a reason a rewind would fail (an \"error\" finding)\n");
}

/* What PostgreSQL accepts as a replication slot name. */
static bool
slot_name_valid(const char *name)
{
	size_t		n = strlen(name);

	if (n == 0 || n > 63)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool
is_help_word(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-?") == 0;
}

/*
 * --max-rate: kB per second unless the suffix is k or M, from 32 kB/s to
 * 1024 MB/s, as pg_basebackup takes it.
 */
static bool
parse_max_rate(const char *arg, uint64_t *out, rw_error *err)
{
	char	   *end;
	unsigned long long n;
	uint64_t	kb;

	errno = 0;
	n = strtoull(arg, &end, 10);
	kb = (uint64_t) n;
	if (end != arg && errno == 0 && arg[0] != '-' && n <= 1024ULL * 1024)
	{
		if (*end == 'M')
		{
			kb *= 1024;
			end++;
		}
		else if (*end == 'k')
			end++;
		if (*end == '\0' && kb >= 32 && kb <= 1024 * 1024)
		{
			*out = kb * 1024;
			return true;
		}
	}
	return rw_fail(err, RW_EUSAGE, "invalid --max-rate \"%s\" (kB per second, or with "
				   "suffix k or M; from 32k to 1024M)", arg);
}

/* --method: one of the names method_parse knows. */
static bool
parse_method(const char *arg, rewind_method *out, rw_error *err)
{
	if (!method_parse(arg, out))
		return rw_fail(err, RW_EUSAGE, "invalid --method \"%s\" (use \"auto\", \"wal\", "
					   "\"pagelsn\" or \"compare\")",
					   arg);
	return true;
}

/* A whole number of seconds from min to max, for option name. */
static bool
parse_seconds(const char *arg, const char *name, long min, long max, int *out, rw_error *err)
{
	char	   *end;
	long		secs = strtol(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || secs < min || secs > max)
		return rw_fail(err, RW_EUSAGE, "invalid %s \"%s\" (seconds, from %ld to %ld)", name,
					   arg, min, max);
	*out = (int) secs;
	return true;
}

/*
 * One option c with its value arg into opts; false with err set for a bad
 * value.
 */
static bool
set_option(rewind_options *opts, int c, const char *arg, rw_error *err)
{
	switch (c)
	{
		case 'c':
			opts->restore_target_wal = true;
			break;
		case 'D':
			opts->target_pgdata = arg;
			break;
		case 'j':
			{
				char	   *end;
				long		jobs = strtol(arg, &end, 10);

				if (*arg == '\0' || *end != '\0' || jobs < 1 || jobs > SOURCE_MAX_JOBS)
					return rw_fail(err, RW_EUSAGE, "invalid --jobs \"%s\" (a number from 1 to %d)",
								   arg, SOURCE_MAX_JOBS);
				opts->jobs = (int) jobs;
			}
			break;
		case 'n':
			opts->dry_run = true;
			break;
		case 'N':
			opts->no_sync = true;
			break;
		case 'P':
			opts->progress = true;
			break;
		case 'R':
			opts->write_recovery_conf = true;
			break;
		case 'V':
			opts->show_version = true;
			break;
		case OPT_SOURCE_PGDATA:
			opts->source_pgdata = arg;
			break;
		case OPT_SOURCE_SERVER:
			opts->source_server = arg;
			break;
		case OPT_CONFIG_FILE:
			opts->config_file = arg;
			break;
		case OPT_NO_ENSURE_SHUTDOWN:
			opts->ensure_shutdown = false;
			break;
		case OPT_POSTGRES_BINDIR:
			opts->postgres_bindir = arg;
			break;
		case OPT_DEBUG:
			opts->debug = true;
			break;
		case OPT_REPORT:
			opts->report_file = arg;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "text") == 0)
				opts->format = FORMAT_TEXT;
			else if (strcmp(arg, "json") == 0)
				opts->format = FORMAT_JSON;
			else
				return rw_fail(err, RW_EUSAGE,
							   "invalid --format \"%s\" (use \"text\" or \"json\")", arg);
			break;
		case OPT_CHECK:
			opts->check = true;
			break;
		case OPT_SLOT:
			opts->slot = arg;
			break;
		case OPT_COPY_CONFIG:
			opts->copy_config = true;
			break;
		case OPT_ROLLBACK:
			opts->rollback = true;
			break;
		case OPT_SHUTDOWN_WAIT:
			if (!parse_seconds(arg, "--shutdown-wait", 0, OPTIONS_MAX_SHUTDOWN_WAIT,
							   &opts->shutdown_wait, err))
				return false;
			break;
		case OPT_SALVAGE:
			if (arg[0] == '\0')
				return rw_fail(err, RW_EUSAGE, "--salvage needs a directory");
			opts->salvage_dir = arg;
			break;
		case OPT_METHOD:
			if (!parse_method(arg, &opts->method, err))
				return false;
			break;
		case OPT_MAX_RATE:
			if (!parse_max_rate(arg, &opts->max_rate, err))
				return false;
			break;
		case OPT_TIMEOUT:
			if (!parse_seconds(arg, "--timeout", 1, OPTIONS_MAX_TIMEOUT, &opts->timeout,
							   err))
				return false;
			break;
	}
	return true;
}

/* Options that do not go together, or need one another. */
static bool
options_validate(const rewind_options *opts, rw_error *err)
{
	if (opts->target_pgdata == NULL)
		return rw_fail(err, RW_EUSAGE, "no target data directory specified (--target-pgdata)");
	if (opts->salvage_dir && (opts->rollback || opts->check))
		return rw_fail(err, RW_EUSAGE, "--salvage cannot be used with %s",
					   opts->rollback ? "--rollback" : "--check");
	/* the rows lost are found in the target's WAL, which the compare does not read */
	if (opts->salvage_dir && opts->method == METHOD_COMPARE)
		return rw_fail(err, RW_EUSAGE, "--salvage cannot be used with --method=compare");
	if (opts->rollback)
		return opts->dry_run || opts->check ?
			rw_fail(err, RW_EUSAGE, "--rollback cannot be used with --dry-run or --check") : true;
	if (opts->source_pgdata == NULL && opts->source_server == NULL)
		return rw_fail(err, RW_EUSAGE,
					   "no source specified (--source-pgdata or --source-server)");
	if (opts->source_pgdata && opts->source_server)
		return rw_fail(err, RW_EUSAGE,
					   "only one of --source-pgdata or --source-server can be specified");
	if (opts->write_recovery_conf && opts->source_server == NULL)
		return rw_fail(err, RW_EUSAGE,
					   "no source server information (--source-server) specified for --write-recovery-conf");
	if (opts->check && opts->dry_run)
		return rw_fail(err, RW_EUSAGE, "--check and --dry-run cannot be used together");
	if (opts->slot && opts->source_server == NULL)
		return rw_fail(err, RW_EUSAGE, "--slot requires --source-server");
	if (opts->slot && !slot_name_valid(opts->slot))
		return rw_fail(err, RW_EUSAGE, "invalid --slot \"%s\" (lower case letters, digits and "
					   "underscores, at most 63)", opts->slot);
	return true;
}

bool
options_parse(int argc, char **argv, rewind_options *opts, rw_error *err)
{
	int			c;

	memset(opts, 0, sizeof(*opts));
	opts->ensure_shutdown = true;
	opts->jobs = OPTIONS_DEFAULT_JOBS;
	opts->shutdown_wait = POSTMASTER_DEFAULT_WAIT_SECS;
	opts->timeout = OPTIONS_DEFAULT_TIMEOUT;

	/* "-?" is also getopt's answer to an unknown option: look for it first. */
	for (int i = 1; i < argc; i++)
	{
		if (is_help_word(argv[i]))
		{
			opts->show_help = true;
			return true;
		}
	}

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":cD:j:nNPRV", long_options, NULL)) != -1)
	{
		if (c == ':')
			return rw_fail(err, RW_EUSAGE, "option \"%s\" requires a value",
						   argv[optind - 1]);
		if (c == '?')
			return rw_fail(err, RW_EUSAGE, "unknown option \"%s\"",
						   argv[optind - 1]);
		if (!set_option(opts, c, optarg, err))
			return false;
	}

	if (optind < argc)
		return rw_fail(err, RW_EUSAGE, "too many command-line arguments (first is \"%s\")",
					   argv[optind]);
	return opts->show_version || options_validate(opts, err);
}

void
options_source_spec(const rewind_options *opts, source_spec *out)
{
	out->datadir = opts->source_pgdata;
	out->connstr = opts->source_server;
	out->jobs = opts->jobs;
	out->timeout_s = opts->timeout;
	out->max_rate = opts->max_rate;
}

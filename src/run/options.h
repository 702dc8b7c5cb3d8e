/*
 * The command line.
 */
#ifndef RW_OPTIONS_H
#define RW_OPTIONS_H

#include <stdbool.h>

#include "plan/method.h"
#include "source/source.h"
#include "error.h"

/* Exit statuses (documented in --help, README and rewind.1). */
enum {
	EXIT_DONE = 0,				/* rewound, or no rewind was required */
	EXIT_ERROR = 1,				/* the rewind failed; see the message */
	EXIT_USAGE = 2,				/* bad command line */
	EXIT_CHECK_FAILED = 3		/* --check found a reason the rewind would fail */
};

/* --format: what goes to stdout at the end. */
typedef enum output_format {
	FORMAT_TEXT = 0,			/* messages and reports on stderr only */
	FORMAT_JSON					/* one JSON document on stdout */
} output_format;

typedef struct rewind_options {
	const char *target_pgdata;
	const char *source_pgdata;
	const char *source_server;
	const char *config_file;
	const char *postgres_bindir;
	const char *report_file;	/* --report: the divergence report, before any change */
	const char *slot;			/* --slot: physical replication slot on the source */
	const char *salvage_dir;	/* --salvage: where the lost rows are saved */
	output_format format;
	rewind_method method;		/* --method: how changed blocks are found */
	int			jobs;			/* --jobs: connections to fetch with */
	uint64_t	max_rate;		/* --max-rate: bytes per second read on the source
								 * server, 0: no limit */
	int			shutdown_wait;	/* --shutdown-wait: seconds, for a target shutting down */
	int			timeout;		/* --timeout: seconds of silence from the source */
	bool		dry_run;
	bool		check;			/* --check: preflight findings, changes nothing */
	bool		copy_config;	/* --copy-config: take the source's configuration files */
	bool		rollback;		/* --rollback: undo an interrupted rewind, then stop */
	bool		no_sync;
	bool		progress;
	bool		write_recovery_conf;
	bool		restore_target_wal;
	bool		ensure_shutdown;
	bool		debug;
	bool		show_help;
	bool		show_version;
} rewind_options;

#define OPTIONS_DEFAULT_JOBS 8
#define OPTIONS_MAX_SHUTDOWN_WAIT 3600
#define OPTIONS_DEFAULT_TIMEOUT 180
#define OPTIONS_MAX_TIMEOUT 86400

/* Parse argv; fails with RW_EUSAGE and a message naming the problem. */
bool		options_parse(int argc, char **argv, rewind_options *opts, rw_error *err);

void		options_print_help(const char *progname);

/* The source the options name (--source-pgdata or --source-server), for source_open. */
void		options_source_spec(const rewind_options *opts, source_spec *out);

#define REWIND_VERSION "0.1.0"

#endif

/*
 * Messages on stderr, prefixed with the program name.  The program name
 * follows argv[0], so the binary installed as "pg_rewind" speaks as
 * pg_rewind does, for the HA tools that read those lines.
 */
#ifndef RW_LOG_H
#define RW_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

void		log_init(const char *argv0, bool debug);
const char *log_progname(void);
bool		log_debug_enabled(void);

void		log_info(const char *fmt,...) __attribute__((format(printf, 1, 2)));
void		log_warning(const char *fmt,...) __attribute__((format(printf, 1, 2)));
void		log_debug(const char *fmt,...) __attribute__((format(printf, 1, 2)));

/* The single place where a failure is printed: "error: msg", then "hint: ...". */
void		log_error(const rw_error *err);

/*
 * Copy progress, at most once a second unless final: "1234/5678 kB (21%) copied".
 * Does nothing unless enabled.
 */
typedef struct progress {
	bool		enabled;
	uint64_t	total;
	uint64_t	done;
	int64_t		last_report;
} progress;

void		progress_update(progress *p, uint64_t add, bool final);

#endif

/*
 * Messages on stderr under the program's name (rewind or pg_rewind), debug
 * lines with their time, progress.  Keeps the program name, the debug flag
 * and the start time in file statics, set once by log_init().
 */

#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set once at startup, read-only afterwards. */
static char progname[64] = "rewind";
static bool debug_enabled;
static struct timespec started;	/* debug lines show the time since then */

void
log_init(const char *argv0, bool debug)
{
	const char *base = argv0 ? strrchr(argv0, '/') : NULL;

	base = base ? base + 1 : argv0;
	if (base && *base)
		snprintf(progname, sizeof(progname), "%s", base);
	debug_enabled = debug;
	clock_gettime(CLOCK_MONOTONIC, &started);
}

const char *
log_progname(void)
{
	return progname;
}

bool
log_debug_enabled(void)
{
	return debug_enabled;
}

static void
emit(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s", progname, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
log_info(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	emit("", fmt, ap);
	va_end(ap);
}

void
log_warning(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	emit("warning: ", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt,...)
{
	va_list		ap;
	struct timespec now;
	char		level[48];

	if (!debug_enabled)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(level, sizeof(level), "debug: %.3f s: ",
			 (double) (now.tv_sec - started.tv_sec) + (now.tv_nsec - started.tv_nsec) / 1e9);
	va_start(ap, fmt);
	emit(level, fmt, ap);
	va_end(ap);
}

void
log_error(const rw_error *err)
{
	fprintf(stderr, "%s: error: %s\n", progname, err->msg);
	if (err->hint[0])
		fprintf(stderr, "%s: hint: %s\n", progname, err->hint);
}

void
progress_update(progress *p, uint64_t add, bool final)
{
	int64_t		now = (int64_t) time(NULL);
	uint64_t	total;
	int			percent;

	p->done += add;
	if (!p->enabled || (!final && now == p->last_report))
		return;
	p->last_report = now;
	total = p->total < p->done ? p->done : p->total;
	percent = total ? (int) (p->done * 100 / total) : 100;
	fprintf(stderr, "%llu/%llu kB (%d%%) copied",
			(unsigned long long) (p->done / 1024),
			(unsigned long long) (total / 1024), percent);
	fputc((!final && isatty(STDERR_FILENO)) ? '\r' : '\n', stderr);
}

/*
 * rw_error: filling an error value (kind, message, hint) and prefixing
 * context on its way up.  Prints nothing: main.c's printer does that.
 */

#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void
set_msg(rw_error *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

bool
rw_fail(rw_error *err, rw_errkind kind, const char *fmt,...)
{
	va_list		ap;

	err->kind = kind;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return false;
}

bool
rw_fail_errno(rw_error *err, int errnum, const char *fmt,...)
{
	va_list		ap;
	size_t		len;

	err->kind = (errnum == ENOENT) ? RW_EMISSING :
		(errnum == ENOSPC || errnum == EDQUOT) ? RW_ENOSPACE : RW_EIO;
	err->hint[0] = '\0';
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	return false;
}

void
rw_context(rw_error *err, const char *fmt,...)
{
	char		prefix[512];
	char		old[sizeof(err->msg)];
	size_t		plen;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);

	memcpy(old, err->msg, sizeof(old));
	plen = strlen(prefix);
	if (plen > sizeof(err->msg) / 2)
		plen = sizeof(err->msg) / 2;
	/* prefix, ": ", then as much of the old message as fits */
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	memcpy(err->msg + plen + 2, old, sizeof(err->msg) - plen - 3);
	err->msg[sizeof(err->msg) - 1] = '\0';
}

void
rw_hint(rw_error *err, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
	va_end(ap);
}

void
rw_error_clear(rw_error *err)
{
	err->kind = RW_OK;
	err->msg[0] = '\0';
	err->hint[0] = '\0';
}

const char *
rw_errkind_name(rw_errkind kind)
{
	switch (kind)
	{
		case RW_OK:
			return "ok";
		case RW_EUSAGE:
			return "usage";
		case RW_EIO:
			return "io";
		case RW_ECORRUPT:
			return "corrupt";
		case RW_EMISSING:
			return "missing";
		case RW_EUNSUPPORTED:
			return "unsupported";
		case RW_EMISMATCH:
			return "mismatch";
		case RW_ESTATE:
			return "state";
		case RW_ESOURCE:
			return "source";
		case RW_ENOSPACE:
			return "nospace";
		case RW_EINTERNAL:
			return "internal";
	}
	return "unknown";
}

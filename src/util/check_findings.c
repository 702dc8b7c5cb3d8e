/*
 * The findings of --check: each a code, a severity, a message and a hint,
 * printed one line each or as JSON; any error finding means exit status 3.
 * Memory and the stream it is given; nothing else.
 */

#include "util/check_findings.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/log.h"
#include "xalloc.h"

static char *
vformat(const char *fmt, va_list ap)
{
	va_list		copy;
	int			n;
	char	   *s;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	s = xmalloc((size_t) (n > 0 ? n : 0) + 1);
	vsnprintf(s, (size_t) (n > 0 ? n : 0) + 1, fmt, ap);
	return s;
}

static check_finding *
add_item(check_findings *f, const char *code, check_severity sev)
{
	check_finding *item;

	xgrow((void **) &f->items, &f->cap, f->n + 1, sizeof(check_finding));
	item = &f->items[f->n++];
	item->code = code;
	item->severity = sev;
	item->message = NULL;
	item->hint = NULL;
	return item;
}

void
check_add(check_findings *f, const char *code, check_severity sev, const char *hint,
		  const char *fmt,...)
{
	check_finding *item = add_item(f, code, sev);
	va_list		ap;

	va_start(ap, fmt);
	item->message = vformat(fmt, ap);
	va_end(ap);
	item->hint = hint ? xstrdup(hint) : NULL;
}

void
check_add_error(check_findings *f, const char *code, check_severity sev, const rw_error *err)
{
	check_finding *item = add_item(f, code, sev);

	item->message = xstrdup(err->msg);
	item->hint = err->hint[0] ? xstrdup(err->hint) : NULL;
}

bool
check_failed(const check_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->items[i].severity == CHECK_ERROR)
			return true;
	return false;
}

static const char *
check_severity_name(check_severity sev)
{
	switch (sev)
	{
		case CHECK_OK:
			return "ok";
		case CHECK_WARNING:
			return "warning";
		case CHECK_ERROR:
			return "error";
	}
	return "?";
}

void
check_print(const check_findings *f, FILE *out)
{
	for (size_t i = 0; i < f->n; i++)
	{
		const check_finding *c = &f->items[i];

		fprintf(out, "%s: check: %-7s %s: %s\n", log_progname(),
				check_severity_name(c->severity), c->code, c->message);
		if (c->hint)
			fprintf(out, "%s: check:         hint: %s\n", log_progname(), c->hint);
	}
}

void
check_json(const check_findings *f, json_writer *w)
{
	json_begin_array(w);
	for (size_t i = 0; i < f->n; i++)
	{
		const check_finding *c = &f->items[i];

		json_begin_object(w);
		json_kv_string(w, "code", c->code);
		json_kv_string(w, "severity", check_severity_name(c->severity));
		json_kv_string(w, "message", c->message);
		json_kv_string(w, "hint", c->hint);
		json_end_object(w);
	}
	json_end_array(w);
}

void
check_free(check_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
	{
		free(f->items[i].message);
		free(f->items[i].hint);
	}
	free(f->items);
	f->items = NULL;
	f->n = f->cap = 0;
}

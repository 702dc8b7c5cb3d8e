/*
 * Allocation that never returns NULL: out of memory is reported on stderr
 * and aborts (xalloc.h).  The only output lib/ writes.
 */

#include "xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
out_of_memory(size_t size)
{
	fprintf(stderr, "rewind: out of memory (allocating %zu bytes)\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	   *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory(size);
	return p;
}

char *
xstrdup(const char *s)
{
	size_t		len = strlen(s) + 1;

	return memcpy(xmalloc(len), s, len);
}

char *
xasprintf(const char *fmt,...)
{
	va_list		ap;
	int			len;
	char	   *buf;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		out_of_memory(0);
	buf = xmalloc((size_t) len + 1);
	va_start(ap, fmt);
	vsnprintf(buf, (size_t) len + 1, fmt, ap);
	va_end(ap);
	return buf;
}

void
xgrow(void **items, size_t *cap, size_t need, size_t elem)
{
	size_t		newcap;

	if (need <= *cap)
		return;
	newcap = *cap ? *cap : 16;
	while (newcap < need)
		newcap *= 2;
	*items = xrealloc(*items, newcap * elem);
	*cap = newcap;
}

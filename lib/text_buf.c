/*
 * A growing, NUL-terminated text buffer (datum.h).
 */
#include "datum.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static void
text_buf_reserve(text_buf *b, size_t extra)
{
	size_t		need = b->len + extra + 1;

	if (need > b->cap)
		xgrow((void **) &b->data, &b->cap, need, 1);
}

void
text_buf_append(text_buf *b, const char *s, size_t n)
{
	text_buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
text_buf_appendf(text_buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	text_buf_reserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

void
text_buf_reset(text_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void
text_buf_free(text_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/*
 * Allocation that never returns NULL.  Running out of memory is reported on
 * stderr and aborts: no caller can do anything sensible about it, and the
 * apply phase is protected by its journal rather than by unwinding.
 */
#ifndef RW_XALLOC_H
#define RW_XALLOC_H

#include <stddef.h>

void	   *xmalloc(size_t size);
void	   *xcalloc(size_t n, size_t size);
void	   *xrealloc(void *ptr, size_t size);
char	   *xstrdup(const char *s);
char	   *xasprintf(const char *fmt,...) __attribute__((format(printf, 1, 2)));

/* Grow *items (of elem bytes each) so that it holds at least need elements. */
void		xgrow(void **items, size_t *cap, size_t need, size_t elem);

#endif

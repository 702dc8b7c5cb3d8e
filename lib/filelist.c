/*
 * The file-list container: add, sort, find, free.  Pure memory work; the
 * walk of a local directory that fills one is src/source/filelist_local.c.
 */
#include "filelist.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

void
file_list_add(file_list *l, const char *path, file_type type, uint64_t size,
			  const char *link_target)
{
	file_entry *e;

	xgrow((void **) &l->items, &l->cap, l->n + 1, sizeof(file_entry));
	e = &l->items[l->n++];
	e->path = xstrdup(path);
	e->type = type;
	e->size = (type == FILE_TYPE_REGULAR) ? size : 0;
	e->link_target = (link_target != NULL) ? xstrdup(link_target) : NULL;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const file_entry *) a)->path, ((const file_entry *) b)->path);
}

void
file_list_sort(file_list *l)
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(file_entry), entry_cmp);
}

const file_entry *
file_list_find(const file_list *l, const char *path)
{
	file_entry	key = {.path = (char *) path};

	if (l->n == 0)
		return NULL;
	return bsearch(&key, l->items, l->n, sizeof(file_entry), entry_cmp);
}

void
file_list_free(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
	{
		free(l->items[i].path);
		free(l->items[i].link_target);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->cap = 0;
}

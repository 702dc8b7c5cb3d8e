/*
 * The file-list container: add, sort, find, free.  Pure memory work; the
 * walk of a local directory that fills one is src/source/filelist_local.c.
 */
#include "filelist.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* A string block's usual size; a longer string gets a block of its own. */
#define STRING_BLOCK_BYTES (64 * 1024)

struct file_list_block {
	file_list_block *next;
	size_t		used;
	size_t		cap;
	char		data[];
};

/* A copy of s in l's blocks: it stays where it is until file_list_free. */
static char *
keep_string(file_list *l, const char *s)
{
	size_t		len = strlen(s) + 1;
	file_list_block *b = l->strings;
	char	   *copy;

	if (b == NULL || b->cap - b->used < len)
	{
		size_t		cap = len > STRING_BLOCK_BYTES ? len : STRING_BLOCK_BYTES;

		b = xmalloc(sizeof(file_list_block) + cap);
		b->next = l->strings;
		b->used = 0;
		b->cap = cap;
		l->strings = b;
	}
	copy = b->data + b->used;
	memcpy(copy, s, len);
	b->used += len;
	return copy;
}

void
file_list_add(file_list *l, const char *path, file_type type, uint64_t size,
			  const char *link_target)
{
	file_entry *e;

	xgrow((void **) &l->items, &l->cap, l->n + 1, sizeof(file_entry));
	e = &l->items[l->n++];
	e->path = keep_string(l, path);
	e->type = type;
	e->size = (type == FILE_TYPE_REGULAR) ? size : 0;
	e->link_target = (link_target != NULL) ? keep_string(l, link_target) : NULL;
}

static int
entry_cmp(const void *a, const void *b)
{
	return strcmp(((const file_entry *) a)->path, ((const file_entry *) b)->path);
}

/*
 * A listing is sorted once where it is made and sorted again by callers
 * that cannot know: the check costs one comparison per entry, where qsort
 * would cost n log n and a temporary copy of the array.  A listing is
 * complete when sorted: the room its array kept for more entries (up to
 * as much again) is given back.
 */
void
file_list_sort(file_list *l)
{
	size_t		i = 1;

	while (i < l->n && entry_cmp(&l->items[i - 1], &l->items[i]) <= 0)
		i++;
	if (i < l->n)
		qsort(l->items, l->n, sizeof(file_entry), entry_cmp);
	if (l->n > 0 && l->cap > l->n)
	{
		l->items = xrealloc(l->items, l->n * sizeof(file_entry));
		l->cap = l->n;
	}
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
	while (l->strings != NULL)
	{
		file_list_block *next = l->strings->next;

		free(l->strings);
		l->strings = next;
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
	l->cap = 0;
}

/*
 * The file-list container: add, sort, find, free.  Pure memory work; the
 * walk of a local directory that fills one is src/source/filelist_local.c.
 */
#include "filelist.h"

#include <stdbool.h>
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

/* Is the path of len bytes at key a directory or link in items[0..n)? */
static bool
parent_listed(const file_entry *items, size_t n, const char *key, size_t len)
{
	size_t		lo = 0;
	size_t		hi = n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		const char *p = items[mid].path;
		size_t		plen = strlen(p);
		int			c = memcmp(key, p, len < plen ? len : plen);

		if (c == 0 && len == plen)
			return items[mid].type != FILE_TYPE_REGULAR;
		if (c < 0 || (c == 0 && len < plen))
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/*
 * A parent sorts before its entries ("a" < "a/b"), so it is looked up
 * among those kept so far; siblings come together, so one lookup serves
 * a directory's run of entries.
 */
size_t
file_list_drop_orphans(file_list *l)
{
	size_t		kept = 0;
	size_t		dropped;
	const char *last = NULL;	/* the path whose parent was looked up last */
	size_t		last_len = 0;
	bool		last_ok = false;

	for (size_t i = 0; i < l->n; i++)
	{
		file_entry	e = l->items[i];
		const char *slash = strrchr(e.path, '/');

		if (slash != NULL)
		{
			size_t		len = (size_t) (slash - e.path);

			if (last == NULL || last_len != len || memcmp(last, e.path, len) != 0)
			{
				last_ok = parent_listed(l->items, kept, e.path, len);
				last = e.path;
				last_len = len;
			}
			if (!last_ok)
				continue;
		}
		l->items[kept++] = e;
	}
	dropped = l->n - kept;
	l->n = kept;
	return dropped;
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

/*
 * The source server's replies (lib/source_reply.c): listing rows and the
 * rows of the fetch and hash queries, as a hostile or broken server could
 * send them.  Input: a mode byte, then rows of columns, each column a flag
 * byte (bit 0: NULL), a length byte and that many bytes (fewer at the end).
 * Every value is copied into a buffer of exactly its length plus libpq's
 * terminating NUL, so that reading past it is caught.
 */
#include "fuzz.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "source_reply.h"
#include "xalloc.h"

typedef struct cursor {
	const uint8_t *p;
	size_t		left;
} cursor;

/* The next column: a malloc'd NUL-terminated copy (NULL for SQL NULL). */
static char *
next_value(cursor *c, int *len, bool *isnull)
{
	uint8_t		flag = 0, n = 0;
	char	   *v;

	if (c->left > 0)
	{
		flag = c->p[0];
		c->p++, c->left--;
	}
	if (c->left > 0)
	{
		n = c->p[0];
		c->p++, c->left--;
	}
	if (n > c->left)
		n = (uint8_t) c->left;
	*isnull = (flag & 1) != 0;
	*len = *isnull ? 0 : n;
	v = xmalloc((size_t) n + 1);
	memcpy(v, c->p, n);
	v[n] = '\0';
	c->p += n;
	c->left -= n;
	return v;
}

static void
fuzz_listing(cursor *c)
{
	file_list	l = {0};
	rw_error	err;

	while (c->left > 0)
	{
		char	   *v[4];
		int			len[4];
		bool		isnull[4];
		size_t		before = l.n;

		for (int i = 0; i < 4; i++)
			v[i] = next_value(c, &len[i], &isnull[i]);
		if (reply_list_row((const char *const *) v, isnull, &l, &err))
		{
			const file_entry *e = &l.items[l.n - 1];

			if (l.n != before + 1 || !reply_path_ok(e->path) || strcmp(e->path, v[0]) != 0 ||
				(e->type == FILE_TYPE_SYMLINK && (e->link_target == NULL || e->link_target[0] != '/')))
				abort();
		}
		else if (l.n != before || err.msg[0] == '\0')
			abort();
		for (int i = 0; i < 4; i++)
			free(v[i]);
	}
	file_list_sort(&l);
	for (size_t i = 0; i < l.n; i++)
		if (file_list_find(&l, l.items[i].path) == NULL)
			abort();
	file_list_free(&l);
}

static void
fuzz_ranges(cursor *c, bool hash)
{
	size_t		row = 0;
	rw_error	err;

	while (c->left > 0)
	{
		char	   *pos, *val;
		int			plen, vlen;
		bool		pnull, vnull, missing;
		uint32_t	asked = c->left >= 2 ? (uint32_t) (c->p[0] << 8 | c->p[1]) : 0;

		if (c->left >= 2)
			c->p += 2, c->left -= 2;
		pos = next_value(c, &plen, &pnull);
		val = next_value(c, &vlen, &vnull);
		if (reply_range_position(pos, plen, pnull, row, "fuzz", &err))
		{
			if (hash)
			{
				uint8_t		d[REPLY_DIGEST_LEN];
				uint8_t		blocks[128][REPLY_DIGEST_LEN];
				uint32_t	nblocks;

				if (reply_digest_value(val, vlen, vnull, d, &missing, &err) &&
					!missing && memcmp(d, val, sizeof(d)) != 0)
					abort();
				if (reply_block_digests(val, vlen, vnull, asked % 129, blocks, &nblocks,
										&missing, &err) &&
					(nblocks > asked % 129 ||
					 (!missing && nblocks > 0 && memcmp(blocks, val, nblocks * sizeof(d)) != 0)))
					abort();
			}
			else
			{
				const uint8_t *data;
				size_t		n;

				if (reply_fetch_value(val, vlen, vnull, asked, "fuzz", &data, &n, &missing, &err) &&
					(n > asked || (missing && (data != NULL || n != 0)) ||
					 (!missing && (n != (size_t) vlen || (n > 0 && memcmp(data, val, n) != 0)))))
					abort();
			}
			row++;
		}
		free(pos);
		free(val);
	}
}

int
fuzz_source_reply_one(const uint8_t *data, size_t size)
{
	cursor		c = {data, size};
	uint8_t		mode;

	if (size == 0)
		return 0;
	mode = data[0] % 3;
	c.p++, c.left--;
	if (mode == 0)
		fuzz_listing(&c);
	else
		fuzz_ranges(&c, mode == 2);
	return 0;
}

FUZZ_ENTRY(fuzz_source_reply_one)

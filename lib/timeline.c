/*
 * Timeline history files: parsing, the timeline of an LSN or a segment,
 * and the point where two histories part.  Pure: buffers only; the callers
 * read the files.
 */

#include "timeline.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define LSN_TEXT_MAX 64			/* longer than any sane "X/X", padding included */

/* Cursor over one line of the history text. */
typedef struct line_cursor {
	const char *p;
	const char *end;
} line_cursor;

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void
skip_spaces(line_cursor *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

/* Length of the token at the cursor (up to the next whitespace). */
static size_t
token_len(const line_cursor *c)
{
	const char *q = c->p;

	while (q < c->end && !is_space(*q))
		q++;
	return (size_t) (q - c->p);
}

static bool
parse_tli_token(const char *s, size_t len, uint32_t *out)
{
	uint64_t	v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t) (s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t) v;
	return true;
}

static bool
parse_lsn_token(const char *s, size_t len, lsn_t *out)
{
	char		buf[LSN_TEXT_MAX + 1];

	if (len == 0 || len > LSN_TEXT_MAX)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return lsn_parse(buf, out);
}

/* Where the next entry begins: the end of the last one, or 0. */
static lsn_t
last_end(const tl_history *h)
{
	return h->n ? h->entries[h->n - 1].end : 0;
}

static void
append_entry(tl_history *h, size_t *cap, uint32_t tli, lsn_t begin, lsn_t end)
{
	xgrow((void **) &h->entries, cap, h->n + 1, sizeof(tl_entry));
	h->entries[h->n].tli = tli;
	h->entries[h->n].begin = begin;
	h->entries[h->n].end = end;
	h->n++;
}

/*
 * Parse one non-comment line into (parent tli, switch LSN) and check it
 * against the previous entry.  Anything after the LSN is the reason text.
 */
static bool
parse_line(line_cursor *c, const tl_history *h, uint32_t tli,
		   const char *name, int lineno, uint32_t *parent, lsn_t *sw,
		   rw_error *err)
{
	size_t		n = token_len(c);
	const tl_entry *prev = h->n > 0 ? &h->entries[h->n - 1] : NULL;

	if (!parse_tli_token(c->p, n, parent))
		return rw_fail(err, RW_ECORRUPT,
					   "%s: line %d: expected a numeric timeline ID", name, lineno);
	c->p += n;
	skip_spaces(c);
	n = token_len(c);
	if (!parse_lsn_token(c->p, n, sw))
		return rw_fail(err, RW_ECORRUPT,
					   "%s: line %d: expected a WAL switch point location (X/X)",
					   name, lineno);
	if (*parent == 0 || *parent >= tli)
		return rw_fail(err, RW_ECORRUPT,
					   "%s: line %d: timeline %u is not a valid ancestor of timeline %u",
					   name, lineno, *parent, tli);
	if (prev != NULL && *parent <= prev->tli)
		return rw_fail(err, RW_ECORRUPT,
					   "%s: line %d: timeline IDs must be in increasing sequence "
					   "(%u after %u)", name, lineno, *parent, prev->tli);
	/* the end LSN 0 would read as "open ended" */
	if (*sw == LSN_INVALID)
		return rw_fail(err, RW_ECORRUPT,
					   "%s: line %d: invalid switch point 0/0", name, lineno);
	if (prev != NULL && *sw < prev->end)
		return rw_fail(err, RW_ECORRUPT,
					   "%s: line %d: switch point " LSN_FMT " is before the previous one "
					   LSN_FMT, name, lineno, LSN_ARGS(*sw), LSN_ARGS(prev->end));
	return true;
}

bool
tl_parse(const char *text, size_t len, uint32_t tli, const char *name,
		 tl_history *out, rw_error *err)
{
	const char *p = text;
	const char *end = text + len;
	size_t		cap = 0;
	int			lineno = 0;

	out->entries = NULL;
	out->n = 0;
	while (p < end)
	{
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		line_cursor c = {p, nl ? nl : end};
		uint32_t	parent = 0;
		lsn_t		sw = LSN_INVALID;

		lineno++;
		p = nl ? nl + 1 : end;
		skip_spaces(&c);
		if (c.p == c.end || *c.p == '#')
			continue;
		if (!parse_line(&c, out, tli, name, lineno, &parent, &sw, err))
		{
			tl_free(out);
			return false;
		}
		append_entry(out, &cap, parent, last_end(out), sw);
	}
	append_entry(out, &cap, tli, last_end(out), LSN_INVALID);
	return true;
}

void
tl_single(uint32_t tli, tl_history *out)
{
	out->entries = xmalloc(sizeof(tl_entry));
	out->entries[0].tli = tli;
	out->entries[0].begin = 0;
	out->entries[0].end = LSN_INVALID;
	out->n = 1;
}

void
tl_free(tl_history *h)
{
	free(h->entries);
	h->entries = NULL;
	h->n = 0;
}

/* The smaller of two entry ends, an open end (LSN_INVALID) being infinite. */
static lsn_t
min_end(lsn_t a, lsn_t b)
{
	if (a == LSN_INVALID)
		return b;
	if (b == LSN_INVALID)
		return a;
	return a < b ? a : b;
}

bool
tl_find_divergence(const tl_history *a, const tl_history *b, lsn_t *diverge,
				   size_t *common_index, rw_error *err)
{
	size_t		i = 0;

	while (i < a->n && i < b->n &&
		   a->entries[i].tli == b->entries[i].tli &&
		   a->entries[i].begin == b->entries[i].begin)
		i++;
	if (i == 0)
		return rw_fail(err, RW_EMISMATCH,
					   "could not find common ancestor of the source and target "
					   "cluster's timelines");
	i--;
	*common_index = i;
	*diverge = min_end(a->entries[i].end, b->entries[i].end);
	return true;
}

uint32_t
tl_tli_at(const tl_history *h, lsn_t lsn)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->entries[i].end == LSN_INVALID || lsn < h->entries[i].end)
			return h->entries[i].tli;
	return h->n ? h->entries[h->n - 1].tli : 0;
}

uint32_t
tl_tli_for_segment(const tl_history *h, uint64_t segno, uint32_t segsize)
{
	lsn_t		seg_end = segno_start(segno + 1, segsize);

	for (size_t i = 0; i < h->n; i++)
		if (h->entries[i].end == LSN_INVALID || h->entries[i].end >= seg_end)
			return h->entries[i].tli;
	return h->n ? h->entries[h->n - 1].tli : 0;
}

bool
tl_contains(const tl_history *h, uint32_t tli, const tl_entry **entry)
{
	for (size_t i = 0; i < h->n; i++)
	{
		if (h->entries[i].tli == tli)
		{
			if (entry)
				*entry = &h->entries[i];
			return true;
		}
	}
	return false;
}

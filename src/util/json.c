/*
 * A small streaming JSON writer (json.h): nesting, commas, escaping.
 * Writes only to the stream it is given.
 */

#include "util/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void
json_init(json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

static void
indent(json_writer *w)
{
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Separator and indentation before a value or a key. */
static void
before_item(json_writer *w)
{
	if (w->after_key)
	{
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (w->has_items[w->depth - 1])
		fputc(',', w->out);
	w->has_items[w->depth - 1] = true;
	indent(w);
}

static void
open_container(json_writer *w, char c)
{
	before_item(w);
	fputc(c, w->out);
	/* deeper nesting is a bug in the caller; it still yields valid JSON */
	if (w->depth < JSON_MAX_DEPTH)
		w->has_items[w->depth] = false;
	w->depth++;
}

static void
close_container(json_writer *w, char c)
{
	bool		had = w->depth <= JSON_MAX_DEPTH && w->has_items[w->depth - 1];

	w->depth--;
	if (had)
		indent(w);
	fputc(c, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}

void
json_begin_object(json_writer *w)
{
	open_container(w, '{');
}

void
json_end_object(json_writer *w)
{
	close_container(w, '}');
}

void
json_begin_array(json_writer *w)
{
	open_container(w, '[');
}

void
json_end_array(json_writer *w)
{
	close_container(w, ']');
}

/* Length of the valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t
utf8_len(const unsigned char *s)
{
	size_t		n;
	uint32_t	cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates and values above U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		(cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

static void
write_escaped(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *) str;

	fputc('"', out);
	while (*s)
	{
		size_t		n = utf8_len(s);

		if (n == 0)
		{
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		switch (*s)
		{
			case '"':
				fputs("\\\"", out);
				break;
			case '\\':
				fputs("\\\\", out);
				break;
			case '\n':
				fputs("\\n", out);
				break;
			case '\r':
				fputs("\\r", out);
				break;
			case '\t':
				fputs("\\t", out);
				break;
			default:
				if (*s < 0x20 || *s == 0x7F)
					fprintf(out, "\\u%04x", *s);
				else
					fwrite(s, 1, n, out);
				break;
		}
		s += n;
	}
	fputc('"', out);
}

void
json_key(json_writer *w, const char *key)
{
	before_item(w);
	write_escaped(w->out, key);
	fputs(": ", w->out);
	w->after_key = true;
}

void
json_string(json_writer *w, const char *s)
{
	if (s == NULL)
	{
		json_null(w);
		return;
	}
	before_item(w);
	write_escaped(w->out, s);
}

void
json_uint(json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRIu64, v);
}

void
json_int(json_writer *w, int64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRId64, v);
}

static void
json_bool(json_writer *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->out);
}

void
json_null(json_writer *w)
{
	before_item(w);
	fputs("null", w->out);
}

void
json_raw(json_writer *w, const char *text)
{
	size_t		len;

	if (text == NULL)
	{
		json_null(w);
		return;
	}
	before_item(w);
	len = strlen(text);
	while (len > 0 && text[len - 1] == '\n')
		len--;
	fwrite(text, 1, len, w->out);
}

void
json_kv_string(json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void
json_kv_uint(json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void
json_kv_bool(json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

json_writer *
json_buffer_open(json_buffer *b)
{
	b->text = NULL;
	b->len = 0;
	b->mem = open_memstream(&b->text, &b->len);
	if (b->mem == NULL)
	{
		/* only fails for lack of memory: same policy as xalloc.h */
		fputs("rewind: out of memory\n", stderr);
		abort();
	}
	json_init(&b->w, b->mem);
	return &b->w;
}

char *
json_buffer_close(json_buffer *b)
{
	fclose(b->mem);
	b->mem = NULL;
	return b->text;
}

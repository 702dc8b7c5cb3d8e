/*
 * A small streaming JSON writer: objects, arrays, strings, integers,
 * booleans and null, written as they come, two spaces of indentation.
 * Commas and nesting are tracked here so callers only say what comes next.
 */
#ifndef RW_JSON_H
#define RW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

typedef struct json_writer {
	FILE	   *out;
	int			depth;
	bool		has_items[JSON_MAX_DEPTH];	/* per open container: a comma is due */
	bool		after_key;		/* the next value follows "key": */
} json_writer;

void		json_init(json_writer *w, FILE *out);

/* A writer whose output is collected in memory: open, write, close. */
typedef struct json_buffer {
	char	   *text;
	size_t		len;
	FILE	   *mem;
	json_writer w;
} json_buffer;

json_writer *json_buffer_open(json_buffer *b);

/* The text written, malloc'd; the caller frees it. */
char	   *json_buffer_close(json_buffer *b);

void		json_begin_object(json_writer *w);
void		json_end_object(json_writer *w);
void		json_begin_array(json_writer *w);
void		json_end_array(json_writer *w);

/* The key of the next member; a value call must follow. */
void		json_key(json_writer *w, const char *key);

/* NULL writes null.  Bytes that are not valid UTF-8 become U+FFFD. */
void		json_string(json_writer *w, const char *s);
void		json_uint(json_writer *w, uint64_t v);
void		json_int(json_writer *w, int64_t v);
void		json_null(json_writer *w);

/* A complete JSON value rendered elsewhere (NULL writes null). */
void		json_raw(json_writer *w, const char *text);

/* Shorthands for "key": value. */
void		json_kv_string(json_writer *w, const char *key, const char *s);
void		json_kv_uint(json_writer *w, const char *key, uint64_t v);
void		json_kv_bool(json_writer *w, const char *key, bool v);

#endif

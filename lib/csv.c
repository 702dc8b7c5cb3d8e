/*
 * Fields and rows in PostgreSQL's CSV format (COPY ... (FORMAT csv) with
 * its defaults: delimiter ',', quote and escape '"', NULL as an empty
 * unquoted field, rows ended by LF).
 */
#include <string.h>

#include "datum.h"

/* Whether COPY quotes a field: the empty string (NULL's form when
 * unquoted), a delimiter, a quote or a line break in it, or "\." which
 * alone on a line would end the data. */
static bool
csv_needs_quotes(const char *field, size_t len, bool only_column)
{
	if (len == 0)
		return true;
	if (len == 2 && field[0] == '\\' && field[1] == '.')
		return only_column;
	for (size_t i = 0; i < len; i++)
		if (field[i] == ',' || field[i] == '"' || field[i] == '\n' || field[i] == '\r')
			return true;
	return false;
}

static void
csv_append(text_buf *out, const char *field, size_t len, bool isnull, bool only_column)
{
	size_t		start = 0;

	if (isnull)
		return;
	if (!csv_needs_quotes(field, len, only_column))
	{
		text_buf_append(out, field, len);
		return;
	}
	text_buf_append(out, "\"", 1);
	for (size_t i = 0; i < len; i++)
		if (field[i] == '"')
		{
			text_buf_append(out, field + start, i + 1 - start);
			text_buf_append(out, "\"", 1);
			start = i + 1;
		}
	text_buf_append(out, len > start ? field + start : "", len - start);
	text_buf_append(out, "\"", 1);
}

void
csv_append_field(text_buf *out, const char *field, size_t len, bool isnull)
{
	csv_append(out, field, len, isnull, true);
}

void
csv_append_row(text_buf *out, const char *const *fields, const size_t *lens,
			   const bool *isnull, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		if (i > 0)
			text_buf_append(out, ",", 1);
		csv_append(out, fields[i], lens[i], isnull[i], n == 1);
	}
	text_buf_append(out, "\n", 1);
}

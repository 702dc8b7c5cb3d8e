/*
 * Helpers shared by the unit tests: the fixtures directory
 * (REWIND_FIXTURES, made by t/fixtures/make-fixtures.sh) and whole-file
 * reads.  Reads only.
 */

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "xalloc.h"

const char *
fixtures_dir(void)
{
	const char *d = getenv("REWIND_FIXTURES");

	return (d && *d) ? d : NULL;
}

uint8_t *
read_whole_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *buf = NULL;
	size_t		cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do
	{
		xgrow((void **) &buf, &cap, n + 65536 + 1, 1);
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

uint8_t *
fixture_read(const char *relpath, size_t *len)
{
	char		path[4096];
	const char *dir = fixtures_dir();

	if (dir == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, relpath);
	return read_whole_file(path, len);
}

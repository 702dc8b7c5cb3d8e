/*
 * The source server's rows, checked and turned into file-list entries,
 * byte ranges and digests.  Pure: no I/O, no libpq.
 */
#include "source_reply.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool
reply_path_ok(const char *path)
{
	const char *p = path;

	if (*p == '\0' || *p == '/')
		return false;
	while (*p)
	{
		const char *end = strchr(p, '/');
		size_t		n = end ? (size_t) (end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (end == NULL)
			break;
		p = end + 1;
		if (*p == '\0')
			return false;		/* trailing slash */
	}
	return true;
}

/* A non-negative bigint as text. */
static bool
parse_size(const char *s, uint64_t *out)
{
	char	   *end;

	if (!isdigit((unsigned char) s[0]))
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= (uint64_t) INT64_MAX;
}

bool
reply_list_row(const char *const values[4], const bool isnull[4], file_list *out,
			   rw_error *err)
{
	const char *path = isnull[0] ? NULL : values[0];
	bool		isdir = !isnull[2] && strcmp(values[2], "t") == 0;
	const char *link = isnull[3] ? NULL : values[3];
	uint64_t	size = 0;

	if (path == NULL || !reply_path_ok(path))
		return rw_fail(err, RW_ESOURCE,
					   "could not read source file list: bad path \"%s\"", path ? path : "(null)");
	/* an in-place tablespace (a developer option) is a plain directory */
	if (link != NULL && link[0] == '/')
		file_list_add(out, path, FILE_TYPE_SYMLINK, 0, link);
	else if (isdir)
		file_list_add(out, path, FILE_TYPE_DIRECTORY, 0, NULL);
	else if (!isnull[1] && parse_size(values[1], &size))
		file_list_add(out, path, FILE_TYPE_REGULAR, size, NULL);
	else
		return rw_fail(err, RW_ESOURCE,
					   "could not read source file list: bad size \"%s\" for \"%s\"",
					   isnull[1] ? "(null)" : values[1], path);
	return true;
}

static uint64_t
be64(const uint8_t *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

bool
reply_range_position(const char *value, int len, bool isnull, size_t row, const char *path,
					 rw_error *err)
{
	if (isnull || len != 8 || be64((const uint8_t *) value) != (uint64_t) row + 1)
		return rw_fail(err, RW_ESOURCE,
					   "could not read \"%s\" from the source: rows out of order", path);
	return true;
}

bool
reply_fetch_value(const char *value, int len, bool isnull, uint32_t asked, const char *path,
				  const uint8_t **data, size_t *n, bool *missing, rw_error *err)
{
	*data = NULL;
	*n = 0;
	*missing = isnull;
	if (isnull)
		return true;
	if (len < 0 || (uint64_t) len > asked)
		return rw_fail(err, RW_ESOURCE,
					   "could not fetch \"%s\" from the source: got %d bytes, asked for %u",
					   path, len, (unsigned) asked);
	*data = (const uint8_t *) value;
	*n = (size_t) len;
	return true;
}

bool
reply_digest_value(const char *value, int len, bool isnull, uint8_t out[REPLY_DIGEST_LEN],
				   bool *missing, rw_error *err)
{
	*missing = isnull;
	if (isnull)
		return true;
	if (len != REPLY_DIGEST_LEN)
		return rw_fail(err, RW_ESOURCE, "could not hash ranges on the source: a digest of %d bytes",
					   len);
	memcpy(out, value, REPLY_DIGEST_LEN);
	return true;
}

bool
reply_block_digests(const char *value, int len, bool isnull, uint32_t max_blocks,
					uint8_t (*out)[REPLY_DIGEST_LEN], uint32_t *nblocks, bool *missing,
					rw_error *err)
{
	*nblocks = 0;
	*missing = isnull;
	if (isnull)
		return true;
	if (len < 0 || len % REPLY_DIGEST_LEN != 0 ||
		(uint64_t) len / REPLY_DIGEST_LEN > max_blocks)
		return rw_fail(err, RW_ESOURCE,
					   "could not hash blocks on the source: %d bytes of digests for at most %u "
					   "blocks", len, (unsigned) max_blocks);
	*nblocks = (uint32_t) (len / REPLY_DIGEST_LEN);
	if (*nblocks > 0)
		memcpy(out, value, (size_t) len);
	return true;
}

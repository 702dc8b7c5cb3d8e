/*
 * Reading local files whole or at an offset, with errors that name the
 * file.  Reads only; never writes.
 */

#include "util/fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "xalloc.h"

bool
file_read_all(const char *path, uint8_t **data, size_t *len, rw_error *err)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t    *buf = NULL;
	size_t		cap = 0, n = 0;

	if (fd < 0)
		return rw_fail_errno(err, errno, "could not open file \"%s\"", path);
	for (;;)
	{
		ssize_t		got;

		xgrow((void **) &buf, &cap, n + 65536 + 1, 1);
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
		{
			int			saved = errno;

			free(buf);
			close(fd);
			return rw_fail_errno(err, saved, "could not read file \"%s\"", path);
		}
		if (got == 0)
			break;
		n += (size_t) got;
	}
	close(fd);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return true;
}

bool
file_pread_exact(int fd, const char *path, void *buf, size_t len, uint64_t offset,
				 rw_error *err)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		got = pread(fd, (char *) buf + done, len - done, (off_t) (offset + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return rw_fail_errno(err, errno, "could not read file \"%s\" at offset %llu",
								 path, (unsigned long long) (offset + done));
		if (got == 0)
			return rw_fail(err, RW_ECORRUPT,
						   "could not read file \"%s\": read %zu of %zu bytes at offset %llu",
						   path, done, len, (unsigned long long) offset);
		done += (size_t) got;
	}
	return true;
}

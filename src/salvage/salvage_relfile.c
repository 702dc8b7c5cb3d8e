/*
 * Reading one block of a relation's main fork from the target's files, in
 * whichever segment file holds it (salvage_relfile.h).  Reads only.
 */
#include "salvage/salvage_relfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "relpath.h"
#include "walreader.h"				/* FORK_MAIN */

bool
salvage_read_block(const salvage_relfile *rf, relfile_locator loc, uint32_t blkno,
				   uint8_t *buf, bool *present, rw_error *err)
{
	char		rel[PATH_MAX];
	char		path[PATH_MAX];
	uint32_t	segno = blkno / rf->relseg_size;
	off_t		off = (off_t) (blkno % rf->relseg_size) * rf->blcksz;
	ssize_t		got = 0;
	int			fd;

	*present = false;
	relpath_format(rel, sizeof(rel), rf->tsdir, loc, FORK_MAIN, segno);
	if ((size_t) snprintf(path, sizeof(path), "%s/%s", rf->pgdata, rel) >= sizeof(path))
		return rw_fail(err, RW_EUSAGE, "target data directory path too long");
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? true :
			rw_fail_errno(err, errno, "could not open \"%s\" of the target", path);
	for (size_t done = 0; done < rf->blcksz; done += (size_t) got)
	{
		got = pread(fd, buf + done, rf->blcksz - done, off + (off_t) done);
		if (got < 0 && errno == EINTR)
		{
			got = 0;
			continue;
		}
		if (got < 0)
		{
			int			e = errno;

			close(fd);
			return rw_fail_errno(err, e, "could not read \"%s\" of the target", path);
		}
		if (got == 0)
		{
			close(fd);
			return true;		/* the file ends before this block */
		}
	}
	close(fd);
	*present = true;
	return true;
}

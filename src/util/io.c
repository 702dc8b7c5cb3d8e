/*
 * The file-system calls that change the target and its journal, behind an
 * rw_io table (io.h): real calls walked name by name from directory
 * descriptors, following no symbolic link but pg_wal and pg_tblspc/<oid>, or
 * the same calls traced for the crash simulator.  The only code that makes
 * those changes; apply.c and journal.c call it.
 */

#include "util/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/io_trace.h"
#include "util/test_hooks.h"
#include "xalloc.h"

/* --- where a path leads ----------------------------------------------------- */

/*
 * The two symbolic links a data directory may have, at depth 0 (first name
 * below it) or 1: pg_wal (initdb --waldir) and pg_tblspc/<oid>.
 */
static bool
expected_link(int depth, const char *first, const char *name)
{
	if (depth == 0)
		return strcmp(name, "pg_wal") == 0;
	if (depth != 1 || strcmp(first, "pg_tblspc") != 0 || name[0] == '\0')
		return false;
	return strspn(name, "0123456789") == strlen(name);
}

/* A path as a directory descriptor and the last name in it. */
typedef struct io_at {
	int			dir;			/* AT_FDCWD or an O_PATH descriptor */
	char	   *copy;			/* of the path, cut into names */
	const char *name;			/* the last one */
	bool		link_ok;		/* that name is one of expected_link's */
} io_at;

static void
at_done(io_at *at)
{
	int			e = errno;

	if (at->dir >= 0)
		close(at->dir);
	free(at->copy);
	errno = e;
}

/* Enter directory name from at->dir; ELOOP if it is a link and follow is false. */
static int
at_enter(io_at *at, const char *name, bool follow)
{
	int			next = openat(at->dir, name,
							  O_PATH | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	struct stat st;

	/* a link opened with O_PATH|O_NOFOLLOW|O_DIRECTORY says ENOTDIR: say what it is */
	if (next < 0 && errno == ENOTDIR && !follow &&
		fstatat(at->dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
		errno = ELOOP;
	if (next < 0)
		return -1;
	if (at->dir >= 0)
		close(at->dir);
	at->dir = next;
	return 0;
}

/*
 * Below root, walk from its descriptor to the last name, entering no
 * symbolic link but the data directory's own when data is true.
 */
static int
at_walk(io_at *at, char *rest, bool data)
{
	const char *first = "";
	int			depth = 0;

	for (;;)
	{
		char	   *end;
		bool		last;

		rest += strspn(rest, "/");
		end = strchr(rest, '/');
		last = end == NULL || end[strspn(end, "/")] == '\0';
		if (end)
			*end = '\0';
		if (strcmp(rest, "..") == 0)
		{
			errno = EINVAL;		/* never written by rewind: a damaged input */
			return -1;
		}
		if (last)
		{
			at->name = rest[0] ? rest : ".";
			at->link_ok = data && expected_link(depth, first, rest);
			return 0;
		}
		if (strcmp(rest, ".") != 0)
		{
			if (at_enter(at, rest, data && expected_link(depth, first, rest)) != 0)
				return -1;
			if (depth++ == 0)
				first = rest;
		}
		rest = end + 1;
	}
}

/* Where the rest of path below root starts (root has no trailing slash), or NULL. */
static const char *
below(const char *root, const char *path)
{
	size_t		n = root ? strlen(root) : 0;

	if (n == 0 || strncmp(path, root, n) != 0 || (path[n] != '/' && root[n - 1] != '/'))
		return NULL;
	return path + n;
}

/* Outside the roots: the directory of path as spelled, and its last name. */
static int
at_as_spelled(io_at *at)
{
	char	   *slash = strrchr(at->copy, '/');

	if (slash == NULL)
	{
		at->name = at->copy;	/* in the working directory: at->dir is AT_FDCWD */
		return 0;
	}
	at->name = slash + 1;
	*slash = '\0';
	at->dir = open(slash == at->copy ? "/" : at->copy, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return at->dir < 0 ? -1 : 0;
}

/*
 * Turn path into (directory descriptor, last name).  Below the data
 * directory or the journal's directory, every directory on the way is
 * entered without following a symbolic link (ELOOP where one is found),
 * except the data directory's pg_wal and pg_tblspc/<oid>; any other path's
 * directory is opened as spelled.  0, or -1 with errno; at_done after 0.
 */
static int
at_resolve(const rw_io *io, const char *path, io_at *at)
{
	const char *roots[2] = {io->data_root, io->journal_root};
	int			rc = -1;
	bool		rooted = false;

	at->dir = AT_FDCWD;
	at->copy = xstrdup(path);
	at->link_ok = false;
	for (int i = 0; i < 2 && !rooted; i++)
	{
		const char *rest = below(roots[i], path);

		if (rest == NULL)
			continue;
		rooted = true;
		at->dir = open(roots[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		rc = at->dir < 0 ? -1 : at_walk(at, at->copy + (rest - path), i == 0);
	}
	if (!rooted)
		rc = at_as_spelled(at);
	if (rc != 0)
		at_done(at);
	return rc;
}

/* --- the real file system ------------------------------------------------- */

static int
real_open(rw_io *io, const char *path, int flags, mode_t mode)
{
	io_at		at;
	int			fd;
	bool		follow;

	if (at_resolve(io, path, &at) != 0)
		return -1;
	/* pg_wal or a tablespace read as such (to fsync it) is the directory it leads to */
	follow = at.link_ok && (flags & O_ACCMODE) == O_RDONLY && !(flags & O_CREAT);
	fd = openat(at.dir, at.name, flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), mode);
	at_done(&at);
	return fd;
}

static ssize_t
real_pwrite(rw_io *io, int fd, const void *buf, size_t len, off_t offset)
{
	(void) io;
	return pwrite(fd, buf, len, offset);
}

static ssize_t
real_append(rw_io *io, int fd, const void *buf, size_t len)
{
	(void) io;
	return write(fd, buf, len);
}

static int
real_ftruncate(rw_io *io, int fd, off_t size)
{
	(void) io;
	return ftruncate(fd, size);
}

static int
real_fchmod(rw_io *io, int fd, mode_t mode)
{
	(void) io;
	return fchmod(fd, mode);
}

static int
real_rename(rw_io *io, const char *from, const char *to)
{
	io_at		a, b;
	int			rc;

	if (at_resolve(io, from, &a) != 0)
		return -1;
	if (at_resolve(io, to, &b) != 0)
	{
		at_done(&a);
		return -1;
	}
	rc = renameat(a.dir, a.name, b.dir, b.name);
	at_done(&a);
	at_done(&b);
	return rc;
}

static int
real_unlink(rw_io *io, const char *path)
{
	io_at		at;
	int			rc;

	if (at_resolve(io, path, &at) != 0)
		return -1;
	rc = unlinkat(at.dir, at.name, 0);
	at_done(&at);
	return rc;
}

static int
real_mkdir(rw_io *io, const char *path, mode_t mode)
{
	io_at		at;
	int			rc;

	if (at_resolve(io, path, &at) != 0)
		return -1;
	rc = mkdirat(at.dir, at.name, mode);
	at_done(&at);
	return rc;
}

static int
real_rmdir(rw_io *io, const char *path)
{
	io_at		at;
	int			rc;

	if (at_resolve(io, path, &at) != 0)
		return -1;
	rc = unlinkat(at.dir, at.name, AT_REMOVEDIR);
	at_done(&at);
	return rc;
}

static int
real_symlink(rw_io *io, const char *link_target, const char *path)
{
	io_at		at;
	int			rc;

	if (at_resolve(io, path, &at) != 0)
		return -1;
	rc = symlinkat(link_target, at.dir, at.name);
	at_done(&at);
	return rc;
}

static int
real_fsync(rw_io *io, int fd)
{
	(void) io;
	return fsync(fd);
}

static int
real_fdatasync(rw_io *io, int fd)
{
	(void) io;
	return fdatasync(fd);
}

static int
real_close(rw_io *io, int fd)
{
	(void) io;
	return close(fd);
}

static const io_ops real_ops = {
	real_open, real_pwrite, real_append, real_ftruncate, real_fchmod, real_rename,
	real_unlink, real_mkdir, real_rmdir, real_symlink, real_fsync, real_fdatasync, real_close
};

/* --- TEST HOOK: the real file system, each change also traced ------------- */

/*
 * One record in one write to a file opened O_APPEND, so the writers of one
 * run (and of runs one after the other) never interleave inside a record.
 * A failure to trace aborts: a trace with a hole would prove nothing.
 */
static void
trace(rw_io *io, io_trace_op op, int fd, uint32_t mode, uint64_t arg, const char *path,
	  const char *path2, const void *data, size_t len)
{
	char		cwd[PATH_MAX] = "";
	char	   *abs1 = NULL, *abs2 = NULL;
	io_trace_rec r = {.magic = IO_TRACE_MAGIC, .op = op, .fd = fd, .mode = mode, .arg = arg,
	.data_len = len};
	uint8_t    *buf;
	size_t		total;
	int			saved = errno;

	if ((path && path[0] != '/') || (path2 && op == IOT_RENAME && path2[0] != '/'))
	{
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			abort();
	}
	if (path)
		abs1 = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
	if (path2)
		abs2 = (path2[0] == '/' || op != IOT_RENAME) ? xstrdup(path2) : xasprintf("%s/%s", cwd, path2);
	r.path_len = abs1 ? (uint32_t) strlen(abs1) : 0;
	r.path2_len = abs2 ? (uint32_t) strlen(abs2) : 0;
	total = sizeof(r) + r.path_len + r.path2_len + len;
	buf = xmalloc(total);
	memcpy(buf, &r, sizeof(r));
	if (abs1)
		memcpy(buf + sizeof(r), abs1, r.path_len);
	if (abs2)
		memcpy(buf + sizeof(r) + r.path_len, abs2, r.path2_len);
	if (len > 0)
		memcpy(buf + sizeof(r) + r.path_len + r.path2_len, data, len);
	if (write(io->trace_fd, buf, total) != (ssize_t) total)
		abort();
	free(buf);
	free(abs1);
	free(abs2);
	errno = saved;
}

static int
trace_open(rw_io *io, const char *path, int flags, mode_t mode)
{
	struct stat st;
	bool		existed = lstat(path, &st) == 0;
	int			fd = real_open(io, path, flags, mode);

	if (fd < 0)
		return fd;
	trace(io, IOT_OPEN, fd, (uint32_t) mode, (flags & O_CREAT) && !existed, path, NULL, NULL, 0);
	if ((flags & O_TRUNC) && existed)
		trace(io, IOT_TRUNCATE, fd, 0, 0, NULL, NULL, NULL, 0);
	return fd;
}

static ssize_t
trace_pwrite(rw_io *io, int fd, const void *buf, size_t len, off_t offset)
{
	ssize_t		n = real_pwrite(io, fd, buf, len, offset);

	if (n > 0)
		trace(io, IOT_WRITE, fd, 0, (uint64_t) offset, NULL, NULL, buf, (size_t) n);
	return n;
}

static ssize_t
trace_append(rw_io *io, int fd, const void *buf, size_t len)
{
	ssize_t		n = real_append(io, fd, buf, len);

	if (n > 0)
		trace(io, IOT_WRITE, fd, 0, (uint64_t) lseek(fd, 0, SEEK_CUR) - (uint64_t) n, NULL,
			  NULL, buf, (size_t) n);
	return n;
}

static int
trace_ftruncate(rw_io *io, int fd, off_t size)
{
	int			rc = real_ftruncate(io, fd, size);

	if (rc == 0)
		trace(io, IOT_TRUNCATE, fd, 0, (uint64_t) size, NULL, NULL, NULL, 0);
	return rc;
}

static int
trace_fchmod(rw_io *io, int fd, mode_t mode)
{
	int			rc = real_fchmod(io, fd, mode);

	if (rc == 0)
		trace(io, IOT_CHMOD, fd, (uint32_t) mode, 0, NULL, NULL, NULL, 0);
	return rc;
}

static int
trace_rename(rw_io *io, const char *from, const char *to)
{
	int			rc = real_rename(io, from, to);

	if (rc == 0)
		trace(io, IOT_RENAME, -1, 0, 0, from, to, NULL, 0);
	return rc;
}

static int
trace_unlink(rw_io *io, const char *path)
{
	int			rc = real_unlink(io, path);

	if (rc == 0)
		trace(io, IOT_UNLINK, -1, 0, 0, path, NULL, NULL, 0);
	return rc;
}

static int
trace_mkdir(rw_io *io, const char *path, mode_t mode)
{
	int			rc = real_mkdir(io, path, mode);

	if (rc == 0)
		trace(io, IOT_MKDIR, -1, (uint32_t) mode, 0, path, NULL, NULL, 0);
	return rc;
}

static int
trace_rmdir(rw_io *io, const char *path)
{
	int			rc = real_rmdir(io, path);

	if (rc == 0)
		trace(io, IOT_RMDIR, -1, 0, 0, path, NULL, NULL, 0);
	return rc;
}

static int
trace_symlink(rw_io *io, const char *link_target, const char *path)
{
	int			rc = real_symlink(io, link_target, path);

	if (rc == 0)
		trace(io, IOT_SYMLINK, -1, 0, 0, path, link_target, NULL, 0);
	return rc;
}

static int
trace_fsync(rw_io *io, int fd)
{
	int			rc = real_fsync(io, fd);

	if (rc == 0)
		trace(io, IOT_FSYNC, fd, 0, 0, NULL, NULL, NULL, 0);
	return rc;
}

static int
trace_fdatasync(rw_io *io, int fd)
{
	int			rc = real_fdatasync(io, fd);

	if (rc == 0)
		trace(io, IOT_FSYNC, fd, 0, 0, NULL, NULL, NULL, 0);
	return rc;
}

static int
trace_close(rw_io *io, int fd)
{
	trace(io, IOT_CLOSE, fd, 0, 0, NULL, NULL, NULL, 0);
	return real_close(io, fd);
}

static const io_ops trace_ops = {
	trace_open, trace_pwrite, trace_append, trace_ftruncate, trace_fchmod, trace_rename,
	trace_unlink, trace_mkdir, trace_rmdir, trace_symlink, trace_fsync, trace_fdatasync,
	trace_close
};

/* --- the interface -------------------------------------------------------- */

/* dir without trailing slashes (but "/"), malloc'd; NULL for NULL */
static char *
trimmed(const char *dir)
{
	size_t		n = dir ? strlen(dir) : 0;

	if (dir == NULL)
		return NULL;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return xasprintf("%.*s", (int) n, dir);
}

rw_io *
io_open(const char *data_dir, const char *journal_dir)
{
	rw_io	   *io = xcalloc(1, sizeof(*io));
	const char *trace_path = test_hook_crash_trace();

	io->ops = &real_ops;
	io->trace_fd = -1;
	io->data_root = trimmed(data_dir);
	io->journal_root = trimmed(journal_dir);
	if (io->journal_root)
	{
		char	   *slash = strrchr(io->journal_root, '/');

		if (slash && slash != io->journal_root)
			*slash = '\0';		/* the journal is a name in its directory */
		else
		{
			free(io->journal_root);
			io->journal_root = NULL;
		}
	}
	if (trace_path && trace_path[0])
	{
		io->trace_fd = open(trace_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (io->trace_fd < 0)
			abort();			/* a test asked for a trace it would not get */
		io->ops = &trace_ops;
	}
	return io;
}

void
io_close(rw_io *io)
{
	if (io == NULL)
		return;
	if (io->trace_fd >= 0)
		close(io->trace_fd);
	free(io->data_root);
	free(io->journal_root);
	free(io);
}

int
io_lstat(rw_io *io, const char *path, struct stat *st)
{
	io_at		at;
	int			rc;

	if (at_resolve(io, path, &at) != 0)
		return -1;
	rc = fstatat(at.dir, at.name, st, AT_SYMLINK_NOFOLLOW);
	at_done(&at);
	return rc;
}

int
io_open_read(rw_io *io, const char *path)
{
	return real_open(io, path, O_RDONLY, 0);
}

int
io_pwrite_all(rw_io *io, int fd, const void *buf, size_t len, off_t offset)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = io->ops->pwrite(io, fd, (const uint8_t *) buf + done, len - done,
										offset + (off_t) done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t) n;
	}
	return 0;
}

int
io_append_all(rw_io *io, int fd, const void *buf, size_t len)
{
	size_t		done = 0;

	while (done < len)
	{
		ssize_t		n = io->ops->append(io, fd, (const uint8_t *) buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t) n;
	}
	return 0;
}


/* Open path with flags, apply f to the descriptor, close it. */
static int
with_fd(rw_io *io, const char *path, int flags, int (*f) (rw_io *, int, uint64_t), uint64_t arg)
{
	int			fd = io->ops->open(io, path, flags, 0);
	int			rc, e;

	if (fd < 0)
		return -1;
	rc = f(io, fd, arg);
	e = errno;
	io->ops->close(io, fd);
	errno = e;
	return rc;
}

static int
fd_fsync(rw_io *io, int fd, uint64_t unused)
{
	(void) unused;
	return io->ops->fsync(io, fd);
}

static int
fd_truncate(rw_io *io, int fd, uint64_t size)
{
	return io->ops->ftruncate(io, fd, (off_t) size);
}

static int
fd_chmod(rw_io *io, int fd, uint64_t mode)
{
	return io->ops->fchmod(io, fd, (mode_t) mode);
}

int
io_fsync_path(rw_io *io, const char *path)
{
	return with_fd(io, path, O_RDONLY, fd_fsync, 0);
}

int
io_truncate(rw_io *io, const char *path, uint64_t size)
{
	return with_fd(io, path, O_WRONLY, fd_truncate, size);
}

int
io_chmod(rw_io *io, const char *path, mode_t mode)
{
	return with_fd(io, path, O_RDONLY, fd_chmod, mode);
}

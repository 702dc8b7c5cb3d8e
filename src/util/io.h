/*
 * The file-system calls that change the target: its data directory and the
 * journal beside it.  writer.c and journal.c make every such change through
 * an rw_io, a table of functions.  The default is the real file system; the
 * test hook REWIND_TEST_CRASH_TRACE=FILE (util/test_hooks.h) selects one
 * that makes each change the same way and appends it to FILE (io_trace.h),
 * from which the crash simulator (t/crashsim) builds the states a power
 * loss could leave.
 *
 * Paths are full paths.  Below the data directory and below the directory
 * that holds the journal, each is walked name by name from a directory
 * descriptor (openat, mkdirat, renameat, ...) and no symbolic link is
 * followed, in the last name or on the way, except the two a data directory
 * may have: its pg_wal (initdb --waldir) and pg_tblspc/<oid> (tablespaces).
 * A link found anywhere else fails with ELOOP: the target is never written
 * through one.  The functions return what the system call would, with errno
 * set.
 */
#ifndef RW_IO_H
#define RW_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

typedef struct rw_io rw_io;

typedef struct io_ops {
	int			(*open) (rw_io *io, const char *path, int flags, mode_t mode);
	ssize_t		(*pwrite) (rw_io *io, int fd, const void *buf, size_t len, off_t offset);
	ssize_t		(*append) (rw_io *io, int fd, const void *buf, size_t len);
	int			(*ftruncate) (rw_io *io, int fd, off_t size);
	int			(*fchmod) (rw_io *io, int fd, mode_t mode);
	int			(*rename) (rw_io *io, const char *from, const char *to);
	int			(*unlink) (rw_io *io, const char *path);
	int			(*mkdir) (rw_io *io, const char *path, mode_t mode);
	int			(*rmdir) (rw_io *io, const char *path);
	int			(*symlink) (rw_io *io, const char *link_target, const char *path);
	int			(*fsync) (rw_io *io, int fd);
	int			(*fdatasync) (rw_io *io, int fd);
	int			(*close) (rw_io *io, int fd);
} io_ops;

struct rw_io {
	const io_ops *ops;
	int			trace_fd;		/* the tracing implementation's file, or -1 */
	char	   *data_root;		/* the data directory, as its paths are spelled */
	char	   *journal_root;	/* the directory holding the journal, or NULL */
};

/*
 * The real file system, or the tracing one when the test hook asks for it,
 * for the data directory data_dir and the journal journal_dir beside it
 * (journal_dir(data_dir); NULL: none).
 */
rw_io	   *io_open(const char *data_dir, const char *journal_dir);
void		io_close(rw_io *io);

/* Helpers made of the calls above; like them, 0 or -1 with errno set. */

/* Write all of buf at offset (pwrite) or at the end of the file (append). */
int			io_pwrite_all(rw_io *io, int fd, const void *buf, size_t len, off_t offset);
int			io_append_all(rw_io *io, int fd, const void *buf, size_t len);

/* Open path (a file or a directory) read-only and fsync it. */
int			io_fsync_path(rw_io *io, const char *path);

/*
 * lstat (never following the last name) and open for reading, resolved as
 * the calls above; reads, so never traced.
 */
int			io_lstat(rw_io *io, const char *path, struct stat *st);
int			io_open_read(rw_io *io, const char *path);

/* Set the size or the mode of the file or directory at path. */
int			io_truncate(rw_io *io, const char *path, uint64_t size);
int			io_chmod(rw_io *io, const char *path, mode_t mode);

#endif

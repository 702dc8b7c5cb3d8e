/*
 * The trace of the changes a run made, written by the tracing rw_io (io.c)
 * and read by the crash simulator (t/crashsim/crashsim.c).  Test use only.
 *
 * A sequence of records in the order the calls returned, each a fixed part
 * (native byte order) followed by path, path2 and data.  Paths are absolute.
 */
#ifndef RW_IO_TRACE_H
#define RW_IO_TRACE_H

#include <stdint.h>

#define IO_TRACE_ENV "REWIND_TEST_CRASH_TRACE"
#define IO_TRACE_MAGIC 0x52544f49u	/* "IOTR" */

typedef enum io_trace_op {
	IOT_OPEN = 1,				/* path; fd; arg: 1 if the open created the file */
	IOT_WRITE,					/* fd; arg: offset; data */
	IOT_TRUNCATE,				/* fd; arg: new size */
	IOT_CHMOD,					/* fd; mode */
	IOT_RENAME,					/* path to path2 */
	IOT_UNLINK,					/* path */
	IOT_MKDIR,					/* path; mode */
	IOT_RMDIR,					/* path */
	IOT_SYMLINK,				/* path; path2: the link's target */
	IOT_FSYNC,					/* fd (fdatasync too) */
	IOT_CLOSE					/* fd */
} io_trace_op;

typedef struct io_trace_rec {
	uint32_t	magic;
	uint32_t	op;
	int32_t		fd;
	uint32_t	mode;
	uint64_t	arg;
	uint32_t	path_len;
	uint32_t	path2_len;
	uint64_t	data_len;
} io_trace_rec;

#endif

/*
 * Reading local files.
 */
#ifndef RW_FILEUTIL_H
#define RW_FILEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "error.h"

/* Read a whole file; *data is malloc'd and NUL terminated (not in *len). */
bool		file_read_all(const char *path, uint8_t **data, size_t *len, rw_error *err);

/* Read exactly len bytes at offset; a short file is an error naming the path. */
bool		file_pread_exact(int fd, const char *path, void *buf, size_t len,
							 uint64_t offset, rw_error *err);

#endif

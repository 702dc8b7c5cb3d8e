/*
 * Parsing the source server's replies (src/source/source_libpq*.c), kept
 * free of libpq so that it can be fuzzed (fuzz/fuzz_source_reply.c) and
 * tested (t/unit/test_source_reply.c): each function takes one row's
 * column values as libpq hands them — values NUL-terminated (also binary
 * ones), lengths, NULL flags — and trusts nothing in them.
 */
#ifndef RW_SOURCE_REPLY_H
#define RW_SOURCE_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "filelist.h"

#define REPLY_DIGEST_LEN 32

/*
 * A row of the listing query, text format: path, size (NULL for a
 * directory), isdir ("t"/"f"), tablespace location (NULL unless a
 * tablespace link).  Adds the entry to out; refuses a path that could leave
 * the data directory (absolute, "..", empty components) and a bad size.
 */
bool		reply_list_row(const char *const values[4], const bool isnull[4], file_list *out,
						   rw_error *err);

/*
 * Column 0 of a range query's row (binary int8): must be row + 1, the
 * ranges' order.  path names the range in the message.
 */
bool		reply_range_position(const char *value, int len, bool isnull, size_t row,
								 const char *path, rw_error *err);

/*
 * Column 1 of a fetch row (binary bytea): NULL is a missing file, else at
 * most `asked` bytes.  Sets *data and *n (pointing into value) or *missing.
 */
bool		reply_fetch_value(const char *value, int len, bool isnull, uint32_t asked,
							  const char *path, const uint8_t **data, size_t *n, bool *missing,
							  rw_error *err);

/* Column 1 of a hash row (binary bytea): NULL (missing) or a SHA-256. */
bool		reply_digest_value(const char *value, int len, bool isnull,
							   uint8_t out[REPLY_DIGEST_LEN], bool *missing, rw_error *err);

/*
 * Column 1 of a block-hash row (binary bytea): NULL (missing), else the
 * concatenated SHA-256 of at most max_blocks blocks, copied to out;
 * *nblocks says how many.
 */
bool		reply_block_digests(const char *value, int len, bool isnull, uint32_t max_blocks,
								uint8_t (*out)[REPLY_DIGEST_LEN], uint32_t *nblocks,
								bool *missing, rw_error *err);

/* Is path relative, without empty, "." or ".." components? */
bool		reply_path_ok(const char *path);

#endif

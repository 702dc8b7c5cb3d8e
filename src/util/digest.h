/*
 * SHA-256 of file ranges on this machine (OpenSSL EVP), to compare with the
 * digests a source computes.
 */
#ifndef RW_DIGEST_H
#define RW_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define DIGEST_LEN 32

/*
 * SHA-256 of up to len bytes of fd at offset (fewer at end of file); path
 * names the file in errors.
 */
bool		digest_fd_range(int fd, const char *path, uint64_t offset, uint32_t len,
							uint8_t out[DIGEST_LEN], rw_error *err);

/*
 * SHA-256 of each block of up to len bytes of fd at offset, read once into
 * buf (len bytes): block k covers bytes [k * block, (k + 1) * block) of
 * the range, a short last one hashed as it is, into out[k]; *nblocks says
 * how many (fewer at end of file).  path names the file in errors.
 */
bool		digest_fd_blocks(int fd, const char *path, uint64_t offset, uint32_t len,
							 uint32_t block, uint8_t *buf, uint8_t (*out)[DIGEST_LEN],
							 uint32_t *nblocks, rw_error *err);

#endif

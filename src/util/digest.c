/*
 * SHA-256 of a range of a local file, or of each of its blocks (OpenSSL
 * EVP), to compare with the digests a source computes.  Reads the open file
 * it is given; writes nothing.
 */

#include "util/digest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "xalloc.h"

#define READ_BUF (256 * 1024)

bool
digest_fd_range(int fd, const char *path, uint64_t offset, uint32_t len,
				uint8_t out[DIGEST_LEN], rw_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t    *buf = xmalloc(READ_BUF);
	uint32_t	done = 0;
	unsigned int outlen = 0;
	bool		ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;

	if (!ok)
		rw_fail(err, RW_EINTERNAL, "could not initialise SHA-256 for \"%s\"", path);
	while (ok && done < len)
	{
		size_t		want = len - done < READ_BUF ? len - done : READ_BUF;
		ssize_t		got = pread(fd, buf, want, (off_t) (offset + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			ok = rw_fail_errno(err, errno, "could not read file \"%s\" at offset %llu", path,
							   (unsigned long long) (offset + done));
		else if (got == 0)
			break;				/* end of file: hash what there is, as the server does */
		else
		{
			ok = EVP_DigestUpdate(md, buf, (size_t) got) == 1;
			done += (uint32_t) got;
			if (!ok)
				rw_fail(err, RW_EINTERNAL, "SHA-256 of \"%s\" failed", path);
		}
	}
	if (ok && (EVP_DigestFinal_ex(md, out, &outlen) != 1 || outlen != DIGEST_LEN))
		ok = rw_fail(err, RW_EINTERNAL, "SHA-256 of \"%s\" failed", path);
	EVP_MD_CTX_free(md);
	free(buf);
	return ok;
}

bool
digest_fd_blocks(int fd, const char *path, uint64_t offset, uint32_t len, uint32_t block,
				 uint8_t *buf, uint8_t (*out)[DIGEST_LEN], uint32_t *nblocks, rw_error *err)
{
	uint32_t	done = 0;

	*nblocks = 0;
	while (done < len)
	{
		ssize_t		got = pread(fd, buf + done, len - done, (off_t) (offset + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return rw_fail_errno(err, errno, "could not read file \"%s\" at offset %llu", path,
								 (unsigned long long) (offset + done));
		if (got == 0)
			break;				/* end of file: hash what there is, as the server does */
		done += (uint32_t) got;
	}
	for (uint32_t at = 0; at < done; at += block)
	{
		uint32_t	n = done - at < block ? done - at : block;
		unsigned int outlen = 0;

		if (EVP_Digest(buf + at, n, out[*nblocks], &outlen, EVP_sha256(), NULL) != 1 ||
			outlen != DIGEST_LEN)
			return rw_fail(err, RW_EINTERNAL, "SHA-256 of \"%s\" failed", path);
		(*nblocks)++;
	}
	return true;
}

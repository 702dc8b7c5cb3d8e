/*
 * SHA-256 of a range of a local file (OpenSSL EVP), to compare with the
 * digests a source computes.  Reads the open file it is given; writes
 * nothing.
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

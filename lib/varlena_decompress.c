/*
 * Decompression of a compressed varlena's data (datum.h): pglz, decoded
 * here from its format, and lz4 through liblz4.
 *
 * pglz: a sequence of groups, each a control byte followed by up to eight
 * items, one per control bit from the lowest.  A clear bit is one literal
 * byte.  A set bit is a back reference of two bytes, or three: the low
 * nibble of the first byte is the length minus 3 (15 there means the length
 * is 18 plus a third byte), its high nibble and the second byte are a 12-bit
 * distance back into the output.  A reference may overlap the bytes it
 * produces (a distance shorter than its length repeats them).
 */
#include "datum.h"

#include <lz4.h>

static bool
pglz_decode(const uint8_t *in, size_t in_len, uint8_t *out, size_t rawsize)
{
	size_t		ip = 0,
				op = 0;

	while (ip < in_len && op < rawsize)
	{
		unsigned	ctrl = in[ip++];

		for (int bit = 0; bit < 8 && ip < in_len && op < rawsize; bit++, ctrl >>= 1)
		{
			size_t		n,
						dist;

			if ((ctrl & 1) == 0)
			{
				out[op++] = in[ip++];
				continue;
			}
			if (in_len - ip < 2)
				return false;
			n = (size_t) (in[ip] & 0x0f) + 3;
			dist = ((size_t) (in[ip] & 0xf0) << 4) | in[ip + 1];
			ip += 2;
			if (n == 18)
			{
				if (ip >= in_len)
					return false;
				n += in[ip++];
			}
			if (dist == 0 || dist > op)
				return false;
			/* the writer never refers past the end of the raw data */
			if (n > rawsize - op)
				return false;
			for (size_t k = 0; k < n; k++, op++)
				out[op] = out[op - dist];
		}
	}
	return ip == in_len && op == rawsize;
}

bool
varlena_decompress(int method, const uint8_t *in, size_t in_len,
				   uint8_t *out, size_t rawsize, rw_error *err)
{
	switch (method)
	{
		case 0:
			if (!pglz_decode(in, in_len, out, rawsize))
				return rw_fail(err, RW_ECORRUPT,
							   "pglz data of %zu bytes does not decompress to the %zu bytes "
							   "its header announces", in_len, rawsize);
			return true;
		case 1:
			{
				int			got;

				if (in_len > (size_t) INT32_MAX || rawsize > (size_t) INT32_MAX)
					return rw_fail(err, RW_ECORRUPT, "lz4 data of %zu bytes is too large", in_len);
				got = LZ4_decompress_safe((const char *) in, (char *) out,
										  (int) in_len, (int) rawsize);
				if (got < 0 || (size_t) got != rawsize)
					return rw_fail(err, RW_ECORRUPT,
								   "lz4 data of %zu bytes does not decompress to the %zu bytes "
								   "its header announces", in_len, rawsize);
				return true;
			}
		default:
			return rw_fail(err, RW_ECORRUPT, "unknown compression method %d", method);
	}
}

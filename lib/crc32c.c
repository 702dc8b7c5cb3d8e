/*
 * CRC-32C for WAL records, pg_control and relation map files: a table
 * built once (pthread_once), or the SSE4.2 instruction where the CPU has it.
 * Pure: no I/O.
 */

#include "crc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_HAVE_SSE42 1
#include <nmmintrin.h>
#endif

#define CRC32C_POLY 0x82F63B78u	/* reflected Castagnoli polynomial */

/*
 * Slicing-by-8 tables: table[0] is the classic byte-at-a-time table,
 * table[k][b] is the CRC of byte b followed by k zero bytes.  Built once on
 * first use (threads may checksum concurrently, hence pthread_once).
 */
static uint32_t crc_table[8][256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void
build_table(void)
{
	for (uint32_t b = 0; b < 256; b++)
	{
		uint32_t	c = b;

		for (int i = 0; i < 8; i++)
			c = (c & 1) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[0][b] = c;
	}
	for (uint32_t b = 0; b < 256; b++)
		for (int k = 1; k < 8; k++)
			crc_table[k][b] = (crc_table[k - 1][b] >> 8) ^
				crc_table[0][crc_table[k - 1][b] & 0xFF];
}

static uint32_t
crc32c_sw(uint32_t crc, const uint8_t *p, size_t len)
{
	pthread_once(&crc_table_once, build_table);

	while (len >= 8)
	{
		uint32_t	lo, hi;

		/* the CRC is defined over little-endian byte order */
		lo = (uint32_t) p[0] | (uint32_t) p[1] << 8 |
			(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
		hi = (uint32_t) p[4] | (uint32_t) p[5] << 8 |
			(uint32_t) p[6] << 16 | (uint32_t) p[7] << 24;
		lo ^= crc;
		crc = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
			crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^
			crc_table[3][hi & 0xFF] ^ crc_table[2][(hi >> 8) & 0xFF] ^
			crc_table[1][(hi >> 16) & 0xFF] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len-- > 0)
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xFF];
	return crc;
}

#ifdef CRC32C_HAVE_SSE42

/*
 * The instruction takes 3 cycles and issues every cycle, so one chain of
 * it runs at a third of its speed.  Long inputs go three streams of
 * STREAM_BYTES at a time, and the three registers are then joined:
 * the CRC register of a||b is the register of a carried over |b| zero
 * bytes, xor the register of b begun at zero.  Carrying a register over a
 * fixed number of zero bytes is linear in its bits, so it is four table
 * lookups (carry_one, carry_two: over STREAM_BYTES and twice that).
 */
#define STREAM_BYTES 256

static uint32_t carry_one[4][256];
static uint32_t carry_two[4][256];
static pthread_once_t carry_once = PTHREAD_ONCE_INIT;

__attribute__((target("sse4.2")))
static uint32_t
crc32c_sse42_serial(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t	c = crc;

	while (len >= 8)
	{
		uint64_t	word;

		memcpy(&word, p, 8);	/* unaligned load */
		c = _mm_crc32_u64(c, word);
		p += 8;
		len -= 8;
	}
	crc = (uint32_t) c;
	while (len-- > 0)
		crc = _mm_crc32_u8(crc, *p++);
	return crc;
}

static void
build_carry(void)
{
	static const uint8_t zeros[2 * STREAM_BYTES];

	for (int k = 0; k < 4; k++)
		for (uint32_t b = 0; b < 256; b++)
		{
			carry_one[k][b] = crc32c_sse42_serial(b << (8 * k), zeros, STREAM_BYTES);
			carry_two[k][b] = crc32c_sse42_serial(b << (8 * k), zeros, 2 * STREAM_BYTES);
		}
}

static uint32_t
carry(const uint32_t table[4][256], uint32_t c)
{
	return table[0][c & 0xFF] ^ table[1][(c >> 8) & 0xFF] ^
		table[2][(c >> 16) & 0xFF] ^ table[3][c >> 24];
}

__attribute__((target("sse4.2")))
static uint32_t
crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
	if (len >= 3 * STREAM_BYTES)
		pthread_once(&carry_once, build_carry);
	while (len >= 3 * STREAM_BYTES)
	{
		uint64_t	c0 = crc, c1 = 0, c2 = 0;

		for (size_t i = 0; i < STREAM_BYTES; i += 8)
		{
			uint64_t	w0, w1, w2;

			memcpy(&w0, p + i, 8);
			memcpy(&w1, p + STREAM_BYTES + i, 8);
			memcpy(&w2, p + 2 * STREAM_BYTES + i, 8);
			c0 = _mm_crc32_u64(c0, w0);
			c1 = _mm_crc32_u64(c1, w1);
			c2 = _mm_crc32_u64(c2, w2);
		}
		crc = carry(carry_two, (uint32_t) c0) ^ carry(carry_one, (uint32_t) c1) ^ (uint32_t) c2;
		p += 3 * STREAM_BYTES;
		len -= 3 * STREAM_BYTES;
	}
	return crc32c_sse42_serial(crc, p, len);
}

uint32_t
crc32c_update(uint32_t crc, const void *data, size_t len)
{
	/* a load and a bit test of what libgcc probed at startup */
	if (__builtin_cpu_supports("sse4.2"))
		return crc32c_sse42(crc, data, len);
	return crc32c_sw(crc, data, len);
}

#else

uint32_t
crc32c_update(uint32_t crc, const void *data, size_t len)
{
	return crc32c_sw(crc, data, len);
}

#endif

uint32_t
crc32c(const void *data, size_t len)
{
	return crc32c_final(crc32c_update(CRC32C_INIT, data, len));
}

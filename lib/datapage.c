/*
 * Data pages (datapage.h).  The checksum follows the algorithm as written
 * down in the project's format notes: 32 lanes of an FNV-1a-like mix over
 * the page read as 32-bit words, two rounds of zeros, the lanes xor-ed
 * together with the block number, reduced to 1..65535.
 */
#include "datapage.h"

#include <string.h>

#include "pgver.h"

#define LANES 32
#define FNV_PRIME 16777619u

static const uint32_t lane_seed[LANES] = {
	0x5B1F36E9, 0xB8525960, 0x02AB50AA, 0x1DE66D2A, 0x79FF467A, 0x9BB9F8A3, 0x217E7CD2, 0x83E13D2C,
	0xF8D4474F, 0xE39EB970, 0x42C6AE16, 0x993216FA, 0x7B093B5D, 0x98DAFF3C, 0xF718902A, 0x0B1C9CDB,
	0xE58F764B, 0x187636BC, 0x5D7B3BB1, 0xE73DE7DE, 0x92BEC979, 0xCCA6C0B2, 0x304A0979, 0x85AA43D4,
	0x783125BB, 0x6CA8EAA2, 0xE407EAC6, 0x4B5CFC3E, 0x9FBF8C76, 0x15CA20BE, 0xF2CA9FD3, 0x959BD756,
};

#define PD_CHECKSUM 8
#define PD_FLAGS 10
#define PD_LOWER 12
#define PD_UPPER 14
#define PD_SPECIAL 16
#define PD_SIZE_VERSION 18
#define PAGE_HEADER_SIZE 24
#define PD_VALID_FLAGS 0x7
#define PAGE_LAYOUT_VERSION 4

static uint16_t
u16_at(const uint8_t *p, int off)
{
	uint16_t	v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

lsn_t
datapage_lsn(const uint8_t *page)
{
	uint32_t	hi, lo;

	memcpy(&hi, page, sizeof(hi));
	memcpy(&lo, page + 4, sizeof(lo));
	return ((lsn_t) hi << 32) | lo;
}

bool
datapage_all_zero(const uint8_t *page)
{
	static const uint8_t zero[256];

	for (size_t off = 0; off < BLCKSZ; off += sizeof(zero))
		if (memcmp(page + off, zero, sizeof(zero)) != 0)
			return false;
	return true;
}

bool
datapage_header_valid(const uint8_t *page)
{
	uint16_t	lower = u16_at(page, PD_LOWER), upper = u16_at(page, PD_UPPER),
				special = u16_at(page, PD_SPECIAL);

	return u16_at(page, PD_SIZE_VERSION) == (BLCKSZ | PAGE_LAYOUT_VERSION) &&
		(u16_at(page, PD_FLAGS) & ~PD_VALID_FLAGS) == 0 &&
		lower >= PAGE_HEADER_SIZE && lower <= upper && upper <= special &&
		special <= BLCKSZ && special % 8 == 0;
}

static inline void
mix(uint32_t *lane, uint32_t v)
{
	uint32_t	t = *lane ^ v;

	*lane = (t * FNV_PRIME) ^ (t >> 17);
}

uint16_t
datapage_checksum(const uint8_t *page, uint32_t blkno)
{
	uint32_t	sums[LANES], words[BLCKSZ / sizeof(uint32_t)];
	uint32_t	r = 0;

	memcpy(words, page, BLCKSZ);
	memset((uint8_t *) words + PD_CHECKSUM, 0, sizeof(uint16_t));
	memcpy(sums, lane_seed, sizeof(sums));
	for (size_t i = 0; i < BLCKSZ / sizeof(uint32_t) / LANES; i++)
		for (size_t j = 0; j < LANES; j++)
			mix(&sums[j], words[i * LANES + j]);
	for (int round = 0; round < 2; round++)
		for (size_t j = 0; j < LANES; j++)
			mix(&sums[j], 0);
	for (size_t j = 0; j < LANES; j++)
		r ^= sums[j];
	r ^= blkno;
	return (uint16_t) (r % 65535 + 1);
}

uint16_t
datapage_stored_checksum(const uint8_t *page)
{
	return u16_at(page, PD_CHECKSUM);
}

/*
 * CRC-32C (Castagnoli), the checksum of WAL records, pg_control and relation
 * map files: reflected polynomial 0x82F63B78, initial value and final xor
 * 0xFFFFFFFF.  Uses the SSE4.2 instruction where the CPU has it.
 */
#ifndef RW_CRC32C_H
#define RW_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define CRC32C_INIT 0xFFFFFFFFu

/* Feed bytes into a running (not yet finalised) value. */
uint32_t	crc32c_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t
crc32c_final(uint32_t crc)
{
	return crc ^ 0xFFFFFFFFu;
}

/* One-shot CRC of a buffer. */
uint32_t	crc32c(const void *data, size_t len);

#endif

/*
 * Data pages of relation files (8 kB, the same layout in 14-18): the page
 * LSN, the header checks, and the data checksum (see
 * /work/shared/docs/postgres-formats.md section 7).  Pure.
 */
#ifndef RW_DATAPAGE_H
#define RW_DATAPAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "lsn.h"

/* The LSN in the page header (two 32-bit words, high first). */
lsn_t		datapage_lsn(const uint8_t *page);

/* Every byte zero: a page extended but never written with content. */
bool		datapage_all_zero(const uint8_t *page);

/*
 * The header is one PostgreSQL could have written: page size and layout
 * version, flags, and pd_lower <= pd_upper <= pd_special <= BLCKSZ.
 */
bool		datapage_header_valid(const uint8_t *page);

/* The data checksum of the page as block blkno of its fork (1..65535). */
uint16_t	datapage_checksum(const uint8_t *page, uint32_t blkno);

/* The checksum stored in the header. */
uint16_t	datapage_stored_checksum(const uint8_t *page);

#endif

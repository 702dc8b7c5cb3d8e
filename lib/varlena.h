/*
 * Varlena headers as PostgreSQL stores them: a 1-byte (short) header, a
 * 4-byte one (its low two bits 00 in line, 10 compressed in line), or a
 * TOAST pointer (a 0x01 byte, the tag, then the pointer).
 */
#ifndef RW_VARLENA_H
#define RW_VARLENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VARHDRSZ 4
#define VARTAG_ONDISK 18				/* the tag of a TOAST pointer on disk */
#define TOAST_POINTER_SIZE (2 + 16)		/* 0x01, tag, varatt_external */

/* The size of the varlena at p, header included, whatever its header (0
 * when damaged or not a varlena this knows). */
size_t		varlena_size(const uint8_t *p, size_t avail);

/* An in-line, uncompressed varlena's data: false when data is not one. */
bool		varlena_inline(const uint8_t *data, size_t len,
						   const uint8_t **payload, size_t *plen);

/* The value id of an on-disk TOAST pointer: false when data is not one. */
bool		varlena_toast_valueid(const uint8_t *data, size_t len, uint32_t *valueid);

#endif

/*
 * The text form of built-in scalar types, as their output functions write
 * them (with PostgreSQL's default settings: DateStyle ISO, IntervalStyle
 * postgres, extra_float_digits 1, bytea_output hex; timestamptz and timetz
 * always in UTC with an explicit +00 offset).  Pure: no I/O.
 *
 * datum_to_text (datum.h) calls this for every type it does not handle
 * itself (varlena headers, compression and TOAST already undone).
 *
 * Decoded here: bool, int2, int4, int8, oid, xid, cid, xid8, tid, pg_lsn,
 * float4, float8, "char", name, text, varchar, bpchar, json, bytea, uuid,
 * bit, varbit, date, time, timetz, timestamp, timestamptz, interval,
 * macaddr, macaddr8, inet, cidr, point, lseg, box, path, polygon, line,
 * circle.  Anything else (money, xml, the reg* types, tsvector, ...) is
 * SCALAR_UNKNOWN.  Text-like values are the bytes as stored, in the
 * database's encoding.
 */
#ifndef RW_DATUM_SCALAR_H
#define RW_DATUM_SCALAR_H

#include <stddef.h>
#include <stdint.h>

#include "datum.h"

typedef enum scalar_status {
	SCALAR_OK,
	SCALAR_UNKNOWN,
	SCALAR_MALFORMED
} scalar_status;

/* payload: a fixed-length value's bytes, or a varlena's data after its
 * header, uncompressed and in line.  Appends the text form to out.
 * SCALAR_UNKNOWN: no decoder for typid here; SCALAR_MALFORMED: why says
 * what is wrong (length, range). */
scalar_status datum_scalar_out(uint32_t typid, const uint8_t *payload,
							   size_t len, text_buf *out,
							   char *why, size_t why_len);

#endif

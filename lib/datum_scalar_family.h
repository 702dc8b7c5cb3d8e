/*
 * The families of datum_scalar_out (datum_scalar.h), one file each.  Each
 * has datum_scalar_out's contract and answers SCALAR_UNKNOWN for a type
 * that is not its own; the dispatcher (datum_scalar.c) tries them in turn.
 * A family checks a value whole before it appends anything, so that a
 * malformed value leaves out as it was.
 */
#ifndef RW_DATUM_SCALAR_FAMILY_H
#define RW_DATUM_SCALAR_FAMILY_H

#include <stdbool.h>

#include "datum_scalar.h"

/* Type oids (pg_type.oid of the built-in types; fixed across versions). */
enum {
	SCALAR_BOOL = 16,
	SCALAR_BYTEA = 17,
	SCALAR_CHAR = 18,
	SCALAR_NAME = 19,
	SCALAR_INT8 = 20,
	SCALAR_INT2 = 21,
	SCALAR_INT4 = 23,
	SCALAR_TEXT = 25,
	SCALAR_OID = 26,
	SCALAR_TID = 27,
	SCALAR_XID = 28,
	SCALAR_CID = 29,
	SCALAR_JSON = 114,
	SCALAR_CIDR = 650,
	SCALAR_FLOAT4 = 700,
	SCALAR_FLOAT8 = 701,
	SCALAR_MACADDR8 = 774,
	SCALAR_MACADDR = 829,
	SCALAR_INET = 869,
	SCALAR_BPCHAR = 1042,
	SCALAR_VARCHAR = 1043,
	SCALAR_DATE = 1082,
	SCALAR_TIME = 1083,
	SCALAR_TIMESTAMP = 1114,
	SCALAR_TIMESTAMPTZ = 1184,
	SCALAR_INTERVAL = 1186,
	SCALAR_TIMETZ = 1266,
	SCALAR_UUID = 2950,
	SCALAR_PG_LSN = 3220,
	SCALAR_XID8 = 5069,
	SCALAR_POINT = 600,
	SCALAR_LSEG = 601,
	SCALAR_PATH = 602,
	SCALAR_BOX = 603,
	SCALAR_POLYGON = 604,
	SCALAR_LINE = 628,
	SCALAR_CIRCLE = 718,
	SCALAR_BIT = 1560,
	SCALAR_VARBIT = 1562,
};

scalar_status datum_scalar_number(uint32_t typid, const uint8_t *payload, size_t len,
								  text_buf *out, char *why, size_t why_len);
scalar_status datum_scalar_float(uint32_t typid, const uint8_t *payload, size_t len,
								 text_buf *out, char *why, size_t why_len);
scalar_status datum_scalar_text(uint32_t typid, const uint8_t *payload, size_t len,
								text_buf *out, char *why, size_t why_len);
scalar_status datum_scalar_time(uint32_t typid, const uint8_t *payload, size_t len,
								text_buf *out, char *why, size_t why_len);
scalar_status datum_scalar_net(uint32_t typid, const uint8_t *payload, size_t len,
							   text_buf *out, char *why, size_t why_len);
scalar_status datum_scalar_geo(uint32_t typid, const uint8_t *payload, size_t len,
							   text_buf *out, char *why, size_t why_len);

/* A float8 as float8out prints it (also inside the geometric types). */
void		scalar_append_float8(text_buf *out, double v);

/* SCALAR_MALFORMED, with the reason in why (which may be NULL). */
scalar_status scalar_malformed(char *why, size_t why_len, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Whether a fixed-length value has its length; if not, why says so. */
bool		scalar_len_ok(const char *type, size_t len, size_t want,
						  char *why, size_t why_len);

#endif

/*
 * Integers and the other fixed-length numbers: int2, int4, int8, oid, xid,
 * cid, xid8, tid, pg_lsn and bool, as their output functions print them.
 */
#include <inttypes.h>

#include "bytes.h"
#include "datum_scalar_family.h"

scalar_status
datum_scalar_number(uint32_t typid, const uint8_t *p, size_t len, text_buf *out,
					char *why, size_t why_len)
{
	switch (typid)
	{
		case SCALAR_INT2:
			if (!scalar_len_ok("int2", len, 2, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "%d", (int) (int16_t) get16(p));
			return SCALAR_OK;
		case SCALAR_INT4:
			if (!scalar_len_ok("int4", len, 4, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "%" PRId32, (int32_t) get32(p));
			return SCALAR_OK;
		case SCALAR_INT8:
			if (!scalar_len_ok("int8", len, 8, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "%" PRId64, (int64_t) get64(p));
			return SCALAR_OK;
		case SCALAR_OID:
		case SCALAR_XID:
		case SCALAR_CID:
			if (!scalar_len_ok(typid == SCALAR_OID ? "oid" : typid == SCALAR_XID ? "xid" : "cid",
							   len, 4, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "%" PRIu32, get32(p));
			return SCALAR_OK;
		case SCALAR_XID8:
			if (!scalar_len_ok("xid8", len, 8, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "%" PRIu64, get64(p));
			return SCALAR_OK;
		case SCALAR_TID:
			/* block number as two 16-bit halves, high first; then the offset */
			if (!scalar_len_ok("tid", len, 6, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "(%" PRIu32 ",%u)",
							 ((uint32_t) get16(p) << 16) | get16(p + 2),
							 (unsigned) get16(p + 4));
			return SCALAR_OK;
		case SCALAR_PG_LSN:
			if (!scalar_len_ok("pg_lsn", len, 8, why, why_len))
				return SCALAR_MALFORMED;
			text_buf_appendf(out, "%" PRIX32 "/%" PRIX32, (uint32_t) (get64(p) >> 32),
							 (uint32_t) get64(p));
			return SCALAR_OK;
		case SCALAR_BOOL:
			if (!scalar_len_ok("bool", len, 1, why, why_len))
				return SCALAR_MALFORMED;
			if (p[0] > 1)
				return scalar_malformed(why, why_len, "bool value byte %u, expected 0 or 1",
										p[0]);
			text_buf_append(out, p[0] ? "t" : "f", 1);
			return SCALAR_OK;
		default:
			return SCALAR_UNKNOWN;
	}
}

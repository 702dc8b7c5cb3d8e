/*
 * Text-like types: "char", name, text, varchar, bpchar and json (the bytes
 * as stored: the database's encoding, bpchar with its padding), bytea (hex
 * output), uuid, and the bit strings bit and varbit (their length in bits
 * as int32, then the bits from the high bit of the first byte on).
 */
#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "datum_scalar_family.h"

static const char hexdigit[] = "0123456789abcdef";

static void
append_hex(text_buf *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
	{
		char		pair[2] = {hexdigit[p[i] >> 4], hexdigit[p[i] & 0xf]};

		text_buf_append(out, pair, 2);
	}
}

static scalar_status
char_out(const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	if (!scalar_len_ok("\"char\"", len, 1, why, why_len))
		return SCALAR_MALFORMED;
	/* PostgreSQL 15+ prints a byte with the high bit set as \ooo, which
	 * every version reads back; the zero byte is the empty string */
	if (p[0] & 0x80)
		text_buf_appendf(out, "\\%03o", p[0]);
	else if (p[0] != 0)
		text_buf_append(out, (const char *) p, 1);
	return SCALAR_OK;
}

static scalar_status
bits_out(const uint8_t *p, size_t len, text_buf *out, char *why, size_t why_len)
{
	uint32_t	nbits;

	if (len < 4)
		return scalar_malformed(why, why_len, "bit string value of %zu bytes", len);
	nbits = get32(p);
	if ((size_t) nbits / 8 + (nbits % 8 != 0) != len - 4)
		return scalar_malformed(why, why_len,
								"bit string of %" PRIu32 " bits in %zu bytes", nbits, len - 4);
	for (uint32_t i = 0; i < nbits; i++)
		text_buf_append(out, p[4 + i / 8] & (0x80 >> (i % 8)) ? "1" : "0", 1);
	return SCALAR_OK;
}

scalar_status
datum_scalar_text(uint32_t typid, const uint8_t *p, size_t len, text_buf *out,
				  char *why, size_t why_len)
{
	const uint8_t *nul;

	switch (typid)
	{
		case SCALAR_CHAR:
			return char_out(p, len, out, why, why_len);
		case SCALAR_NAME:
			if (!scalar_len_ok("name", len, DATUM_NAME_LEN, why, why_len))
				return SCALAR_MALFORMED;
			nul = memchr(p, '\0', len);
			if (!nul)
				return scalar_malformed(why, why_len,
										"name value without its terminating zero byte");
			text_buf_append(out, (const char *) p, (size_t) (nul - p));
			return SCALAR_OK;
		case SCALAR_TEXT:
		case SCALAR_VARCHAR:
		case SCALAR_BPCHAR:
		case SCALAR_JSON:
			/* a zero byte cannot be part of a stored string */
			if (len > 0 && memchr(p, '\0', len))
				return scalar_malformed(why, why_len, "string value with a zero byte at offset %zu",
										(size_t) ((const uint8_t *) memchr(p, '\0', len) - p));
			text_buf_append(out, len > 0 ? (const char *) p : "", len);
			return SCALAR_OK;
		case SCALAR_BYTEA:
			text_buf_append(out, "\\x", 2);
			append_hex(out, p, len);
			return SCALAR_OK;
		case SCALAR_BIT:
		case SCALAR_VARBIT:
			return bits_out(p, len, out, why, why_len);
		case SCALAR_UUID:
			if (!scalar_len_ok("uuid", len, 16, why, why_len))
				return SCALAR_MALFORMED;
			for (size_t i = 0; i < 16; i++)
			{
				if (i == 4 || i == 6 || i == 8 || i == 10)
					text_buf_append(out, "-", 1);
				append_hex(out, p + i, 1);
			}
			return SCALAR_OK;
		default:
			return SCALAR_UNKNOWN;
	}
}

/*
 * datum_scalar_out: the family that knows the type writes its text form.
 */
#include "datum_scalar.h"

#include <stdarg.h>
#include <stdio.h>

#include "datum_scalar_family.h"

typedef scalar_status (*scalar_family) (uint32_t typid, const uint8_t *payload, size_t len,
										text_buf *out, char *why, size_t why_len);

scalar_status
datum_scalar_out(uint32_t typid, const uint8_t *payload, size_t len, text_buf *out,
				 char *why, size_t why_len)
{
	static const scalar_family families[] = {
		datum_scalar_number, datum_scalar_float, datum_scalar_text,
		datum_scalar_time, datum_scalar_net, datum_scalar_geo,
	};
	if (why && why_len > 0)
		why[0] = '\0';
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
	{
		scalar_status st = families[i] (typid, payload, len, out, why, why_len);

		if (st != SCALAR_UNKNOWN)
			return st;
	}
	return SCALAR_UNKNOWN;
}

scalar_status
scalar_malformed(char *why, size_t why_len, const char *fmt,...)
{
	if (why && why_len > 0)
	{
		va_list		ap;

		va_start(ap, fmt);
		vsnprintf(why, why_len, fmt, ap);
		va_end(ap);
	}
	return SCALAR_MALFORMED;
}

bool
scalar_len_ok(const char *type, size_t len, size_t want, char *why, size_t why_len)
{
	if (len == want)
		return true;
	scalar_malformed(why, why_len, "%s value of %zu bytes, expected %zu", type, len, want);
	return false;
}

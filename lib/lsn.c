/*
 * LSNs, WAL segment numbers and WAL/history file names: parsing and
 * formatting.  Pure: no I/O.
 */

#include "lsn.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool
parse_hex32(const char *s, size_t len, uint32_t *out)
{
	uint64_t	v = 0;

	/* extra zero padding is fine: "0018B1420" */
	while (len > 8 && *s == '0')
	{
		s++;
		len--;
	}
	if (len == 0 || len > 8)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		int			c = (unsigned char) s[i];

		if (!isxdigit(c))
			return false;
		v = v * 16 + (uint64_t) (isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
	}
	*out = (uint32_t) v;
	return true;
}

bool
lsn_parse(const char *s, lsn_t *out)
{
	const char *slash = strchr(s, '/');
	uint32_t	hi, lo;

	if (slash == NULL)
		return false;
	if (!parse_hex32(s, (size_t) (slash - s), &hi) ||
		!parse_hex32(slash + 1, strlen(slash + 1), &lo))
		return false;
	*out = ((lsn_t) hi << 32) | lo;
	return true;
}

bool
wal_segsize_valid(uint32_t segsize)
{
	return segsize >= (1u << 20) && segsize <= (1u << 30) &&
		(segsize & (segsize - 1)) == 0;
}

uint64_t
lsn_segno(lsn_t lsn, uint32_t segsize)
{
	return lsn / segsize;
}

uint64_t
lsn_segno_of_end(lsn_t lsn, uint32_t segsize)
{
	return lsn == 0 ? 0 : (lsn - 1) / segsize;
}

lsn_t
segno_start(uint64_t segno, uint32_t segsize)
{
	return segno * segsize;
}

uint32_t
lsn_segment_offset(lsn_t lsn, uint32_t segsize)
{
	return (uint32_t) (lsn & ((lsn_t) segsize - 1));
}

void
wal_file_name(char out[WAL_FILE_NAME_LEN + 1], uint32_t tli, uint64_t segno,
			  uint32_t segsize)
{
	uint64_t	per_id = UINT64_C(0x100000000) / segsize;

	snprintf(out, WAL_FILE_NAME_LEN + 1, "%08X%08X%08X", tli,
			 (uint32_t) (segno / per_id), (uint32_t) (segno % per_id));
}

bool
wal_file_name_parse(const char *name, uint32_t segsize, uint32_t *tli,
					uint64_t *segno)
{
	uint32_t	t, log, seg;
	uint64_t	per_id = UINT64_C(0x100000000) / segsize;

	if (strlen(name) != WAL_FILE_NAME_LEN)
		return false;
	if (!parse_hex32(name, 8, &t) || !parse_hex32(name + 8, 8, &log) ||
		!parse_hex32(name + 16, 8, &seg))
		return false;
	if (seg >= per_id)
		return false;
	*tli = t;
	*segno = (uint64_t) log * per_id + seg;
	return true;
}

bool
wal_history_name_parse(const char *name, uint32_t *tli)
{
	if (strlen(name) != 16 || strcmp(name + 8, ".history") != 0)
		return false;
	return parse_hex32(name, 8, tli);
}

void
wal_history_name(char out[17], uint32_t tli)
{
	snprintf(out, 17, "%08X.history", tli);
}

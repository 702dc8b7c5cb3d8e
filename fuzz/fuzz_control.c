/*
 * Fuzz target: pg_control bytes parsed as each supported major
 * (lib/control.c).  Memory only.
 */

#include "fuzz.h"

#include <string.h>

#include "control.h"
#include "crc32c.h"
#include "pgver.h"

int
fuzz_control_one(const uint8_t *data, size_t size)
{
	for (int major = 14; major <= 18; major++)
	{
		const pg_version_info *ver = pgver_lookup(major);
		uint8_t		fixed[CONTROL_FILE_SIZE];
		pg_control	c;
		rw_error	err;
		uint32_t	crc;

		(void) control_parse(data, size, major, "fuzz", &c, &err);
		if (size != CONTROL_FILE_SIZE)
			continue;
		/* with its CRC made right, mutations reach the field checks */
		memcpy(fixed, data, size);
		crc = crc32c(fixed, ver->control_crc_offset);
		memcpy(fixed + ver->control_crc_offset, &crc, sizeof(crc));
		if (control_parse(fixed, size, major, "fuzz", &c, &err))
		{
			uint8_t		out[CONTROL_FILE_SIZE];

			control_serialize(&c, out);
			(void) control_state_name(c.state);
			(void) control_timeline(&c);
		}
	}
	return 0;
}

FUZZ_ENTRY(fuzz_control_one)

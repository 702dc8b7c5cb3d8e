/*
 * Formatting byte counts (lib/byte_size.h); pure, no I/O.
 */
#include "byte_size.h"

#include <stdio.h>

void
byte_size_format(char *out, size_t outlen, uint64_t bytes)
{
	if (bytes >= (uint64_t) 10 << 30)
		snprintf(out, outlen, "%.1f GB", (double) bytes / (1 << 30));
	else if (bytes >= (uint64_t) 10 << 20)
		snprintf(out, outlen, "%.1f MB", (double) bytes / (1 << 20));
	else
		snprintf(out, outlen, "%llu kB", (unsigned long long) (bytes + 1023) / 1024);
}

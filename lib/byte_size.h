/*
 * A byte count for people: "512 kB", "12.5 MB", "3.1 GB".  The one
 * formatter of sizes in messages, the plan summary and the report.
 */
#ifndef RW_BYTE_SIZE_H
#define RW_BYTE_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Room for any formatted size. */
#define BYTE_SIZE_LEN 32

/*
 * kB (rounded up, so a need is never understated) below 10 MB, then MB and
 * GB with one decimal.
 */
void		byte_size_format(char *out, size_t outlen, uint64_t bytes);

#endif

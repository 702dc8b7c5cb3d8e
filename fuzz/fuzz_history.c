/*
 * Fuzz target: a timeline history file (lib/timeline.c).  Memory only.
 */

#include "fuzz.h"

#include "timeline.h"

int
fuzz_history_one(const uint8_t *data, size_t size)
{
	tl_history	h, one;
	rw_error	err;
	lsn_t		diverge;
	size_t		common;

	if (!tl_parse((const char *) data, size, 7, "00000007.history", &h, &err))
		return 0;
	tl_single(1, &one);
	(void) tl_find_divergence(&h, &one, &diverge, &common, &err);
	(void) tl_find_divergence(&h, &h, &diverge, &common, &err);
	tl_free(&one);
	tl_free(&h);
	return 0;
}

FUZZ_ENTRY(fuzz_history_one)

/*
 * The test interface (util/test_hooks.h): reads the REWIND_TEST_*
 * environment variables, and nothing else.
 */
#include "util/test_hooks.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/io_trace.h"

const char *
test_hook_crash_trace(void)
{
	return getenv(IO_TRACE_ENV);
}

uint64_t
test_hook_kill_after_writes(void)
{
	const char *v = getenv("REWIND_TEST_KILL_AFTER_WRITES");

	return v ? strtoull(v, NULL, 10) : 0;
}

bool
test_hook_free_bytes(uint64_t *bytes)
{
	const char *v = getenv("REWIND_TEST_FREE_BYTES");

	if (v == NULL)
		return false;
	*bytes = strtoull(v, NULL, 10);
	return true;
}

uint64_t
test_hook_salvage_buffer(void)
{
	const char *v = getenv("REWIND_TEST_SALVAGE_BUFFER");

	return v ? strtoull(v, NULL, 10) : 0;
}

bool
test_hook_salvage_kill(void)
{
	const char *v = getenv("REWIND_TEST_SALVAGE_KILL");

	return v != NULL && strcmp(v, "1") == 0;
}

void
test_hook_backup_pause(void)
{
	const char *v = getenv("REWIND_TEST_BACKUP_PAUSE");
	const struct timespec tick = {.tv_nsec = 100 * 1000 * 1000};

	for (int i = 0; v != NULL && i < 600 && access(v, F_OK) == 0; i++)
		nanosleep(&tick, NULL);
}

bool
test_hook_common_start(void)
{
	const char *v = getenv("REWIND_TEST_COMMON_START");

	return v != NULL && strcmp(v, "1") == 0;
}

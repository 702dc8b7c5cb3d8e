/*
 * Helpers shared by the unit tests.
 */
#ifndef RW_TESTUTIL_H
#define RW_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Directory with real PostgreSQL files made at test time by
 * t/fixtures/make-fixtures.sh (REWIND_FIXTURES), or NULL when unset.
 */
const char *fixtures_dir(void);

/* Read a whole file (path relative to fixtures_dir()); NULL if absent. */
uint8_t    *fixture_read(const char *relpath, size_t *len);

/* Read a whole file by absolute path; NULL if absent. */
uint8_t    *read_whole_file(const char *path, size_t *len);

#endif

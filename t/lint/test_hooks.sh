#!/usr/bin/env bash
# The REWIND_TEST_* environment variables are read in one file,
# src/util/test_hooks.c (the documented test interface), and nowhere else
# in the program.  Prints every other read and fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if grep -nE 'getenv *\( *("REWIND_TEST_|IO_TRACE_ENV)' lib/*.[ch] src/*/*.[ch] |
	grep -v '^src/util/test_hooks\.c:'; then
	echo "read the test hooks above through src/util/test_hooks.h"
	exit 1
fi

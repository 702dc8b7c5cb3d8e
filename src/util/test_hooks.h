/*
 * The test interface: every REWIND_TEST_* environment variable the program
 * reads is read here and nowhere else.  Each lets the integration tests
 * reach a state they cannot make for real in time (a power loss, a kill at
 * a chosen change, a full disk); none is meant for production use.  README,
 * "Tests", lists them; with none set, a run behaves as if this file did
 * not exist.
 */
#ifndef RW_TEST_HOOKS_H
#define RW_TEST_HOOKS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * REWIND_TEST_CRASH_TRACE=FILE: every change to the target is also
 * appended to FILE (util/io_trace.h) for the crash simulator (t/crashsim,
 * t/integration/crash-*.t).  NULL when unset.
 */
const char *test_hook_crash_trace(void);

/*
 * REWIND_TEST_KILL_AFTER_WRITES=N: the process kills itself with SIGKILL
 * right after its N-th change to the target (t/integration/fault-*.t).
 * 0 when unset.
 */
uint64_t	test_hook_kill_after_writes(void);

/*
 * REWIND_TEST_FREE_BYTES=N: every file system pretends to have N bytes
 * free (t/integration/fault-*.t).  False, *bytes untouched, when unset.
 */
bool		test_hook_free_bytes(uint64_t *bytes);

/*
 * REWIND_TEST_SALVAGE_BUFFER=N: --salvage keeps at most N removed row
 * versions in memory before it spills them to temporary files
 * (salvage/salvage_spill.h; salvage.t).  0 when unset.
 */
uint64_t	test_hook_salvage_buffer(void);

/*
 * REWIND_TEST_SALVAGE_KILL=1: --salvage kills the process with SIGKILL
 * right after it first spills removed row versions to its temporary files
 * (an interrupted run; salvage-rerun.t).  False when unset.
 */
bool		test_hook_salvage_kill(void);

/*
 * REWIND_TEST_BACKUP_PAUSE=FILE: once the block compare's base backup has
 * stopped, and before its WAL is fetched again, wait while FILE exists (at
 * most 60 s), so a test can look at the source meanwhile
 * (field-source-wal-gone.t).  Returns at once when unset.
 */
void		test_hook_backup_pause(void);

/*
 * REWIND_TEST_COMMON_START=1: recovery never starts later than the last
 * common checkpoint (steps_late_start), so a test can look at the
 * full-page-write proof, which only that start uses
 * (field-fpw-per-block.t).
 */
bool		test_hook_common_start(void);

#endif

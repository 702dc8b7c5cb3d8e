/*
 * The last writes of a rewind: where recovery starts (backup_label), how far
 * it must go (pg_control), and that the node comes back as a standby.
 */
#ifndef RW_FINALIZE_H
#define RW_FINALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "target/writer.h"
#include "control.h"
#include "error.h"
#include "lsn.h"

/* Text of the backup_label that starts recovery at the given checkpoint. */
char	   *finalize_backup_label(lsn_t redo, uint32_t tli, lsn_t checkpoint,
								  uint32_t segsize);

/*
 * The target's new pg_control: the source's, in archive recovery, that must
 * replay up to min_recovery (on timeline min_tli) before it is consistent.
 */
void		finalize_control(const pg_control *source_control, lsn_t min_recovery,
							 uint32_t min_tli, uint8_t out[CONTROL_FILE_SIZE]);

/*
 * postgresql.auto.conf with primary_conninfo and recovery_target_timeline
 * set, and primary_slot_name when slot is not NULL (replacing earlier lines
 * for them); other lines, restore_command among them, are kept.  old may be
 * NULL.  Returns malloc'd text.
 */
char	   *finalize_auto_conf(const char *old, size_t old_len, const char *conninfo,
							   const char *slot);

/* Write standby.signal and, when conninfo is given, the recovery settings. */
bool		finalize_standby_config(target_writer *w, const char *pgdata,
									const char *conninfo, const char *slot,
									rw_error *err);

#endif

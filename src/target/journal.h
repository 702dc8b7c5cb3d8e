/*
 * The journal of a rewind: what every change to the target destroyed, so an
 * interrupted run can be rolled back byte for byte.
 *
 * It lives BESIDE the data directory, in "<pgdata>.rewind-journal/journal"
 * (pgdata's real path: symbolic links resolved, trailing slashes dropped,
 * so every spelling of -D finds it), never inside it: it is then never
 * listed, copied, or taken by a base backup of the target.  It is written
 * only by writer.c, before each change it protects, and removed when the
 * rewind is complete.
 *
 * The file: a header (format version, the plan identity and the target's
 * original pg_control, with a SHA-256 over it), then records appended in
 * the order of the changes.  A record carries a path, a few numbers and
 * optionally data (lz4-compressed, with a SHA-256 over the raw bytes); its
 * fixed part and path are covered by a CRC-32C so a record torn by a kill
 * or a power loss is recognised.  The journal is fsynced before the changes
 * it protects, so only records after the last fsync can be torn, and they
 * protect nothing: the first record that is not whole ends the journal.  Integers are
 * in host byte order: a journal is read back on the machine that wrote it.
 *
 * Rolling back applies the records in reverse order (rollback.c, target_rollback);
 * each undo sets a state determined by the record alone, so a rollback that
 * is itself interrupted is simply run again.
 */
#ifndef RW_JOURNAL_H
#define RW_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"
#include "error.h"
#include "lsn.h"

#define JOURNAL_DIR_SUFFIX ".rewind-journal"

/*
 * pg_control's state while a rewind is incomplete.  Every supported major
 * refuses to start on it ("control file contains invalid database cluster
 * state"), and so does postgres --single; the original is in the journal.
 */
#define JOURNAL_MARK_STATE 0x52574E44	/* "RWND" */

/* The largest data piece of one record; bigger ranges take several. */
#define JOURNAL_PIECE_MAX (1024 * 1024)

/* What the run was doing; recorded as each phase ends. */
typedef enum journal_step {
	JSTEP_NONE = 0,
	JSTEP_STARTED,				/* pg_control marked, copying */
	JSTEP_COPIED,				/* every range fetched and written */
	JSTEP_REMOVED,				/* files only the target had are gone */
	JSTEP_SYNCED,				/* data fsynced */
	JSTEP_FINALIZING			/* writing backup_label, config, then pg_control */
} journal_step;

const char *journal_step_name(journal_step s);

/* Which rewind this journal belongs to. */
typedef struct journal_identity {
	int			major;
	lsn_t		diverge;
	lsn_t		checkpoint;		/* last common checkpoint */
	uint64_t	source_sysid;
	uint8_t		control[CONTROL_FILE_SIZE];	/* the target's original pg_control */
} journal_identity;

typedef enum jrec_type {
	JR_ORIG = 1,				/* first touch of a file: existed, size, mode */
	JR_DATA,					/* bytes at offset, before they were overwritten */
	JR_REMOVED_FILE,			/* a regular file is about to be removed (mode) */
	JR_REMOVED_LINK,			/* a symlink is about to be removed (data: target) */
	JR_REMOVED_DIR,				/* an empty directory is about to be removed (mode) */
	JR_CREATED_DIR,				/* a directory is about to be created */
	JR_CREATED_LINK,			/* a symlink is about to be created */
	JR_STEP,					/* a phase ended (offset: journal_step) */
	JR_MOVED_FILE,				/* a regular file is about to be moved into the
								 * stash (data: its name there) instead of removed */
	JR_RENAMED					/* a file is about to be renamed within the data
								 * directory (data: its new path) */
} jrec_type;

/* One record; borrowed pointers when appending, owned when read. */
typedef struct jrec {
	jrec_type	type;
	const char *path;			/* relative to the data directory */
	bool		existed;		/* JR_ORIG */
	uint32_t	mode;			/* JR_ORIG (existed), JR_REMOVED_FILE, JR_REMOVED_DIR */
	uint64_t	offset;			/* JR_DATA: where; JR_ORIG: size; JR_STEP: step */
	const uint8_t *data;		/* JR_DATA: old bytes; JR_REMOVED_LINK: link target */
	size_t		len;			/* at most JOURNAL_PIECE_MAX */
} jrec;

/* The pg_control that marks a rewind in progress: orig with JOURNAL_MARK_STATE. */
void		journal_marked_control(const pg_control *orig, uint8_t out[CONTROL_FILE_SIZE]);

/* "<pgdata>.rewind-journal" for the real path of pgdata, malloc'd. */
char	   *journal_dir(const char *pgdata);

/* Does pgdata's pg_control carry the mark (JOURNAL_MARK_STATE)? */
bool		journal_control_marked(const char *pgdata, bool *marked, rw_error *err);

/* Does a journal directory exist beside pgdata? */
bool		journal_exists(const char *pgdata, bool *exists, rw_error *err);

/* --- writing ------------------------------------------------------------ */

typedef struct journal journal;

/*
 * Create the journal with its header, durable (file, its directory and the
 * parent directory fsynced) before this returns.  sync=false (--no-sync)
 * skips every fsync.  Fails if a journal is already there.
 */
journal    *journal_create(const char *pgdata, const journal_identity *id, bool sync,
						   rw_error *err);

/*
 * Append a record (not yet durable).  Old bytes (JR_DATA) may stay in
 * memory until the next barrier or the next other record; every other
 * record is written to the file at once.
 */
bool		journal_append(journal *j, const jrec *r, rw_error *err);

/* Make everything appended so far written and durable (one fsync, only if needed). */
bool		journal_barrier(journal *j, rw_error *err);

/* Bytes appended to the journal so far (written, or waiting for the next barrier). */
uint64_t	journal_size(const journal *j);

void		journal_close(journal *j);

/*
 * The stash: a directory inside the journal's where files the rewind removes
 * are moved (a rename, when it is on their file system) rather than copied
 * into the journal; rolling back moves them back.  journal_stash_prepare
 * creates it if needed and gives its device; journal_stash_path gives the
 * full path of a stashed file by its name, journal_stash_dir the stash's
 * (both malloc'd).
 */
bool		journal_stash_prepare(const char *pgdata, bool sync, dev_t *dev, rw_error *err);
char	   *journal_stash_path(const char *pgdata, const char *name);
char	   *journal_stash_dir(const char *pgdata);

/* --- space, counted before the journal exists (journal_space.c) --------- */

/*
 * The directory the journal's directory is created in (that of pgdata's
 * real path): its file system holds the journal and the stash.  Malloc'd.
 */
char	   *journal_parent_dir(const char *pgdata);

/*
 * Bytes the journal takes for saved_bytes of target data (counted raw,
 * though stored compressed) in records journal records, plus the records
 * that data takes in pieces of at most JOURNAL_PIECE_MAX: each record's
 * fixed part and path counted generously.
 */
uint64_t	journal_space(uint64_t saved_bytes, uint64_t records);

/* The files a rewind removes, in bytes, by where they are. */
typedef struct journal_removals {
	uint64_t	data_bytes;		/* elsewhere in the data directory */
	uint64_t	wal_bytes;		/* under pg_wal/ (may be a link) */
	uint64_t	tblspc_bytes;	/* in tablespaces */
} journal_removals;

/*
 * The stash rule: of the files removed from pgdata (on device data_dev),
 * the bytes the journal must save because they cannot be moved into its
 * stash (on journal_dev): all of them unless on the stash's file system.
 * Files in tablespaces are always counted: their file systems are not
 * looked at.
 */
uint64_t	journal_removals_saved(const char *pgdata, dev_t data_dev, dev_t journal_dev,
								   const journal_removals *r);

/*
 * Remove the journal of pgdata: renamed at once (and that made durable), so
 * an interruption never leaves a part of it, then deleted.
 */
bool		journal_remove(const char *pgdata, bool sync, rw_error *err);

/* --- reading ------------------------------------------------------------ */

typedef struct journal_reader journal_reader;

/*
 * Open the journal of pgdata and check all of it: the header and every
 * record's CRC and data SHA-256 (the first that is not whole ends it).  A header
 * that was never completely written (killed while creating the journal,
 * before any change) gives *incomplete = true and no reader.
 */
bool		journal_read(const char *pgdata, journal_reader **out, bool *incomplete,
						 rw_error *err);

const journal_identity *journal_reader_identity(const journal_reader *r);
size_t		journal_reader_count(const journal_reader *r);

/* The type of record i (0 = oldest), without loading it. */
jrec_type	journal_reader_type(const journal_reader *r, size_t i);

/*
 * Bytes after the last whole record, ignored: written after the last fsync
 * of the journal, so no change depended on them (a power loss may leave
 * them torn or zeroed).
 */
uint64_t	journal_reader_ignored(const journal_reader *r);

/* The last JR_STEP recorded, JSTEP_NONE if none. */
journal_step journal_reader_last_step(const journal_reader *r);

/*
 * Record i (0 = oldest), its path and data malloc'd into *path and *data
 * (free both; data may be NULL).
 */
bool		journal_reader_get(journal_reader *r, size_t i, jrec *out, char **path,
							   uint8_t **data, rw_error *err);

void		journal_reader_close(journal_reader *r);

#endif

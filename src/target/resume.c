/*
 * A run that finds the journal of an interrupted one beside the target:
 * roll back from it, or say why it cannot (resume.h).  Changes the target
 * only through the rollback of the writer and the journal.
 */

#include "target/resume.h"

#include <stdlib.h>
#include <string.h>

#include "target/rollback.h"
#include "control.h"
#include "util/fileutil.h"
#include "target/journal.h"
#include "util/log.h"
#include "target/target.h"
#include "xalloc.h"

/* The target's pg_control as it is now: marked, original, or neither. */
typedef enum control_now {
	CONTROL_MARKED,
	CONTROL_ORIGINAL,
	CONTROL_OTHER
} control_now;

static bool
current_control(const char *pgdata, const journal_identity *id, control_now *now,
				rw_error *err)
{
	char	   *path = xasprintf("%s/global/pg_control", pgdata);
	uint8_t    *data, marked[CONTROL_FILE_SIZE];
	size_t		len;
	pg_control	orig;
	bool		ok = file_read_all(path, &data, &len, err);

	free(path);
	if (!ok)
		return false;
	if (!control_parse(id->control, CONTROL_FILE_SIZE, id->major,
					   "original pg_control saved in the journal", &orig, err))
	{
		free(data);
		return false;
	}
	journal_marked_control(&orig, marked);
	if (len == CONTROL_FILE_SIZE && memcmp(data, marked, len) == 0)
		*now = CONTROL_MARKED;
	else if (len == CONTROL_FILE_SIZE && memcmp(data, id->control, len) == 0)
		*now = CONTROL_ORIGINAL;
	else
		*now = CONTROL_OTHER;
	free(data);
	return true;
}

static bool
discard(const resume_request *req, const char *why, rw_error *err)
{
	char	   *dir = journal_dir(req->pgdata);

	log_info("removing the journal \"%s\": %s", dir, why);
	free(dir);
	return journal_remove(req->pgdata, req->sync, err);
}

static bool
roll_back(const resume_request *req, journal_reader *jr, rw_error *err)
{
	const journal_identity *id = journal_reader_identity(jr);
	control_now now;

	log_info("an interrupted rewind (divergence at " LSN_FMT ", last common checkpoint at "
			 LSN_FMT ") stopped while %s; rolling back its %zu journal records",
			 LSN_ARGS(id->diverge), LSN_ARGS(id->checkpoint),
			 journal_step_name(journal_reader_last_step(jr)), journal_reader_count(jr));
	if (!target_rollback(req->pgdata, jr, req->sync, err))
	{
		rw_context(err, "rolling back the interrupted rewind");
		rw_hint(err, "Fix the cause and run again: the rollback is safe to repeat.");
		return false;
	}
	if (!current_control(req->pgdata, id, &now, err))
		return false;
	if (now != CONTROL_ORIGINAL)
		return rw_fail(err, RW_EINTERNAL, "after the rollback, pg_control is not the original "
					   "saved in the journal");
	return journal_remove(req->pgdata, req->sync, err);
}

/* A marked pg_control without a journal: say exactly that (false, err set). */
static bool
no_journal_but_marked(const char *pgdata, const char *dir, rw_error *err)
{
	bool		marked;

	if (!journal_control_marked(pgdata, &marked, err))
		return false;
	if (!marked)
		return true;
	rw_fail(err, RW_ESTATE, "the pg_control of \"%s\" is marked by an interrupted rewind, but "
			"its journal \"%s\" is not there", pgdata, dir);
	rw_hint(err, "The journal is kept beside the data directory, under its real path. If it was "
			"moved, put it back there; if it is lost, the target cannot be rolled back: restore "
			"it from a backup or clone it from the source.");
	return false;
}

/*
 * --rollback and no journal to undo: certain that the target was not changed
 * only when it shows no trace of a rewind (pg_control unmarked, checked
 * before, and no backup_label that a completed rewind left for the first
 * start).
 */
static bool
check_unchanged(const char *pgdata, const char *journal_path, rw_error *err)
{
	char	   *label_path = xasprintf("%s/backup_label", pgdata);
	uint8_t    *label = NULL;
	size_t		len;
	rw_error	ignored;
	bool		rewound;
	pg_control	c;

	if (!target_peek_control(pgdata, &c, err))
	{
		free(label_path);
		rw_context(err, "--rollback cannot tell whether the target was changed");
		return false;
	}
	rewound = file_read_all(label_path, &label, &len, &ignored) &&
		memmem(label, len, "BACKUP METHOD: pg_rewind\n", strlen("BACKUP METHOD: pg_rewind\n"));
	free(label);
	free(label_path);
	if (rewound)
	{
		rw_fail(err, RW_ESTATE, "cannot roll back: the target was rewound by a run that "
				"completed (its backup_label is a rewind's), and a completed rewind has no journal");
		rw_hint(err, "Start the target to follow its source, or clone it again.");
		return false;
	}
	log_info("nothing to roll back: the target was not changed (no journal of an interrupted "
			 "rewind at \"%s\")", journal_path);
	return true;
}

bool
resume_interrupted(const resume_request *req, resume_outcome *out, rw_error *err)
{
	const char *pgdata = req->pgdata;
	char	   *dir = journal_dir(pgdata);
	journal_reader *jr = NULL;
	bool		exists, incomplete, ok;
	control_now now;

	*out = RESUME_NOTHING;
	if (!journal_exists(pgdata, &exists, err))
		goto fail;
	if (!exists)
	{
		if (!no_journal_but_marked(pgdata, dir, err))
			goto fail;
		ok = !req->rollback || check_unchanged(pgdata, dir, err);
		free(dir);
		return ok;
	}
	if (req->read_only)
	{
		rw_fail(err, RW_ESTATE, "an interrupted rewind left the target incomplete (journal "
				"\"%s\")", dir);
		rw_hint(err, "Run a rewind (without --dry-run or --check) to roll it back and rewind again, or with "
				"--rollback to restore the target as it was.");
		goto fail;
	}
	if (!target_check_not_running(pgdata, err) || !journal_read(pgdata, &jr, &incomplete, err))
		goto fail;
	if (incomplete)
	{
		/* its header was never complete: pg_control cannot have been marked */
		ok = discard(req, "the interrupted run had not changed the target", err) &&
			(!req->rollback || check_unchanged(pgdata, dir, err));
		free(dir);
		return ok;
	}
	if (!current_control(pgdata, journal_reader_identity(jr), &now, err))
		goto fail;
	if (now == CONTROL_OTHER && journal_reader_last_step(jr) == JSTEP_FINALIZING)
	{
		/* it wrote the final pg_control: the rewind is done, but may have run since */
		if (req->rollback)
		{
			rw_fail(err, RW_ESTATE, "the interrupted rewind had completed (the target's final "
					"pg_control is in place); it cannot be rolled back safely");
			rw_hint(err, "The target is rewound. Remove \"%s\" and start the target.", dir);
			goto fail;
		}
		journal_reader_close(jr);
		free(dir);
		*out = RESUME_COMPLETED;
		return discard(req, "the interrupted run had completed", err);
	}
	if (now == CONTROL_OTHER)
	{
		rw_fail(err, RW_ESTATE, "the target's pg_control is neither the one the interrupted "
				"rewind started from nor the one it wrote; refusing to use its journal \"%s\"",
				dir);
		rw_hint(err, "Something changed the target after the rewind was interrupted. Restore "
				"the target from a backup or clone it again.");
		goto fail;
	}
	ok = roll_back(req, jr, err);
	journal_reader_close(jr);
	free(dir);
	if (ok)
	{
		*out = RESUME_ROLLED_BACK;
		log_info("the target is back in the state it had before the interrupted rewind");
	}
	return ok;
fail:
	journal_reader_close(jr);
	free(dir);
	return false;
}

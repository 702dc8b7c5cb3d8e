/*
 * The journal beside the target (journal.h): created, appended before each
 * change it protects, read back for a rollback or a resumed run, and
 * removed at the end.  Writes only in <pgdata>.rewind-journal/, through
 * rw_io; also marks and unmarks the target's pg_control.
 */

#include "target/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32c.h"
#include "pathname.h"
#include "util/fileutil.h"
#include "util/io.h"
#include "util/log.h"
#include "xalloc.h"

#define JOURNAL_FILE "journal"
#define STASH_DIR "moved"
#define REMOVED_SUFFIX ".removed"	/* a journal directory being deleted */
#define JOURNAL_VERSION 1
#define SHA_LEN 32

static const char header_magic[8] = {'R', 'W', 'J', 'O', 'U', 'R', 'N', 'L'};

/* Header: magic, version, major, diverge, checkpoint, sysid, control, SHA-256. */
#define H_VERSION 8
#define H_MAJOR 12
#define H_DIVERGE 16
#define H_CKPT 24
#define H_SYSID 32
#define H_CONTROL 40
#define H_SHA (H_CONTROL + CONTROL_FILE_SIZE)
#define HEADER_SIZE (H_SHA + SHA_LEN)

/* Record: fixed part, then the path, then the compressed data. */
#define REC_MAGIC 0x31434552u	/* "REC1" */
#define R_MAGIC 0
#define R_TYPE 4
#define R_EXISTED 5
#define R_PATHLEN 6
#define R_MODE 8
#define R_RAWLEN 12
#define R_OFFSET 16
#define R_CLEN 24
#define R_SHA 28
#define R_CRC (R_SHA + SHA_LEN)
#define REC_FIXED (R_CRC + 4)
#define PATH_MAX_LEN 4096

static bool remove_tree(rw_io *io, const char *dir, rw_error *err);

struct journal {
	char	   *path;
	rw_io	   *io;
	int			fd;
	bool		sync;
	bool		dirty;			/* appended since the last fsync */
	uint64_t	size;			/* written and pending */
	/*
	 * Records not yet written: old bytes (JR_DATA) are gathered here and
	 * written together at the next barrier, the next other record, or when
	 * JOURNAL_WRITE_BUF is full; they protect nothing before that barrier,
	 * which every change they protect waits for.
	 */
	uint8_t    *buf;
	size_t		buf_len;
	size_t		buf_cap;
};

/* What the pending records may reach before they are written. */
#define JOURNAL_WRITE_BUF (1024 * 1024)

void
journal_marked_control(const pg_control *orig, uint8_t out[CONTROL_FILE_SIZE])
{
	pg_control	c = *orig;

	c.state = JOURNAL_MARK_STATE;
	control_serialize(&c, out);
}

char *
journal_dir(const char *pgdata)
{
	char	   *real = realpath(pgdata, NULL);	/* however -D was spelled */
	const char *p = real ? real : pgdata;
	size_t		len = strlen(p);
	char	   *dir;

	while (len > 1 && p[len - 1] == '/')
		len--;
	dir = xasprintf("%.*s%s", (int) len, p, JOURNAL_DIR_SUFFIX);
	free(real);
	return dir;
}

/* DBState is the fourth field of pg_control in every supported major. */
#define CONTROL_STATE_OFFSET 16

bool
journal_control_marked(const char *pgdata, bool *marked, rw_error *err)
{
	char	   *path = xasprintf("%s/global/pg_control", pgdata);
	uint8_t    *data;
	size_t		len;
	uint32_t	state;
	struct stat st;
	bool		ok;

	*marked = false;
	if (lstat(path, &st) != 0)
	{
		free(path);
		return true;			/* no pg_control: the checks of the target say so */
	}
	ok = file_read_all(path, &data, &len, err);
	free(path);
	if (!ok)
		return false;
	if (len >= CONTROL_STATE_OFFSET + 4)
	{
		memcpy(&state, data + CONTROL_STATE_OFFSET, 4);
		*marked = state == JOURNAL_MARK_STATE;
	}
	free(data);
	return true;
}

/* "<journal dir>/name", malloc'd. */
static char *
in_journal_dir(const char *pgdata, const char *name)
{
	char	   *dir = journal_dir(pgdata);
	char	   *path = xasprintf("%s/%s", dir, name);

	free(dir);
	return path;
}

static char *
journal_file(const char *pgdata)
{
	return in_journal_dir(pgdata, JOURNAL_FILE);
}

const char *
journal_step_name(journal_step s)
{
	switch (s)
	{
		case JSTEP_NONE:
			return "marking pg_control";
		case JSTEP_STARTED:
			return "copying data";
		case JSTEP_COPIED:
			return "removing files";
		case JSTEP_REMOVED:
			return "syncing data";
		case JSTEP_SYNCED:
			return "data synced";
		case JSTEP_FINALIZING:
			return "writing backup_label and pg_control";
	}
	return "unknown";
}

bool
journal_exists(const char *pgdata, bool *exists, rw_error *err)
{
	char	   *dir = journal_dir(pgdata);
	struct stat st;
	bool		ok = true;

	*exists = false;
	if (lstat(dir, &st) == 0)
		*exists = true;
	else if (errno != ENOENT)
		ok = rw_fail_errno(err, errno, "could not access \"%s\"", dir);
	free(dir);
	return ok;
}

static void
sha256(const uint8_t *data, size_t len, uint8_t out[SHA_LEN])
{
	unsigned int n = SHA_LEN;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1)
		abort();				/* only fails on allocation failure */
}

static bool
fsync_path(rw_io *io, const char *path, rw_error *err)
{
	if (io_fsync_path(io, path) != 0)
		return rw_fail_errno(err, errno, "could not fsync \"%s\"", path);
	return true;
}

/* fsync the directory holding path. */
static bool
fsync_parent(rw_io *io, const char *path, rw_error *err)
{
	char	   *parent = path_parent(path);
	bool		ok = fsync_path(io, parent, err);

	free(parent);
	return ok;
}

static bool
write_all(journal *j, const uint8_t *data, size_t len, rw_error *err)
{
	if (io_append_all(j->io, j->fd, data, len) != 0)
		return rw_fail_errno(err, errno, "could not write journal \"%s\"", j->path);
	j->size += len;
	j->dirty = true;
	return true;
}

/*
 * The pending records written, in one write: a kill leaves a prefix of
 * them, whose last record the reader finds torn.  After a failure they are
 * dropped: a partly written record is not written again behind itself.
 */
static bool
write_pending(journal *j, rw_error *err)
{
	int			failed;

	if (j->buf_len == 0)
		return true;
	failed = io_append_all(j->io, j->fd, j->buf, j->buf_len);
	j->buf_len = 0;
	j->dirty = true;
	if (failed != 0)
		return rw_fail_errno(err, errno, "could not write journal \"%s\"", j->path);
	return true;
}

journal *
journal_create(const char *pgdata, const journal_identity *id, bool sync, rw_error *err)
{
	char	   *dir = journal_dir(pgdata);
	journal    *j = xcalloc(1, sizeof(*j));
	char	   *gone;
	uint8_t    *h;
	uint32_t	version = JOURNAL_VERSION, major = (uint32_t) id->major;
	bool		ok;

	j->io = io_open(pgdata, dir);
	j->fd = -1;
	gone = xasprintf("%s%s", dir, REMOVED_SUFFIX);
	ok = remove_tree(j->io, gone, err);	/* what an interrupted removal left */
	free(gone);
	if (!ok)
	{
		free(dir);
		journal_close(j);
		return NULL;
	}
	if (j->io->ops->mkdir(j->io, dir, 0700) != 0)
	{
		rw_fail_errno(err, errno, "could not create journal directory \"%s\"", dir);
		free(dir);
		journal_close(j);
		return NULL;
	}
	j->path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	j->sync = sync;
	j->fd = j->io->ops->open(j->io, j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, 0600);
	if (j->fd < 0)
	{
		rw_fail_errno(err, errno, "could not create journal \"%s\"", j->path);
		free(dir);
		journal_close(j);
		return NULL;
	}
	h = xcalloc(1, HEADER_SIZE);
	memcpy(h, header_magic, sizeof(header_magic));
	memcpy(h + H_VERSION, &version, 4);
	memcpy(h + H_MAJOR, &major, 4);
	memcpy(h + H_DIVERGE, &id->diverge, 8);
	memcpy(h + H_CKPT, &id->checkpoint, 8);
	memcpy(h + H_SYSID, &id->source_sysid, 8);
	memcpy(h + H_CONTROL, id->control, CONTROL_FILE_SIZE);
	sha256(h, H_SHA, h + H_SHA);
	ok = write_all(j, h, HEADER_SIZE, err);
	free(h);
	if (ok && sync)
	{
		/* the file, its directory, and the directory's entry in the parent */
		if (j->io->ops->fsync(j->io, j->fd) != 0)
			ok = rw_fail_errno(err, errno, "could not fsync journal \"%s\"", j->path);
		else
			ok = fsync_parent(j->io, j->path, err) && fsync_parent(j->io, dir, err);
	}
	free(dir);
	if (!ok)
	{
		journal_close(j);
		return NULL;
	}
	j->dirty = false;
	return j;
}

bool
journal_append(journal *j, const jrec *r, rw_error *err)
{
	size_t		pathlen = strlen(r->path);
	int			bound = LZ4_compressBound((int) r->len);
	size_t		need = REC_FIXED + pathlen + (size_t) bound;
	uint32_t	magic = REC_MAGIC, rawlen = (uint32_t) r->len, clen = 0, crc;
	uint16_t	plen = (uint16_t) pathlen;
	uint8_t    *b;

	if (pathlen == 0 || pathlen > PATH_MAX_LEN || r->len > JOURNAL_PIECE_MAX)
		return rw_fail(err, RW_EINTERNAL, "journal record for \"%s\" out of bounds", r->path);
	if (j->buf_len > 0 && j->buf_len + need > JOURNAL_WRITE_BUF && !write_pending(j, err))
		return false;
	xgrow((void **) &j->buf, &j->buf_cap, j->buf_len + need, 1);
	/* assembled in place, after the pending records */
	b = j->buf + j->buf_len;
	memset(b, 0, REC_FIXED);
	memcpy(b + R_MAGIC, &magic, 4);
	b[R_TYPE] = (uint8_t) r->type;
	b[R_EXISTED] = r->existed ? 1 : 0;
	memcpy(b + R_PATHLEN, &plen, 2);
	memcpy(b + R_MODE, &r->mode, 4);
	memcpy(b + R_RAWLEN, &rawlen, 4);
	memcpy(b + R_OFFSET, &r->offset, 8);
	memcpy(b + REC_FIXED, r->path, pathlen);
	if (r->len > 0)
	{
		int			n = LZ4_compress_default((const char *) r->data,
											 (char *) b + REC_FIXED + pathlen,
											 (int) r->len, bound);

		if (n <= 0)
			return rw_fail(err, RW_EINTERNAL, "lz4 compression failed");
		clen = (uint32_t) n;
		sha256(r->data, r->len, b + R_SHA);
	}
	memcpy(b + R_CLEN, &clen, 4);
	crc = crc32c_update(CRC32C_INIT, b, R_CRC);
	crc = crc32c_final(crc32c_update(crc, r->path, pathlen));
	memcpy(b + R_CRC, &crc, 4);
	j->buf_len += REC_FIXED + pathlen + clen;
	j->size += REC_FIXED + pathlen + clen;
	/* only old bytes wait for the barrier; every other record is written now */
	return r->type == JR_DATA || write_pending(j, err);
}

bool
journal_barrier(journal *j, rw_error *err)
{
	if (!write_pending(j, err))
		return false;
	if (!j->dirty)
		return true;
	if (j->sync && j->io->ops->fdatasync(j->io, j->fd) != 0)
		return rw_fail_errno(err, errno, "could not fsync journal \"%s\"", j->path);
	j->dirty = false;
	return true;
}

uint64_t
journal_size(const journal *j)
{
	return j->size;
}

void
journal_close(journal *j)
{
	rw_error	err;

	if (j == NULL)
		return;
	/* a failed run's last old bytes too: the records are whole, the next run reads them */
	if (j->fd >= 0)
		(void) write_pending(j, &err);
	if (j->fd >= 0)
		j->io->ops->close(j->io, j->fd);
	io_close(j->io);
	free(j->buf);
	free(j->path);
	free(j);
}

char *
journal_stash_dir(const char *pgdata)
{
	return in_journal_dir(pgdata, STASH_DIR);
}

bool
journal_stash_prepare(const char *pgdata, bool sync, dev_t *dev, rw_error *err)
{
	char	   *stash = journal_stash_dir(pgdata);
	char	   *dir = journal_dir(pgdata);
	rw_io	   *io = io_open(pgdata, dir);
	struct stat st;
	bool		ok = true;

	if (io->ops->mkdir(io, stash, 0700) == 0)
		ok = !sync || fsync_parent(io, stash, err);
	else if (errno != EEXIST)
		ok = rw_fail_errno(err, errno, "could not create directory \"%s\"", stash);
	if (ok && io_lstat(io, stash, &st) != 0)
		ok = rw_fail_errno(err, errno, "could not stat \"%s\"", stash);
	if (ok)
		*dev = st.st_dev;
	io_close(io);
	free(dir);
	free(stash);
	return ok;
}

char *
journal_stash_path(const char *pgdata, const char *name)
{
	char	   *stash = journal_stash_dir(pgdata);
	char	   *path = xasprintf("%s/%s", stash, name);

	free(stash);
	return path;
}

/* Remove dir/name if it is there. */
static bool
remove_entry(rw_io *io, const char *dir, const char *name, bool is_dir, rw_error *err)
{
	char	   *f = xasprintf("%s/%s", dir, name);
	bool		ok = (is_dir ? io->ops->rmdir(io, f) : io->ops->unlink(io, f)) == 0 ||
		errno == ENOENT || rw_fail_errno(err, errno, "could not remove \"%s\"", f);

	free(f);
	return ok;
}

/* Remove a journal directory that is no longer a journal, and all in it. */
static bool
remove_tree(rw_io *io, const char *dir, rw_error *err)
{
	char	   *stash = xasprintf("%s/%s", dir, STASH_DIR);
	DIR		   *d = opendir(stash);
	struct dirent *de;
	bool		ok = true;

	if (d == NULL && errno != ENOENT)
		ok = rw_fail_errno(err, errno, "could not open \"%s\"", stash);
	while (d && ok && (errno = 0, de = readdir(d)) != NULL)
	{
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			ok = remove_entry(io, stash, de->d_name, false, err);
	}
	if (d && ok && errno != 0)
		ok = rw_fail_errno(err, errno, "could not read \"%s\"", stash);
	if (d)
		closedir(d);
	ok = ok && remove_entry(io, dir, STASH_DIR, true, err) &&
		remove_entry(io, dir, JOURNAL_FILE, false, err);
	if (ok && io->ops->rmdir(io, dir) != 0 && errno != ENOENT)
		ok = rw_fail_errno(err, errno, "could not remove \"%s\"", dir);
	free(stash);
	return ok;
}

/*
 * One rename ends the journal as a whole: after it, no part of it can be
 * taken for a journal (a journal file without its stash, or a directory
 * without its file, would be read as another state of the run).  What is
 * left under the other name is then deleted, now or by the next run.
 */
bool
journal_remove(const char *pgdata, bool sync, rw_error *err)
{
	char	   *dir = journal_dir(pgdata);
	char	   *gone = xasprintf("%s%s", dir, REMOVED_SUFFIX);
	rw_io	   *io = io_open(pgdata, dir);
	bool		ok = remove_tree(io, gone, err);	/* left by an interrupted removal */

	if (ok && io->ops->rename(io, dir, gone) != 0 && errno != ENOENT)
		ok = rw_fail_errno(err, errno, "could not rename journal directory \"%s\"", dir);
	else if (ok && sync)
		ok = fsync_parent(io, dir, err);
	ok = ok && remove_tree(io, gone, err);
	io_close(io);
	free(gone);
	free(dir);
	return ok;
}

/* --- reading ------------------------------------------------------------ */

typedef struct rec_index {
	uint64_t	pos;			/* of the fixed part in the file */
	uint8_t		fixed[REC_FIXED];
} rec_index;

struct journal_reader {
	char	   *path;
	int			fd;
	uint64_t	size;
	journal_identity id;
	rec_index  *recs;
	size_t		n, cap;
	journal_step last_step;
	uint64_t	ignored;		/* bytes after the last whole record */
};

const journal_identity *
journal_reader_identity(const journal_reader *r)
{
	return &r->id;
}

size_t
journal_reader_count(const journal_reader *r)
{
	return r->n;
}

journal_step
journal_reader_last_step(const journal_reader *r)
{
	return r->last_step;
}

uint64_t
journal_reader_ignored(const journal_reader *r)
{
	return r->ignored;
}

void
journal_reader_close(journal_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->recs);
	free(r->path);
	free(r);
}

static uint32_t
get32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t
get64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return v;
}

static bool
read_header(journal_reader *r, bool *incomplete, rw_error *err)
{
	uint8_t    *h = xmalloc(HEADER_SIZE);
	uint8_t		sha[SHA_LEN];
	bool		ok = false;

	if (r->size < HEADER_SIZE)
	{
		*incomplete = true;
		free(h);
		return true;
	}
	if (!file_pread_exact(r->fd, r->path, h, HEADER_SIZE, 0, err))
		goto out;
	sha256(h, H_SHA, sha);
	if (memcmp(h, header_magic, sizeof(header_magic)) != 0 || memcmp(sha, h + H_SHA, SHA_LEN) != 0)
	{
		rw_fail(err, RW_ECORRUPT, "journal \"%s\" has a damaged header", r->path);
		goto out;
	}
	if (get32(h + H_VERSION) != JOURNAL_VERSION)
	{
		rw_fail(err, RW_EUNSUPPORTED, "journal \"%s\" has format version %u; this program "
				"reads version %d", r->path, get32(h + H_VERSION), JOURNAL_VERSION);
		goto out;
	}
	r->id.major = (int) get32(h + H_MAJOR);
	r->id.diverge = get64(h + H_DIVERGE);
	r->id.checkpoint = get64(h + H_CKPT);
	r->id.source_sysid = get64(h + H_SYSID);
	memcpy(r->id.control, h + H_CONTROL, CONTROL_FILE_SIZE);
	ok = true;
out:
	free(h);
	return ok;
}

/* Read record data at pos (fixed part given), decompress, check its SHA-256. */
static bool
load_record(journal_reader *r, uint64_t pos, const uint8_t *fixed, char **path,
			uint8_t **data, rw_error *err)
{
	uint16_t	plen;
	uint32_t	rawlen = get32(fixed + R_RAWLEN), clen = get32(fixed + R_CLEN);
	uint8_t    *cbuf = NULL, sha[SHA_LEN];

	memcpy(&plen, fixed + R_PATHLEN, 2);
	*path = xmalloc((size_t) plen + 1);
	*data = NULL;
	if (!file_pread_exact(r->fd, r->path, *path, plen, pos + REC_FIXED, err))
		goto fail;
	(*path)[plen] = '\0';
	if (rawlen == 0)
		return true;
	cbuf = xmalloc(clen);
	*data = xmalloc(rawlen);
	if (!file_pread_exact(r->fd, r->path, cbuf, clen, pos + REC_FIXED + plen, err))
		goto fail;
	if (LZ4_decompress_safe((const char *) cbuf, (char *) *data, (int) clen, (int) rawlen) !=
		(int) rawlen)
	{
		rw_fail(err, RW_ECORRUPT, "journal \"%s\": data of the record at offset %llu does not "
				"decompress", r->path, (unsigned long long) pos);
		goto fail;
	}
	sha256(*data, rawlen, sha);
	if (memcmp(sha, fixed + R_SHA, SHA_LEN) != 0)
	{
		rw_fail(err, RW_ECORRUPT, "journal \"%s\": SHA-256 mismatch in the record at offset %llu",
				r->path, (unsigned long long) pos);
		goto fail;
	}
	free(cbuf);
	return true;
fail:
	free(cbuf);
	free(*path);
	free(*data);
	*path = NULL;
	*data = NULL;
	return false;
}

/*
 * Is the record at pos whole: its fixed part sane, its data and CRC right?
 * Any failure to read is an error (*err set, *whole unknown).
 */
static bool
record_whole(journal_reader *r, uint64_t pos, const uint8_t *fixed, bool *whole,
			 rw_error *err)
{
	uint16_t	plen;
	uint32_t	crc;
	char	   *path;
	uint8_t    *data;
	rw_error	bad;

	memcpy(&plen, fixed + R_PATHLEN, 2);
	*whole = false;
	if (get32(fixed + R_MAGIC) != REC_MAGIC || plen == 0 || plen > PATH_MAX_LEN ||
		get32(fixed + R_RAWLEN) > JOURNAL_PIECE_MAX ||
		fixed[R_TYPE] < JR_ORIG || fixed[R_TYPE] > JR_RENAMED ||
		pos + REC_FIXED + plen + get32(fixed + R_CLEN) > r->size)
		return true;
	if (!load_record(r, pos, fixed, &path, &data, &bad))
	{
		if (bad.kind == RW_ECORRUPT)
			return true;		/* data that does not decompress or match its SHA-256 */
		*err = bad;
		return false;
	}
	crc = crc32c_update(CRC32C_INIT, fixed, R_CRC);
	crc = crc32c_final(crc32c_update(crc, path, plen));
	free(path);
	free(data);
	*whole = crc == get32(fixed + R_CRC);
	return true;
}

/*
 * Index every record, checking each completely.  The first record that is
 * not whole ends the journal: every change waits for its record to be
 * fsynced (journal_barrier), so what follows the last fsync protects no
 * change, and a power loss may leave it torn, zeroed, or in pieces.
 */
static bool
index_records(journal_reader *r, rw_error *err)
{
	uint64_t	pos = HEADER_SIZE;

	while (pos < r->size)
	{
		uint8_t		fixed[REC_FIXED];
		uint16_t	plen;
		bool		whole;

		if (r->size - pos < REC_FIXED)
			break;
		if (!file_pread_exact(r->fd, r->path, fixed, REC_FIXED, pos, err) ||
			!record_whole(r, pos, fixed, &whole, err))
			return false;
		if (!whole)
			break;
		if (fixed[R_TYPE] == JR_STEP)
			r->last_step = (journal_step) get64(fixed + R_OFFSET);
		xgrow((void **) &r->recs, &r->cap, r->n + 1, sizeof(rec_index));
		r->recs[r->n].pos = pos;
		memcpy(r->recs[r->n].fixed, fixed, REC_FIXED);
		r->n++;
		memcpy(&plen, fixed + R_PATHLEN, 2);
		pos += REC_FIXED + plen + get32(fixed + R_CLEN);
	}
	r->ignored = r->size - pos;
	return true;
}

bool
journal_read(const char *pgdata, journal_reader **out, bool *incomplete, rw_error *err)
{
	journal_reader *r = xcalloc(1, sizeof(*r));
	struct stat st;

	*out = NULL;
	*incomplete = false;
	r->path = journal_file(pgdata);
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 && errno == ENOENT)
	{
		/* killed between creating the directory and the file */
		*incomplete = true;
		journal_reader_close(r);
		return true;
	}
	if (r->fd < 0 || fstat(r->fd, &st) != 0)
	{
		rw_fail_errno(err, errno, "could not open journal \"%s\"", r->path);
		journal_reader_close(r);
		return false;
	}
	r->size = (uint64_t) st.st_size;
	if (!read_header(r, incomplete, err) || *incomplete || !index_records(r, err))
	{
		journal_reader_close(r);
		return *incomplete;
	}
	if (r->ignored > 0)
		log_info("journal \"%s\": the last %llu bytes, written after its last sync, are not "
				 "whole records; no change depended on them", r->path,
				 (unsigned long long) r->ignored);
	*out = r;
	return true;
}

jrec_type
journal_reader_type(const journal_reader *r, size_t i)
{
	return (jrec_type) r->recs[i].fixed[R_TYPE];
}

bool
journal_reader_get(journal_reader *r, size_t i, jrec *out, char **path, uint8_t **data,
				   rw_error *err)
{
	const uint8_t *f = r->recs[i].fixed;

	if (!load_record(r, r->recs[i].pos, f, path, data, err))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = (jrec_type) f[R_TYPE];
	out->path = *path;
	out->existed = f[R_EXISTED] != 0;
	out->mode = get32(f + R_MODE);
	out->offset = get64(f + R_OFFSET);
	out->data = *data;
	out->len = get32(f + R_RAWLEN);
	return true;
}

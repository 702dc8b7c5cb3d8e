/*
 * crashsim: the states a power loss could leave, from the trace of a run
 * (src/util/io_trace.h; written by rewind under REWIND_TEST_CRASH_TRACE).
 *
 *   crashsim info TRACE
 *       the number of changes N, then every sync point: the K (1..N) such
 *       that the K-th change is an fsync or fdatasync, and what it synced
 *   crashsim make TRACE K MODE SEED FROM TO
 *       TO is a copy of the directory tree as it was before the run (FROM,
 *       with the journal beside it, is where the run made its changes);
 *       apply to TO what a power loss right after the first K changes may
 *       have left on disk
 *
 * The model (after SQLite's crash-test VFS, ALICE and CrashMonkey): a write
 * or truncate is durable once its file was fsynced after it; a directory
 * entry (a create, rename, unlink, mkdir, rmdir, symlink) once every
 * directory it changes was fsynced after it.  Durable changes are kept.
 * Each other one is, by MODE:
 *   lost     dropped
 *   kept     kept
 *   data     file data kept, directory entries dropped (data reaching the
 *            disk before the names that make it reachable or valid)
 *   random   entries kept or dropped by a coin (SEED); data kept, dropped,
 *            or kept in random 4 KiB pieces (a torn write)
 * Changes are replayed in their order; one that cannot be made any more
 * (its file's creation was dropped) is dropped with it, and data written to
 * a file whose name was lost is lost with it.  A change outside FROM and
 * its journal is an error: the run touched something it must not (opening
 * a directory above FROM to fsync it is no change).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/io_trace.h"

#define PAGE 4096
#define MAX_FD 65536

typedef struct op {
	io_trace_rec r;
	const char *path;			/* NUL-terminated copies */
	const char *path2;
	const uint8_t *data;
	const char *synced;			/* IOT_FSYNC: the path its descriptor was opened by */
	int			inode;			/* the file written, truncated or synced; -1 */
	bool		durable;
} op;

typedef struct names {			/* path -> inode, open addressing */
	char	  **keys;
	int		   *vals;
	size_t		cap;
	size_t		n;
} names;

static void
die(const char *what)
{
	fprintf(stderr, "crashsim: %s\n", what);
	exit(2);
}

static void *
xmalloc0(size_t n)
{
	void	   *p = calloc(1, n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xstrndup0(const char *s, size_t n)
{
	char	   *p = xmalloc0(n + 1);

	memcpy(p, s, n);
	return p;
}

static uint64_t
hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 1099511628211ULL;
	return h;
}

static int *
names_slot(names *m, const char *key)
{
	size_t		i;

	if (m->n * 2 >= m->cap)
	{
		names		big = {.cap = m->cap ? m->cap * 2 : 1024};

		big.keys = xmalloc0(big.cap * sizeof(char *));
		big.vals = xmalloc0(big.cap * sizeof(int));
		for (size_t k = 0; k < m->cap; k++)
		{
			if (m->keys[k] == NULL)
				continue;
			i = hash(m->keys[k]) & (big.cap - 1);
			while (big.keys[i])
				i = (i + 1) & (big.cap - 1);
			big.keys[i] = m->keys[k];
			big.vals[i] = m->vals[k];
		}
		big.n = m->n;
		free(m->keys);
		free(m->vals);
		*m = big;
	}
	i = hash(key) & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	if (m->keys[i] == NULL)
	{
		m->keys[i] = xstrndup0(key, strlen(key));
		m->vals[i] = -1;
		m->n++;
	}
	return &m->vals[i];
}

static void
names_free(names *m)
{
	for (size_t k = 0; k < m->cap; k++)
		free(m->keys[k]);
	free(m->keys);
	free(m->vals);
}

/* The inode now at path; a new one if none is known (a file from before). */
static int
inode_at(names *m, const char *path, int *next)
{
	int		   *v = names_slot(m, path);

	if (*v < 0)
		*v = (*next)++;
	return *v;
}

static char *
parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return xstrndup0(path, slash && slash != path ? (size_t) (slash - path) : 1);
}

static bool
is_entry_op(const op *o)
{
	switch (o->r.op)
	{
		case IOT_RENAME:
		case IOT_UNLINK:
		case IOT_MKDIR:
		case IOT_RMDIR:
		case IOT_SYMLINK:
			return true;
		case IOT_OPEN:
			return o->r.arg == 1;	/* created the file */
		default:
			return false;
	}
}

static bool
is_data_op(const op *o)
{
	return o->r.op == IOT_WRITE || o->r.op == IOT_TRUNCATE;
}

/* "dir/." and "dir/" name dir: one spelling per directory. */
static char *
normalised(char *path)
{
	size_t		n = strlen(path);

	for (;;)
	{
		if (n > 2 && strcmp(path + n - 2, "/.") == 0)
			n -= 2;
		else if (n > 1 && path[n - 1] == '/')
			n--;
		else
			break;
		path[n] = '\0';
	}
	return path;
}

/* The trace, mapped: ops[i].data points into it. */
typedef struct trace_map {
	void	   *addr;
	size_t		len;
} trace_map;

static op  *
load(const char *file, size_t *nops, trace_map *tm)
{
	int			fd = open(file, O_RDONLY);
	struct stat st;
	const uint8_t *map;
	size_t		pos = 0, n = 0, cap = 0;
	op		   *ops = NULL;

	if (fd < 0 || fstat(fd, &st) != 0)
		die("cannot open the trace");
	map = st.st_size ? mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	if (st.st_size && map == MAP_FAILED)
		die("cannot map the trace");
	while (pos < (size_t) st.st_size)
	{
		op			o = {.inode = -1};

		if ((size_t) st.st_size - pos < sizeof(o.r))
			die("trace ends inside a record");
		memcpy(&o.r, map + pos, sizeof(o.r));
		if (o.r.magic != IO_TRACE_MAGIC ||
			(size_t) st.st_size - pos - sizeof(o.r) < o.r.path_len + o.r.path2_len + o.r.data_len)
			die("damaged trace record");
		pos += sizeof(o.r);
		o.path = o.r.path_len ? normalised(xstrndup0((const char *) map + pos, o.r.path_len)) : NULL;
		pos += o.r.path_len;
		o.path2 = o.r.path2_len ? xstrndup0((const char *) map + pos, o.r.path2_len) : NULL;
		if (o.path2 && o.r.op == IOT_RENAME)
			o.path2 = normalised((char *) o.path2);
		pos += o.r.path2_len;
		o.data = map + pos;
		pos += o.r.data_len;
		if (n == cap)
		{
			cap = cap ? cap * 2 : 1024;
			ops = realloc(ops, cap * sizeof(op));
			if (ops == NULL)
				die("out of memory");
		}
		ops[n++] = o;
	}
	close(fd);
	tm->addr = (void *) map;
	tm->len = (size_t) st.st_size;
	*nops = n;
	return ops;
}

static void
unload(op *ops, size_t n, trace_map *tm)
{
	for (size_t i = 0; i < n; i++)
	{
		free((char *) ops[i].path);
		free((char *) ops[i].path2);
	}
	free(ops);
	if (tm->len > 0)
		munmap(tm->addr, tm->len);
}

/* Which inode each op touches, then which ops a later fsync made durable. */
static void
analyse(op *ops, size_t k)
{
	names		paths = {0}, synced_dirs = {0};
	int			next = 0;
	int		   *fd_inode = xmalloc0(MAX_FD * sizeof(int));
	const char **fd_path = xmalloc0(MAX_FD * sizeof(char *));
	bool	   *synced;

	for (size_t i = 0; i < k; i++)
	{
		op		   *o = &ops[i];
		int			fd = o->r.fd;

		if (fd >= MAX_FD)
			die("descriptor out of range");
		switch (o->r.op)
		{
			case IOT_OPEN:
				if (o->r.arg == 1)
					*names_slot(&paths, o->path) = -1;	/* a new file */
				fd_inode[fd] = inode_at(&paths, o->path, &next);
				fd_path[fd] = o->path;
				o->inode = fd_inode[fd];
				break;
			case IOT_WRITE:
			case IOT_TRUNCATE:
			case IOT_CHMOD:
			case IOT_FSYNC:
				o->inode = fd_inode[fd];
				o->synced = o->r.op == IOT_FSYNC ? fd_path[fd] : NULL;
				break;
			case IOT_RENAME:
				{
					int			v = inode_at(&paths, o->path, &next);

					*names_slot(&paths, o->path) = -1;
					*names_slot(&paths, o->path2) = v;
					break;
				}
			case IOT_UNLINK:
				*names_slot(&paths, o->path) = -1;
				break;
			default:
				break;
		}
	}
	synced = xmalloc0((size_t) next + 1);
	for (size_t i = k; i-- > 0;)
	{
		op		   *o = &ops[i];

		if (o->r.op == IOT_FSYNC)
		{
			synced[o->inode] = true;
			*names_slot(&synced_dirs, o->synced) = 1;	/* fsync of a directory */
		}
		else if (is_data_op(o))
			o->durable = synced[o->inode];
		else if (is_entry_op(o))
		{
			char	   *p1 = parent_of(o->path);

			o->durable = *names_slot(&synced_dirs, p1) == 1;
			if (o->r.op == IOT_RENAME)
			{
				char	   *p2 = parent_of(o->path2);

				o->durable = o->durable && *names_slot(&synced_dirs, p2) == 1;
				free(p2);
			}
			free(p1);
		}
	}
	free(synced);
	free(fd_inode);
	free(fd_path);
	names_free(&paths);
	names_free(&synced_dirs);
}

/* xorshift64*: the same SEED gives the same state */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static char *
mapped(const char *path, const char *from, const char *to)
{
	size_t		n = strlen(from);
	char	   *out;

	if (strncmp(path, from, n) != 0 || (path[n] != '\0' && path[n] != '/' && path[n] != '.'))
	{
		fprintf(stderr, "crashsim: the run changed \"%s\", outside \"%s\"\n", path, from);
		exit(3);
	}
	out = xmalloc0(strlen(to) + strlen(path + n) + 1);
	strcpy(out, to);
	strcat(out, path + n);
	return out;
}

/* Opening a directory above FROM (to fsync the journal's entry) changes nothing. */
static bool
opens_ancestor(const op *o, const char *from)
{
	size_t		n = strlen(o->path);

	return o->r.op == IOT_OPEN && o->r.arg == 0 && strncmp(o->path, from, n) == 0 &&
		(from[n] == '/' || (n == 1 && o->path[0] == '/'));
}

typedef enum mode {
	M_LOST, M_KEPT, M_DATA, M_RANDOM
} mode;

static void
pwrite_or_die(int fd, const uint8_t *buf, size_t len, uint64_t off)
{
	if (pwrite(fd, buf, len, (off_t) off) != (ssize_t) len)
		die("cannot write the crash state");
}

/* A write not yet durable under MODE; returns the bytes kept. */
static size_t
replay_write(int fd, const op *o, mode m, uint64_t *seed)
{
	uint64_t	off = o->r.arg, end = o->r.arg + o->r.data_len, kept = 0;
	uint64_t	choice = m == M_RANDOM ? rnd(seed) % 3 : (m == M_LOST ? 1 : 0);

	if (choice == 0)
	{
		pwrite_or_die(fd, o->data, o->r.data_len, off);
		return o->r.data_len;
	}
	if (choice == 1)
		return 0;
	while (off < end)
	{
		uint64_t	piece_end = (off / PAGE + 1) * PAGE;

		if (piece_end > end)
			piece_end = end;
		if (rnd(seed) & 1)
		{
			pwrite_or_die(fd, o->data + (off - o->r.arg), piece_end - off, off);
			kept += piece_end - off;
		}
		off = piece_end;
	}
	return kept;
}

static void
replay(op *ops, size_t k, mode m, uint64_t seed, const char *from, const char *to)
{
	int		   *fds = xmalloc0(MAX_FD * sizeof(int));
	size_t		unsynced = 0, dropped = 0, failed = 0;

	for (size_t i = 0; i < k; i++)
	{
		const op   *o = &ops[i];
		bool		keep = true;
		char	   *p = o->path && !opens_ancestor(o, from) ? mapped(o->path, from, to) : NULL;
		char	   *p2 = o->path2 && o->r.op == IOT_RENAME ? mapped(o->path2, from, to) : NULL;
		int			fd = o->r.fd >= 0 && o->r.fd < MAX_FD ? fds[o->r.fd] - 1 : -1;
		int			rc = 0;

		if (!o->durable && (is_entry_op(o) || is_data_op(o)))
		{
			unsynced++;
			if (is_entry_op(o))
				keep = m == M_KEPT || (m == M_RANDOM && (rnd(&seed) & 1));
			else if (o->r.op == IOT_TRUNCATE)
				keep = m != M_LOST && (m != M_RANDOM || (rnd(&seed) & 1));
			if (!keep)
				dropped++;
		}
		switch (o->r.op)
		{
			case IOT_OPEN:
				if (!keep || p == NULL)
					fd = -1;	/* a file whose name is lost: its data too */
				else
				{
					fd = open(p, O_RDWR | (o->r.arg == 1 ? O_CREAT : 0), (mode_t) o->r.mode);
					if (fd < 0 && errno == EISDIR)
						fd = open(p, O_RDONLY);
				}
				fds[o->r.fd] = fd + 1;
				break;
			case IOT_WRITE:
				if (fd >= 0 && o->durable)
					pwrite_or_die(fd, o->data, o->r.data_len, o->r.arg);
				else if (fd >= 0 && replay_write(fd, o, m, &seed) < o->r.data_len)
					dropped++;
				break;
			case IOT_TRUNCATE:
				if (fd >= 0 && keep)
					rc = ftruncate(fd, (off_t) o->r.arg);
				break;
			case IOT_CHMOD:
				if (fd >= 0)
					rc = fchmod(fd, (mode_t) o->r.mode);
				break;
			case IOT_RENAME:
				rc = keep ? rename(p, p2) : 0;
				break;
			case IOT_UNLINK:
				rc = keep ? unlink(p) : 0;
				break;
			case IOT_MKDIR:
				rc = keep ? mkdir(p, (mode_t) o->r.mode) : 0;
				break;
			case IOT_RMDIR:
				rc = keep ? rmdir(p) : 0;
				break;
			case IOT_SYMLINK:
				rc = keep ? symlink(o->path2, p) : 0;
				break;
			case IOT_CLOSE:
				if (fd >= 0)
					close(fd);
				fds[o->r.fd] = 0;
				break;
			default:
				break;
		}
		if (rc != 0)
			failed++;			/* it depended on a change that was dropped */
		free(p);
		free(p2);
	}
	for (int fd = 0; fd < MAX_FD; fd++)
		if (fds[fd] > 0)
			close(fds[fd] - 1);
	free(fds);
	printf("crash after change %zu: %zu changes not yet durable, %zu of them dropped or torn, "
		   "%zu no longer possible\n", k, unsynced, dropped, failed);
}

int
main(int argc, char **argv)
{
	size_t		n;
	op		   *ops;
	trace_map	tm;

	if (argc == 3 && strcmp(argv[1], "info") == 0)
	{
		ops = load(argv[2], &n, &tm);
		analyse(ops, n);
		printf("%zu\n", n);
		for (size_t i = 0; i < n; i++)
			if (ops[i].r.op == IOT_FSYNC)
				printf("%zu %s\n", i + 1, ops[i].synced ? ops[i].synced : "?");
		unload(ops, n, &tm);
		return 0;
	}
	if (argc == 8 && strcmp(argv[1], "make") == 0)
	{
		size_t		k = strtoull(argv[3], NULL, 10);
		const char *ms = argv[4];
		mode		m = strcmp(ms, "lost") == 0 ? M_LOST : strcmp(ms, "kept") == 0 ? M_KEPT :
			strcmp(ms, "data") == 0 ? M_DATA : M_RANDOM;
		uint64_t	seed = strtoull(argv[5], NULL, 10) * 2654435761ULL + 88172645463325252ULL;

		if (m == M_RANDOM && strcmp(ms, "random") != 0)
			die("MODE is lost, kept, data or random");
		ops = load(argv[2], &n, &tm);
		if (k > n)
			die("K is past the end of the trace");
		analyse(ops, k);
		replay(ops, k, m, seed, argv[6], argv[7]);
		unload(ops, n, &tm);
		return 0;
	}
	fprintf(stderr, "usage: crashsim info TRACE\n"
			"       crashsim make TRACE K lost|kept|data|random SEED FROM TO\n");
	return 2;
}

/*
 * Hostile listings, planned and applied: a source that lies about its
 * files must not make the copy touch anything outside the target's data
 * directory, its journal and the tablespace locations the plan may create.
 *
 * Each input runs in a scratch directory of its own:
 *   data/             the target: global, base/5 (with a file), pg_tblspc, pg_wal
 *   outside/victim/   another cluster's tablespace (PG_15_.../5/1)
 *   outside/free/     an empty directory, free for a tablespace
 * Input: lines "f PATH", "d PATH", "l PATH\tTARGET" (a regular file, a
 * directory, a symbolic link) added to the source's listing; a TARGET
 * starting with "@" is taken below outside/ ("@victim" is the other
 * cluster's tablespace).  The listing is planned (plan_build refuses what
 * listing_source_safe refuses), the plan checked, then applied by
 * execute_plan through the real target writer, with a source that answers
 * every range with bytes.  A plan that escapes, or a change anywhere but
 * data/, its journal or a location the plan links to, aborts.  Plans that
 * link to a location outside the scratch directory are not applied (they
 * are legitimate tablespaces, but this harness will not write there).
 */
#include "fuzz.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan/listing_safety.h"
#include "run/execute.h"
#include "source/filelist_local.h"
#include "blockmap.h"
#include "source_reply.h"
#include "timeline.h"
#include "xalloc.h"

#define FL_TSDIR "PG_15_202209061"

/* What became of one listing. */
typedef enum listing_outcome {
	LISTING_REFUSED,			/* planning or the tablespace check refused it */
	LISTING_NOT_CONFINED,		/* links outside the scratch directory: not applied */
	LISTING_APPLY_FAILED,		/* applying it failed; nothing escaped */
	LISTING_APPLIED				/* applied; nothing escaped */
} listing_outcome;

int			fuzz_listing_one(const uint8_t *data, size_t size);
listing_outcome listing_trial(const uint8_t *data, size_t size);

/* --- a source that has every byte asked for ----------------------------- */

static bool
fl_fetch(source *s, const fetch_range *ranges, size_t n, fetch_sink sink, void *ctx,
		 rw_error *err)
{
	static const uint8_t bytes[4096] = {'x'};

	(void) s;
	for (size_t i = 0; i < n; i++)
	{
		/* a file's end is where its listed size says: one past it is empty */
		size_t		len = ranges[i].len == 1 ? 0 : ranges[i].len;

		if (len > sizeof(bytes))
			len = sizeof(bytes);
		if (!sink(ctx, i, bytes, len, false, err))
			return false;
	}
	return true;
}

static const source_ops fl_ops = {.fetch = fl_fetch};

/* --- the scratch directory ---------------------------------------------- */

static void
must(bool cond, const char *what)
{
	if (!cond)
	{
		fprintf(stderr, "fuzz_listing: %s\n", what);
		abort();
	}
}

static void
make_dir(const char *root, const char *rel)
{
	char	   *p = xasprintf("%s/%s", root, rel);

	must(mkdir(p, 0700) == 0, "could not make the scratch directory");
	free(p);
}

static void
make_file(const char *root, const char *rel)
{
	char	   *p = xasprintf("%s/%s", root, rel);
	FILE	   *f = fopen(p, "wb");

	must(f != NULL, "could not make a scratch file");
	fputs("the other cluster's data\n", f);
	fclose(f);
	free(p);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
remove_scratch(const char *root)
{
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Every entry below root, "type|size|path" lines (paths from root on). */
typedef struct tree_print {
	char	   *text;
	size_t		len;
	size_t		cap;
	size_t		skip;			/* strlen(root) */
} tree_print;

static tree_print *print_to;

static int
print_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char	   *line;
	size_t		n;

	(void) ftw;
	line = xasprintf("%c|%lld|%s\n", flag == FTW_D ? 'd' : flag == FTW_SL ? 'l' : 'f',
					 (long long) (S_ISREG(st->st_mode) ? st->st_size : 0),
					 path + print_to->skip);
	n = strlen(line);
	xgrow((void **) &print_to->text, &print_to->cap, print_to->len + n + 1, 1);
	memcpy(print_to->text + print_to->len, line, n + 1);
	print_to->len += n;
	free(line);
	return 0;
}

static char *
print_tree(const char *root)
{
	tree_print	tp = {xstrdup(""), 0, 1, strlen(root)};

	print_to = &tp;
	nftw(root, print_one, 16, FTW_PHYS);
	print_to = NULL;
	return tp.text;
}

/* Is rel (from the scratch root on) at or below prefix? */
static bool
at_or_below(const char *rel, const char *prefix)
{
	size_t		n = strlen(prefix);

	return strncmp(rel, prefix, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

/* --- the listing -------------------------------------------------------- */

static void
add_line(file_list *src, const char *line, const char *outside)
{
	const char *path = line + 2;
	char	   *tab;
	char	   *target;

	if (strlen(line) < 3 || line[1] != ' ')
		return;
	switch (line[0])
	{
		case 'f':
			file_list_add(src, path, FILE_TYPE_REGULAR, strlen(path) * 37 % 20000, NULL);
			break;
		case 'd':
			file_list_add(src, path, FILE_TYPE_DIRECTORY, 0, NULL);
			break;
		case 'l':
			if ((tab = strchr(path, '\t')) == NULL)
				return;
			*tab = '\0';
			target = tab[1] == '@' ? xasprintf("%s/%s", outside, tab + 2) : xstrdup(tab + 1);
			file_list_add(src, path, FILE_TYPE_SYMLINK, 0, target);
			free(target);
			break;
		default:
			break;
	}
}

static void
parse_listing(const uint8_t *data, size_t size, const char *outside, file_list *src)
{
	char	   *text = xmalloc(size + 1);
	char	   *line = text;

	memcpy(text, data, size);
	text[size] = '\0';
	/* the common directories, as both sides have them */
	file_list_add(src, "global", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(src, "base", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(src, "base/5", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(src, "pg_tblspc", FILE_TYPE_DIRECTORY, 0, NULL);
	file_list_add(src, "pg_wal", FILE_TYPE_DIRECTORY, 0, NULL);
	while (line != NULL && line < text + size)
	{
		char	   *nl = strchr(line, '\n');

		if (nl)
			*nl = '\0';
		add_line(src, line, outside);
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	file_list_sort(src);
}

/* What listing_source_safe promises of every plan it lets through. */
static void
check_plan(const plan *p)
{
	for (size_t i = 0; i < p->n; i++)
	{
		const plan_entry *e = &p->entries[i];

		must(reply_path_ok(e->path), "the plan holds a path that leaves the data directory");
		if (e->action == ACT_CREATE_LINK)
			must(strncmp(e->path, "pg_tblspc/", 10) == 0 && strchr(e->path + 10, '/') == NULL &&
				 e->link_target[0] == '/' && reply_path_ok(e->link_target + 1),
				 "the plan creates a link that is not a tablespace's");
	}
}

/* Does every link the plan creates lead below outside/? */
static bool
confined(const plan *p, const char *outside)
{
	size_t		n = strlen(outside);

	for (size_t i = 0; i < p->n; i++)
		if (p->entries[i].action == ACT_CREATE_LINK &&
			(strncmp(p->entries[i].link_target, outside, n) != 0 ||
			 p->entries[i].link_target[n] != '/'))
			return false;
	return true;
}

static bool
apply_plan(const plan *p, const char *pgdata)
{
	source		src = {.ops = &fl_ops};
	progress	prog = {0};
	execute_outcome outcome = {0};
	journal_identity id = {.major = 15};
	pg_control	ctl = {0};
	rw_error	err;
	target_writer *w = target_writer_open(pgdata, false, &err);
	bool		ok;

	ctl.ver = pgver_lookup(15);
	ok = w != NULL && target_writer_begin(w, &id, &ctl, false, &err) &&
		execute_plan(p, &src, w, &prog, &outcome, &err);
	execute_outcome_free(&outcome);
	target_writer_close(w);
	return ok;
}

/*
 * After the run: below the scratch root there is only data/, its journal
 * and outside/; the other cluster's tablespace is as it was; anything else
 * below outside/ is in a location the plan links to.
 */
static void
check_confinement(const plan *p, const char *root, const char *victim_before)
{
	char	   *victim = xasprintf("%s/outside/victim", root);
	char	   *after = print_tree(victim);
	char	   *all = print_tree(root);
	size_t		skip = strlen(root);

	must(strcmp(after, victim_before) == 0, "the other cluster's tablespace changed");
	for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n"))
	{
		const char *rel = strchr(strchr(line, '|') + 1, '|') + 1;
		bool		ok = rel[0] == '\0' || at_or_below(rel, "/data") ||
			at_or_below(rel, "/data" JOURNAL_DIR_SUFFIX) || strcmp(rel, "/outside") == 0 ||
			strcmp(rel, "/outside/free") == 0 || at_or_below(rel, "/outside/victim");

		for (size_t i = 0; !ok && i < p->n; i++)
			ok = p->entries[i].action == ACT_CREATE_LINK &&
				at_or_below(rel, p->entries[i].link_target + skip);
		if (!ok)
			fprintf(stderr, "fuzz_listing: unexpected \"%s\"\n", rel);
		must(ok, "something was written outside the data directory, its journal and the "
			 "locations its tablespace links lead to");
	}
	free(all);
	free(after);
	free(victim);
}

listing_outcome
listing_trial(const uint8_t *data, size_t size)
{
	char		tmpl[] = "/tmp/rewind-fuzz-listing-XXXXXX";
	char	   *root = mkdtemp(tmpl);
	char	   *pgdata, *outside, *victim_before, *victim;
	file_list	src = {0}, tgt = {0};
	tl_history	h;
	blockmap   *map = blockmap_new();
	plan		p = {0};
	plan_input	in = {.ver = pgver_lookup(15), .tsdir = FL_TSDIR, .segsize = 16u * 1024 * 1024,
	.diverge = 0x3000100, .redo = 0x2000028, .source_history = &h, .keep_config = true};
	rw_error	err;
	listing_outcome out = LISTING_REFUSED;

	must(root != NULL, "could not make the scratch directory");
	pgdata = xasprintf("%s/data", root);
	outside = xasprintf("%s/outside", root);
	victim = xasprintf("%s/outside/victim", root);
	make_dir(root, "data");
	make_dir(root, "data/global");
	make_dir(root, "data/base");
	make_dir(root, "data/base/5");
	make_dir(root, "data/pg_tblspc");
	make_dir(root, "data/pg_wal");
	make_file(root, "data/base/5/1");
	make_dir(root, "outside");
	make_dir(root, "outside/victim");
	make_dir(root, "outside/victim/" FL_TSDIR);
	make_dir(root, "outside/victim/" FL_TSDIR "/5");
	make_file(root, "outside/victim/" FL_TSDIR "/5/1");
	make_dir(root, "outside/free");
	victim_before = print_tree(victim);

	tl_single(1, &h);
	blockmap_finish(map);
	parse_listing(data, size, outside, &src);
	must(file_list_local(pgdata, &tgt, &err), "could not list the scratch target");
	if (plan_build(&in, &src, &tgt, map, &p, &err))
	{
		check_plan(&p);
		if (!listing_tablespaces_free(&p, FL_TSDIR, &err))
			out = LISTING_REFUSED;
		else if (!confined(&p, outside))
			out = LISTING_NOT_CONFINED;
		else
		{
			bool		applied = apply_plan(&p, pgdata);

			check_confinement(&p, root, victim_before);
			out = applied ? LISTING_APPLIED : LISTING_APPLY_FAILED;
		}
		plan_free(&p);
	}
	blockmap_free(map);
	file_list_free(&src);
	file_list_free(&tgt);
	tl_free(&h);
	free(victim_before);
	remove_scratch(root);
	free(victim);
	free(outside);
	free(pgdata);
	return out;
}

int
fuzz_listing_one(const uint8_t *data, size_t size)
{
	(void) listing_trial(data, size);
	return 0;
}

FUZZ_ENTRY(fuzz_listing_one)

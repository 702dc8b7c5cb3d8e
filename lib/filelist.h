/*
 * A listing of a data directory: paths relative to its root, sorted.  The
 * walk of a local directory is src/source/filelist_local.h.
 */
#ifndef RW_FILELIST_H
#define RW_FILELIST_H

#include <stddef.h>
#include <stdint.h>

typedef enum file_type {
	FILE_TYPE_REGULAR,
	FILE_TYPE_DIRECTORY,
	FILE_TYPE_SYMLINK			/* tablespace link, or pg_wal as a link */
} file_type;

typedef struct file_entry {
	char	   *path;			/* "base/5/1259", no leading or trailing slash */
	file_type	type;
	uint64_t	size;			/* regular files only */
	char	   *link_target;	/* symlinks only: where it points */
} file_entry;

/* A block of the strings of a list's entries: a listing of 200,000 files
 * costs no malloc per path. */
typedef struct file_list_block file_list_block;

typedef struct file_list {
	file_entry *items;
	size_t		n;
	size_t		cap;
	file_list_block *strings;	/* newest first; items point into them */
} file_list;

/* A zeroed file_list is empty.  add copies path and link_target into the
 * list's own blocks; the list owns them until file_list_free. */
void		file_list_add(file_list *l, const char *path, file_type type,
						  uint64_t size, const char *link_target);
/* By path, bytewise (a sorted list is left as it is), and the array's
 * unused room given back: a list is sorted once complete. */
void		file_list_sort(file_list *l);
const file_entry *file_list_find(const file_list *l, const char *path);	/* after sort */
/*
 * After sort: drop every entry whose parent is not listed as a directory or
 * a link (nor kept itself), as if made after the listing; how many were
 * dropped.  A listing taken in parts can list a new directory's files
 * without the directory, which a listing in one walk cannot.
 */
size_t		file_list_drop_orphans(file_list *l);
void		file_list_free(file_list *l);

#endif

/*
 * Pure operations on path names (no file system access).
 */
#ifndef RW_PATHNAME_H
#define RW_PATHNAME_H

/*
 * The directory that holds path, malloc'd: "a/b/c" -> "a/b", "/a" -> "/",
 * "a" -> "." (the working directory, or the top of a relative tree).
 */
char	   *path_parent(const char *path);

#endif

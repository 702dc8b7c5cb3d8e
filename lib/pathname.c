/*
 * Path name operations (lib/pathname.h); pure, no I/O.
 */
#include "pathname.h"

#include <string.h>

#include "xalloc.h"

char *
path_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char	   *parent;

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	parent = xstrdup(path);
	parent[slash - path] = '\0';
	return parent;
}

/* out_file.c - see out_file.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "out_file.h"

int out_file_in_place(const char *path)
{
	struct stat st;

	return !stat(path, &st) && !S_ISREG(st.st_mode);
}

/* A link whose target does not exist: written through in place, which
 * creates the target and keeps the link. */
static int dangling_link(const char *path)
{
	struct stat st;

	return !lstat(path, &st) && S_ISLNK(st.st_mode) && stat(path, &st) &&
	       errno == ENOENT;
}

/* The file written in place, or the one a regular output replaces: path,
 * or the target of its link. */
static int final_name(struct out_file *o, const char *path, int in_place)
{
	char real[PATH_MAX];
	struct stat st;

	if (!in_place && !lstat(path, &st) && S_ISLNK(st.st_mode) && realpath(path, real))
		path = real;
	if (strlen(path) >= sizeof(o->path))
		return -ENAMETOOLONG;
	strcpy(o->path, path);
	return 0;
}

int out_file_open(struct out_file *o, const char *path, mode_t mode)
{
	int in_place = out_file_in_place(path) || dangling_link(path);
	int rc;

	o->fd = -1;
	o->tmp[0] = 0;
	if ((rc = final_name(o, path, in_place)))
		return rc;
	if (!in_place)
		snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%d", o->path, (int)getpid());
	o->fd = open(in_place ? o->path : o->tmp,
		     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (o->fd < 0) {
		rc = -errno;
		o->tmp[0] = 0;
	}
	return rc;
}

int out_file_close(struct out_file *o)
{
	int rc = 0;

	if (o->fd >= 0 && close(o->fd))
		rc = -errno;
	o->fd = -1;
	return rc;
}

int out_file_commit(struct out_file *o)
{
	int rc = out_file_close(o);

	if (!rc && o->tmp[0] && rename(o->tmp, o->path))
		rc = -errno;
	if (rc)
		out_file_discard(o);
	o->tmp[0] = 0;
	return rc;
}

void out_file_discard(struct out_file *o)
{
	out_file_close(o);
	if (o->tmp[0])
		unlink(o->tmp);
	o->tmp[0] = 0;
}

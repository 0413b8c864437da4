/* out_file.h - how every ctrail writer (the runtimes' snapshots, the
 * ctrail commands' outputs) opens an output path, so a reader never sees
 * half a file and a device is never replaced by one.
 *
 * A new path, or a regular file, is written as NAME.tmp.PID beside it and
 * renamed into place once whole; on any error the temporary is removed and
 * NAME is left as it was.  A symbolic link to a regular file is followed:
 * the temporary goes beside the link's target, which is what gets
 * replaced, and the link stays.  Anything else that exists - a device
 * (/dev/null, /dev/full), a FIFO, a socket, or a link to one such as
 * /proc/self/fd/1 - is opened and written in place (a FIFO waits for its
 * reader, as a shell redirection does): renaming over it would put a
 * regular file where the device or the link was.  Written in place, a
 * failed output may have been partly written; the caller says it failed.
 *
 * Plain system calls only: it runs inside traced programs. */
#ifndef OUT_FILE_H
#define OUT_FILE_H

#include <sys/types.h>

#define OUT_FILE_PATH_MAX 4096

struct out_file {
	int fd;                             /* -1 once closed */
	char path[OUT_FILE_PATH_MAX];       /* what is replaced or written */
	char tmp[OUT_FILE_PATH_MAX + 32];   /* "" when written in place */
};

/* 1 if path exists and is not a regular file once links are followed. */
int out_file_in_place(const char *path);
/* Opens the temporary (created with mode, less the umask) or the path
 * itself.  0 or a negative errno; nothing is left behind on error. */
int out_file_open(struct out_file *o, const char *path, mode_t mode);
/* Closes the descriptor if still open (whoever closed it, say fclose,
 * sets fd to -1).  0 or close's negative errno. */
int out_file_close(struct out_file *o);
/* Closes, then renames the temporary into place; on failure removes it.
 * 0 or a negative errno. */
int out_file_commit(struct out_file *o);
/* Closes and removes the temporary (the output failed). */
void out_file_discard(struct out_file *o);

#endif

/* ctrfile.c - what every .ctr file a runtime writes shares, whatever else
 * it holds (rings in libctrail, call counts in libctrail-count): the
 * output path with its %p/%n/%% patterns, the chunks describing the
 * process (PROCESS, CLOCK, one MODULE per object) and writing the file
 * through out_file.h: NAME.tmp.PID renamed into place, so no reader sees
 * half a file, or in place for a device, a FIFO or a link to one.
 *
 * struct process_chunks is a copy of those facts taken at one moment; it
 * owns its strings and module records until process_chunks_free(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctr_write.h"
#include "out_file.h"
#include "runtime.h"

/* Reads a whole small file such as /proc/self/cmdline. */
static char *file_read(const char *path, uint32_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (fd >= 0 && buf && (r = read(fd, buf + n, cap - n)) > 0) {
		n += r;
		if (n == cap && !(buf = realloc(buf, cap *= 2)))
			break;
	}
	if (fd >= 0)
		close(fd);
	*size = buf ? n : 0;
	return buf;
}

int process_chunks_take(struct process_chunks *p)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe));

	memset(p, 0, sizeof(*p));
	p->proc.pid = getpid();
	p->proc.ppid = getppid();
	p->exe = strndup(exe, n > 0 ? n : 0);
	p->proc.exe_size = n > 0 ? n : 0;
	p->cmdline = file_read("/proc/self/cmdline", &p->proc.cmdline_size);
	if (!p->exe || !p->cmdline || modules_copy(&p->mods, &p->nmods)) {
		process_chunks_free(p);
		return -ENOMEM;
	}
	clock_fill(&p->clock);
	return 0;
}

void process_chunks_free(struct process_chunks *p)
{
	modules_free(p->mods, p->nmods);
	free(p->exe);
	free(p->cmdline);
	memset(p, 0, sizeof(*p));
}

int process_chunks_write(struct ctr_writer *w, const struct process_chunks *p)
{
	struct iovec clock = { (void *)&p->clock, sizeof(p->clock) };
	int rc = ctr_write_process(w, &p->proc, p->exe, p->cmdline);

	if (!rc)
		rc = ctr_write_chunk(w, CTR_CHUNK_CLOCK, &clock, 1);
	for (uint32_t i = 0; !rc && i < p->nmods; i++) {
		const struct module_record *m = &p->mods[i];
		rc = ctr_write_module(w, &m->hdr, m->segs, m->build_id, m->path);
	}
	return rc;
}

/* Expands %p (pid), %n (files written so far) and %%. */
static int path_expand(const char *pattern, char *out, size_t size)
{
	static unsigned seq;
	size_t n = 0;
	unsigned this_seq = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);

	for (const char *p = pattern; *p; p++) {
		int w;
		if (*p == '%' && p[1] == 'p')
			w = snprintf(out + n, size - n, "%d", (int)getpid());
		else if (*p == '%' && p[1] == 'n')
			w = snprintf(out + n, size - n, "%u", this_seq);
		else if (*p == '%' && p[1] == '%')
			w = snprintf(out + n, size - n, "%%");
		else {
			w = snprintf(out + n, size - n, "%c", *p);
			p--;
		}
		p++;
		if (w < 0 || (size_t)w >= size - n)
			return -ENAMETOOLONG;
		n += w;
	}
	return 0;
}

int ctr_file_write(const char *pattern,
		   int (*body)(struct ctr_writer *w, const void *arg),
		   const void *arg)
{
	char final[OUT_FILE_PATH_MAX];
	struct ctr_writer w;
	struct out_file o;
	int rc;

	if ((rc = path_expand(pattern, final, sizeof(final))) ||
	    (rc = out_file_open(&o, final, 0644)))
		return rc;
	rc = ctr_writer_start(&w, o.fd);
	if (!rc)
		rc = body(&w, arg);
	if (!rc)
		rc = ctr_writer_end(&w);
	/* a regular file is on disk before it is renamed into place */
	if (!rc && o.tmp[0] && fsync(o.fd) && errno != EINVAL)
		rc = -errno;
	if (!rc)
		rc = out_file_commit(&o);
	else
		out_file_discard(&o);
	return rc;
}

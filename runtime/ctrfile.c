/* ctrfile.c - what every .ctr file a runtime writes shares, whatever else
 * it holds (rings in libctrail, call counts in libctrail-count): the
 * output path with its %p/%n/%% patterns, the chunks describing the
 * process (PROCESS, CLOCK, SYSINFO, one MODULE per object) and writing the file
 * as NAME.tmp.PID renamed into place, so no reader sees half a file.
 *
 * struct process_chunks is a copy of those facts taken at one moment; it
 * owns its strings and module records until process_chunks_free(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "ctr_write.h"
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

/* uname() into the SYSINFO payload; left empty if it fails. */
static void sysinfo_fill(struct ctr_sysinfo *s)
{
	struct utsname u;

	if (uname(&u))
		return;
	/* the fields are NUL terminated within 65 bytes on Linux */
	memcpy(s->sysname, u.sysname, sizeof(s->sysname));
	memcpy(s->nodename, u.nodename, sizeof(s->nodename));
	memcpy(s->release, u.release, sizeof(s->release));
	memcpy(s->version, u.version, sizeof(s->version));
	memcpy(s->machine, u.machine, sizeof(s->machine));
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
	sysinfo_fill(&p->sys);
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
	struct iovec sys = { (void *)&p->sys, sizeof(p->sys) };
	int rc = ctr_write_process(w, &p->proc, p->exe, p->cmdline);

	if (!rc)
		rc = ctr_write_chunk(w, CTR_CHUNK_CLOCK, &clock, 1);
	if (!rc && p->sys.sysname[0])
		rc = ctr_write_chunk(w, CTR_CHUNK_SYSINFO, &sys, 1);
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
	char final[4096], tmp[4096 + 32];
	struct ctr_writer w;
	int fd, rc;

	if ((rc = path_expand(pattern, final, sizeof(final))))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", final, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	rc = ctr_writer_start(&w, fd);
	if (!rc)
		rc = body(&w, arg);
	if (!rc)
		rc = ctr_writer_end(&w);
	if (!rc && fsync(fd) && errno != EINVAL)
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, final))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

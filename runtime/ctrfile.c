/* ctrfile.c - what every .ctr file a runtime writes shares, whatever else
 * it holds (rings in libctrail, call counts in libctrail-count): the
 * output path with its %p/%n/%% patterns, the chunks describing the
 * process (PROCESS, CLOCK, SYSINFO, one MODULE per object) and writing the file
 * through out_file.h: NAME.tmp.PID renamed into place, so no reader sees
 * half a file, or in place for a device, a FIFO or a link to one.
 *
 * struct process_chunks is a copy of those facts taken at one moment; it
 * owns its strings and module records until process_chunks_free().
 *
 * Exit: the process ends when its exiting thread is done with the exit
 * handlers, whatever other threads are doing, so a snapshot the SIGTRAP
 * helper was writing would be cut off and its temporary left behind.
 * Files are written one at a time under write_lock.  ctr_file_exit_wait()
 * waits until the SIGTRAPs received are answered, then records the exiting
 * thread and waits until the lock is free, up to CTRAIL_EXIT_WAIT in all,
 * and otherwise removes the temporary being written and says so.  From
 * then on only the exiting thread writes: another that takes the lock
 * later finds exit_tid set and gives up before opening anything, so no
 * file is begun that the process's end would cut. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
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

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
/* the file being written and its temporary ("" in place), under write_lock */
static char writing[OUT_FILE_PATH_MAX], writing_tmp[OUT_FILE_PATH_MAX + 32];
static pid_t exit_tid;  /* the exiting thread once it waited, 0 before */
static int exit_gave_up;                     /* nothing is written any more */
static struct timespec exit_deadline;        /* CLOCK_REALTIME, for timedlock */

/* Takes write_lock: 0, or -ECANCELED for a thread other than the exiting
 * one, and for every thread once exit gave up (it said why). */
static int write_enter(void)
{
	pid_t exiting = __atomic_load_n(&exit_tid, __ATOMIC_ACQUIRE);

	if ((exiting && exiting != gettid()) || __atomic_load_n(&exit_gave_up, __ATOMIC_ACQUIRE))
		return -ECANCELED;
	if (exiting)
		return pthread_mutex_timedlock(&write_lock, &exit_deadline) ? -ECANCELED : 0;
	pthread_mutex_lock(&write_lock);
	/* exit may have begun while we waited for the lock */
	exiting = __atomic_load_n(&exit_tid, __ATOMIC_ACQUIRE);
	if (exiting && exiting != gettid()) {
		pthread_mutex_unlock(&write_lock);
		return -ECANCELED;
	}
	return 0;
}

static void write_leave(void)
{
	writing[0] = writing_tmp[0] = 0;
	pthread_mutex_unlock(&write_lock);
}

int ctr_file_write(const char *pattern,
		   int (*body)(struct ctr_writer *w, const void *arg),
		   const void *arg)
{
	char final[OUT_FILE_PATH_MAX];
	struct ctr_writer w;
	struct out_file o;
	int rc;

	if ((rc = path_expand(pattern, final, sizeof(final))) || (rc = write_enter()))
		return rc;
	if ((rc = out_file_open(&o, final, 0644))) {
		write_leave();
		record_status(final, rc);
		return rc;
	}
	strcpy(writing, o.path);
	strcpy(writing_tmp, o.tmp);
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
	write_leave();
	record_status(final, rc);
	return rc;
}

static int before(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec < deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec < deadline->tv_nsec);
}

void ctr_file_exit_wait(void)
{
	struct timespec tick = { 0, 1000000 };
	char path[sizeof(writing)], tmp[sizeof(writing_tmp)];
	int done;

	if (__atomic_load_n(&exit_tid, __ATOMIC_ACQUIRE))
		return;
	clock_gettime(CLOCK_REALTIME, &exit_deadline);
	exit_deadline.tv_nsec += config.exit_wait_ns % 1000000000;
	exit_deadline.tv_sec += config.exit_wait_ns / 1000000000 +
		exit_deadline.tv_nsec / 1000000000;
	exit_deadline.tv_nsec %= 1000000000;
	while (sigtrap_busy() && before(&exit_deadline))
		nanosleep(&tick, NULL);
	__atomic_store_n(&exit_tid, gettid(), __ATOMIC_RELEASE);
	done = !pthread_mutex_timedlock(&write_lock, &exit_deadline);
	if (done)
		pthread_mutex_unlock(&write_lock);
	if (done && !sigtrap_busy())
		return;
	__atomic_store_n(&exit_gave_up, 1, __ATOMIC_RELEASE);
	/* read without the lock its holder keeps: the strings are set before
	 * the long part of the write and cleared after it; if the writer
	 * finished meanwhile, its temporary is gone and so is the problem */
	memcpy(path, writing, sizeof(path));
	memcpy(tmp, writing_tmp, sizeof(tmp));
	path[sizeof(path) - 1] = tmp[sizeof(tmp) - 1] = 0;
	if (*tmp && unlink(tmp))
		return;
	fprintf(stderr, "ctrail: exiting without the snapshot %s%s (not done after %.3gs, "
		"CTRAIL_EXIT_WAIT); nothing more is written\n",
		*path ? "being written to " : "asked for by SIGTRAP", path,
		config.exit_wait_ns / 1e9);
}

void ctr_file_after_fork(void)
{
	pthread_mutex_init(&write_lock, NULL);
	writing[0] = writing_tmp[0] = 0;
	exit_tid = 0;
	exit_gave_up = 0;
}

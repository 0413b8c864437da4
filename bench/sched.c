/* sched.c - what collecting the kernel's scheduling events costs: the CPU
 * time of the runtime's reader thread (ctrail-sched) per thousand events.
 *
 * Two threads ping-pong a byte over two pipes for ROUND_TRIPS round trips;
 * each trip makes context switches and wakeups the kernel records in our
 * ftrace instance.  The reader thread's CPU time is read from its
 * per-thread CPU clock before and after, and the events are counted from a
 * snapshot of the same window (its SCHED chunk, format/ctr.h).  The idle
 * cost (the reader waking every 20 ms to find nothing) is measured over
 * the same wall time without traffic.  Needs a writable tracefs; prints
 * why not and exits 0 without.  Re-executes itself once with
 * CTRAIL_SCHED_EVENTS large enough that no event of the window is
 * overwritten before it is counted. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ctr.h"
#include "ctrail.h"

#define ROUND_TRIPS 100000
#define RING_EVENTS "1048576"

static int ping[2], pong[2];

static void *ponger(void *arg)
{
	char c;

	while (read(ping[0], &c, 1) == 1 && c)
		if (write(pong[1], &c, 1) != 1)
			break;
	return arg;
}

/* The tid of the thread named name, or 0. */
static pid_t thread_named(const char *name)
{
	char path[300], comm[32];
	struct dirent *d;
	DIR *dp = opendir("/proc/self/task");
	pid_t tid = 0;

	while (dp && !tid && (d = readdir(dp))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", d->d_name);
		if ((f = fopen(path, "r"))) {
			if (fgets(comm, sizeof(comm), f) && !strncmp(comm, name, strlen(name)))
				tid = atoi(d->d_name);
			fclose(f);
		}
	}
	if (dp)
		closedir(dp);
	return tid;
}

/* CPU time of another thread of ours: the kernel's per-thread CPU clock id
 * for a tid (what pthread_getcpuclockid computes from a pthread_t). */
static double thread_cpu_ms(pid_t tid)
{
	clockid_t id = ((~(clockid_t)tid) << 3) | 6;
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Events and losses in the SCHED chunk of the .ctr file at path. */
static int sched_counts(const char *path, uint64_t *events, uint64_t *lost)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	const uint8_t *p, *end;
	size_t off = sizeof(struct ctr_file_header);

	if (fd < 0 || fstat(fd, &st))
		return -1;
	p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	end = p + st.st_size;
	while (p + off + sizeof(struct ctr_chunk_header) <= end) {
		const struct ctr_chunk_header *h = (const void *)(p + off);
		if (h->tag == CTR_CHUNK_SCHED) {
			const struct ctr_sched *s = (const void *)(h + 1);
			*events = s->nevents;
			*lost = s->lost;
			return 0;
		}
		off += sizeof(*h) + ((h->size + 7) & ~UINT64_C(7));
	}
	return -1;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/ctrail-bench-sched.XXXXXX";
	struct ctrail_snapshot *snap;
	uint64_t start, events = 0, lost = 0;
	double cpu0, cpu1, t0, t1, idle0;
	pthread_t t;
	pid_t reader;
	int rc, fd;
	char c = 1;

	if (!getenv("CTRAIL_SCHED_EVENTS")) {
		setenv("CTRAIL_SCHED_EVENTS", RING_EVENTS, 1);
		execv("/proc/self/exe", argv);
	}
	if ((rc = ctrail_sched_start()) < 0) {
		printf("scheduling events unavailable: %s (needs a writable tracefs)\n",
		       strerror(-rc));
		return 0;
	}
	/* the reader names itself once it runs: wait for it (up to 1 s) */
	for (int i = 0; i < 1000 && !(reader = thread_named("ctrail-sched")); i++)
		usleep(1000);
	if (!reader || pipe(ping) || pipe(pong) ||
	    pthread_create(&t, NULL, ponger, NULL))
		return 1;

	/* idle: the reader's polling alone, for about as long as the run */
	idle0 = thread_cpu_ms(reader);
	usleep(1000000);
	double idle_ms = thread_cpu_ms(reader) - idle0;

	start = ctrail_now();
	cpu0 = thread_cpu_ms(reader);
	t0 = wall_ms();
	for (int i = 0; i < ROUND_TRIPS; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			return 1;
	t1 = wall_ms();
	usleep(50000); /* the reader's last regular pass */
	cpu1 = thread_cpu_ms(reader);
	c = 0;
	if (write(ping[1], &c, 1) != 1)
		return 1;
	pthread_join(t, NULL);

	snap = ctrail_snapshot_take(start);
	if ((fd = mkstemp(path)) < 0 || !snap || ctrail_snapshot_write(snap, path) ||
	    sched_counts(path, &events, &lost))
		return 1;
	close(fd);
	unlink(path);
	ctrail_snapshot_free(snap);

	printf("%d round trips over pipes in %.0f ms: %llu scheduling events "
	       "(%.0f per second), %llu lost\n", ROUND_TRIPS, t1 - t0,
	       (unsigned long long)events, events / ((t1 - t0) / 1e3),
	       (unsigned long long)lost);
	printf("reader thread: %.1f ms CPU = %.1f us per 1000 events "
	       "(%.2f%% of one CPU during the run)\n", cpu1 - cpu0,
	       events ? (cpu1 - cpu0) * 1e3 / (events / 1e3) : 0.0,
	       100 * (cpu1 - cpu0) / (t1 - t0 + 50));
	printf("reader thread idle: %.2f ms CPU per second\n", idle_ms);
	return 0;
}

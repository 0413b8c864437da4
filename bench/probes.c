/* probes.c - what a function probed with uprobes (CTRAIL_PROBES) costs,
 * and how many probe events survive a storm.
 *
 * The program re-executes itself with CTRAIL_PROBES naming its own
 * probed() (so libctrail probes it as it starts) and a probe ring big
 * enough for every event of the storm.  Then:
 *   - CALLS calls of plain() (the same body, not probed) and of probed()
 *     are timed; the difference per call is the cost of one probed call
 *     and return (two traps into the kernel: uprobe and uretprobe);
 *   - STORM_THREADS threads call probed() as fast as they can for
 *     STORM_MS; a snapshot of that window says how many entry and return
 *     events were recorded and how many the kernel or the ring lost, read
 *     with the decoder's reader.
 * Needs a writable tracefs: says why not and exits 0 without one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ctrail.h"
#include "reader.h"

#define CALLS 200000
#define STORM_THREADS 2
#define STORM_MS 500
#define RING_EVENTS "4194304"

static volatile int sink;
static volatile int storming;

__attribute__((noinline)) void plain(int x) { sink += x; }
__attribute__((noinline)) void probed(int x) { sink += x; }

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double per_call_ns(void (*f)(int))
{
	double t0 = now_ns();

	for (int i = 0; i < CALLS; i++)
		f(i);
	return (now_ns() - t0) / CALLS;
}

static void *storm(void *arg)
{
	unsigned long *calls = arg;

	while (storming) {
		probed(1);
		(*calls)++;
	}
	return NULL;
}

/* Is there a tracefs we may make instances in? */
static int tracefs_writable(void)
{
	const char *root = getenv("CTRAIL_TRACEFS");
	char dir[1200];
	int ok;

	snprintf(dir, sizeof(dir), "%s/instances/ctrail_bench_%d",
		 root && *root ? root : "/sys/kernel/tracing", (int)getpid());
	if ((ok = !mkdir(dir, 0700)))
		rmdir(dir);
	else
		printf("uprobes unavailable: %s: %s (needs a writable tracefs)\n", dir,
		       strerror(errno));
	return ok;
}

/* Events and losses in the PROBES chunk of a snapshot of the storm. */
static int storm_counts(uint64_t since, uint64_t *events, uint64_t *lost)
{
	char path[] = "/tmp/ctrail-bench-probes.XXXXXX";
	struct ctrail_snapshot *snap = ctrail_snapshot_take(since);
	struct reader r;
	int fd = mkstemp(path), rc = -1;

	if (fd >= 0 && snap && !ctrail_snapshot_write(snap, path) && !reader_open(&r, path)) {
		if (r.snapshots[0].probes_hdr) {
			*events = r.snapshots[0].probes_hdr->nevents;
			*lost = r.snapshots[0].probes_hdr->lost;
			rc = 0;
		}
		reader_close(&r);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	ctrail_snapshot_free(snap);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long calls[STORM_THREADS] = { 0 }, total = 0;
	pthread_t t[STORM_THREADS];
	uint64_t since, events = 0, lost = 0;
	double base, cost;

	if (!getenv("CTRAIL_PROBES")) {
		if (!tracefs_writable())
			return 0;
		setenv("CTRAIL_PROBES", "probed", 1);
		setenv("CTRAIL_PROBE_EVENTS", RING_EVENTS, 1);
		execv("/proc/self/exe", argv);
		return 1;
	}
	per_call_ns(probed); /* first hits fault the breakpoint pages in */
	base = per_call_ns(plain);
	cost = per_call_ns(probed) - base;
	printf("probed call+return: %.0f ns more than an unprobed call (%.1f ns): "
	       "two traps into the kernel\n", cost, base);

	since = ctrail_now();
	storming = 1;
	for (int i = 0; i < STORM_THREADS; i++)
		pthread_create(&t[i], NULL, storm, &calls[i]);
	usleep(STORM_MS * 1000);
	storming = 0;
	for (int i = 0; i < STORM_THREADS; i++) {
		pthread_join(t[i], NULL);
		total += calls[i];
	}
	usleep(50000); /* the reader's last regular pass */
	if (storm_counts(since, &events, &lost))
		return 1;
	printf("probe storm, %d threads for %d ms: %lu calls = %lu events expected "
	       "(%.0f per second), %llu recorded, %llu reported lost, %lld missing\n",
	       STORM_THREADS, STORM_MS, total, 2 * total, 2 * total / (STORM_MS / 1e3),
	       (unsigned long long)events, (unsigned long long)lost,
	       (long long)(2 * total) - (long long)events);
	return 0;
}

/* snapshot.c - what a full snapshot (SIGTRAP) costs the traced program: for
 * 1, 50 and 500 threads, busy or idle, the time from raise(SIGTRAP) until
 * the file is in place, the peak memory it took on top of the rings, and
 * the pause each thread sees.
 *
 * Each case runs in a fresh child process (this program re-executed), so
 * its peak RSS (VmHWM) is its own.  A busy thread fills its ring (default
 * 4 MiB) with traced calls, then keeps calling a traced function every
 * few microseconds (so its ring holds the whole snapshot's time); an idle thread makes one call and blocks; one more
 * paced "probe" thread runs in every case.  The child raises SIGTRAP,
 * polls for the file, and reads VmHWM: peak extra = VmHWM after - VmRSS
 * before (the rings are resident already).  Then it parks every thread
 * (blocked, so its ring stays) and takes a second
 * snapshot of the events since the first began and reads it back
 * (decoder/read/reader.c): "hole", the longest stretch of the first
 * snapshot's writing in which no thread recorded anything (what pausing
 * every thread for the copy used to cost: recording stopped), and for each
 * thread the longest gap between two of its events then ("gap", median
 * and max over the threads: busy threads outnumbering the CPUs also wait
 * their turn, and the writer takes a CPU).  A case that takes longer than
 * LIMIT_S is killed and reported as such.
 *
 * Figures only: nothing is asserted.  usage: snapshot [THREADS KIND]... */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "call_loops.h"
#include "ctrail.h"
#include "reader.h"

#define LIMIT_S 180
#define RING_CALLS (4 << 20) / 32 /* calls (2 events of 16 bytes) filling 4 MiB */

static int block_pipe[2];
static volatile int stop;
static int ready, parked;

/* Waits for ever (until the process ends). */
static void *park(void)
{
	char c;

	__atomic_add_fetch(&parked, 1, __ATOMIC_RELAXED);
	return read(block_pipe[0], &c, 1) ? NULL : NULL;
}

static void pace(void)
{
	for (volatile int i = 0; i < 5000; i++)
		;
}

static void *busy(void *fill)
{
	if (fill)
		loop_fentry(RING_CALLS);
	__atomic_add_fetch(&ready, 1, __ATOMIC_RELAXED);
	while (!stop) {
		loop_fentry(1);
		pace();
	}
	return park();
}

static void *idle(void *arg)
{
	loop_fentry(1);
	__atomic_add_fetch(&ready, 1, __ATOMIC_RELAXED);
	return park();
}

/* A field of /proc/self/status, in KiB. */
static long status_kib(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = atol(line + strlen(field) + 1);
	if (f)
		fclose(f);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&t, &t))
		;
}

/* The longest gap between consecutive events of t stamped in [from, to]. */
static uint64_t longest_gap(const struct reader_thread *t, uint64_t from, uint64_t to)
{
	uint64_t prev = 0, gap = 0;

	for (uint64_t i = 0; i < t->hdr->nevents; i++) {
		uint64_t tsc = CTR_SLOT_TSC(t->events[i].tsc);
		if (tsc < from || tsc > to)
			continue;
		if (prev && tsc - prev > gap)
			gap = tsc - prev;
		prev = tsc;
	}
	return gap;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median and max over the threads of their longest gap in [from, to], ms. */
static void gaps(const struct reader_snapshot *s, uint64_t from, uint64_t to,
		 double hz, double *median, double *max)
{
	uint64_t *g = calloc(s->nthreads + 1, sizeof(*g));
	size_t n = 0;

	for (size_t i = 0; i < s->nthreads; i++)
		if ((g[n] = longest_gap(&s->threads[i], from, to)))
			n++;
	qsort(g, n, sizeof(*g), cmp_u64);
	*median = n ? g[n / 2] * 1e3 / hz : 0;
	*max = n ? g[n - 1] * 1e3 / hz : 0;
	free(g);
}

#define BIN_US 20

/* The longest stretch of [from, to] in which no thread has an event, ms
 * (to BIN_US microseconds). */
static double hole(const struct reader_snapshot *s, uint64_t from, uint64_t to, double hz)
{
	uint64_t bin = hz * BIN_US / 1e6, nbins = (to - from) / bin + 1, run = 0, longest = 0;
	char *seen = calloc(nbins, 1);

	for (size_t i = 0; seen && i < s->nthreads; i++)
		for (uint64_t e = 0; e < s->threads[i].hdr->nevents; e++) {
			uint64_t tsc = CTR_SLOT_TSC(s->threads[i].events[e].tsc);
			if (tsc >= from && tsc <= to)
				seen[(tsc - from) / bin] = 1;
		}
	for (uint64_t b = 0; seen && b < nbins; b++) {
		run = seen[b] ? 0 : run + 1;
		if (run > longest)
			longest = run;
	}
	free(seen);
	return longest * BIN_US / 1e3;
}

static int child(int nthreads, int is_busy, const char *dir)
{
	char out[4096], again[4096];
	pthread_attr_t attr;
	pthread_t th;
	struct reader r;
	double hz = ctrail_ticks_per_second(), med, max;
	uint64_t t0, t1;
	long rss0, hwm1;

	snprintf(out, sizeof(out), "%s/snap.ctr", dir);
	snprintf(again, sizeof(again), "%s/again.ctr", dir);
	if (pipe(block_pipe))
		return 1;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	for (int i = 0; i < nthreads; i++)
		pthread_create(&th, &attr, is_busy ? busy : idle, (void *)1);
	pthread_create(&th, &attr, busy, NULL); /* the probe */
	while (__atomic_load_n(&ready, __ATOMIC_RELAXED) < nthreads + 1)
		sleep_ms(1);
	sleep_ms(200);
	rss0 = status_kib("VmRSS");
	t0 = ctrail_now();
	raise(SIGTRAP);
	while (access(out, F_OK))
		sleep_ms(1);
	t1 = ctrail_now();
	hwm1 = status_kib("VmHWM");
	/* the second snapshot is the API's, at normal priority: not among
	 * 500 busy threads */
	stop = 1;
	while (__atomic_load_n(&parked, __ATOMIC_RELAXED) < nthreads + 1)
		sleep_ms(1);
	struct ctrail_snapshot *s = ctrail_snapshot_take(t0);
	if (!s || ctrail_snapshot_write(s, again) || reader_open(&r, again)) {
		fprintf(stderr, "snapshot: cannot take or read the second snapshot\n");
		return 1;
	}
	ctrail_snapshot_free(s);
	gaps(&r.snapshots[0], t0, t1, hz, &med, &max);
	printf("%7d  %-4s  %11.1f  %9.1f  %7.2f  %7.2f %7.2f\n", nthreads,
	       is_busy ? "busy" : "idle", (t1 - t0) * 1e3 / hz, (hwm1 - rss0) / 1024.0,
	       hole(&r.snapshots[0], t0, t1, hz), med, max);
	fflush(stdout);
	reader_close(&r);
	return 0;
}

static void run_case(const char *self, const char *threads, const char *kind)
{
	char dir[] = "/tmp/ctrail-bench-snapshot.XXXXXX", out[64], cmd[128];
	int status;
	pid_t pid;

	if (!mkdtemp(dir))
		return;
	snprintf(out, sizeof(out), "%s/snap.ctr", dir);
	if (!(pid = fork())) {
		setenv("CTRAIL_OUTPUT", out, 1);
		alarm(LIMIT_S);
		execl(self, self, "child", threads, kind, dir, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		printf("%7s  %-4s  did not finish within %d s\n", threads, kind, LIMIT_S);
	fflush(stdout);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "snapshot: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	static const char *const cases[] = { "1", "busy", "1", "idle", "50", "busy",
					     "50", "idle", "500", "busy", "500", "idle" };
	const char *const *list = cases;
	size_t n = sizeof(cases) / sizeof(*cases);

	if (argc == 5 && !strcmp(argv[1], "child"))
		return child(atoi(argv[2]), !strcmp(argv[3], "busy"), argv[4]);
	if (argc > 2) {
		list = (const char *const *)argv + 1;
		n = (argc - 1) & ~1;
	}
	printf("full snapshot on SIGTRAP (4 MiB rings; a probe thread besides; times in ms)\n");
	printf("threads  kind  snapshot_ms  extra_MiB  hole_ms  gap_ms med/max\n");
	fflush(stdout);
	for (size_t i = 0; i + 1 < n; i += 2)
		run_case("/proc/self/exe", list[i], list[i + 1]);
	return 0;
}

/* stacks.c - what taking every live thread's stack costs a snapshot
 * (runtime/stackcap.c): the time ctrail_snapshot_take() takes, per thread,
 * with CTRAIL_STACK_BYTES=0 (off), 32K and 64K (the default), and the bytes
 * the STACK chunks add to the file.
 *
 * The program re-executes itself once per setting and thread count (the
 * runtime reads the setting once, at start).  A run starts N threads that
 * recurse 20 calls deep and then wait on a condition variable (idle
 * threads, as in a server) - or spin, for "busy" - takes one snapshot to
 * warm up, then SNAPSHOTS more, and prints the mean time of one and the
 * size of one written to a file.  The parent prints, per thread count,
 * the time each setting adds per thread over "off": the pause of one
 * thread is at most that (the signal's round trip, the handler's copy and
 * the copy out).  Figures from a loaded machine vary; compare within one
 * run. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "ctrail.h"

#define SNAPSHOTS 50
#define DEPTH 20

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stop, started, busy;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * UINT64_C(1000000000) + t.tv_nsec;
}

static __attribute__((noinline)) void deep(int n)
{
	if (n > 0) {
		deep(n - 1);
		__asm__ volatile("" ::: "memory");
		return;
	}
	pthread_mutex_lock(&lock);
	started++;
	pthread_cond_broadcast(&cond);
	while (!stop && !busy)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		;
}

static void *thread_main(void *arg)
{
	deep(DEPTH);
	return arg;
}

/* One run: N threads, SNAPSHOTS snapshots; prints "us bytes". */
static int run(int n)
{
	pthread_t *th = calloc(n, sizeof(*th));
	char path[64];
	struct ctrail_snapshot *s;
	struct stat st;
	uint64_t t0, spent = 0;

	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, thread_main, NULL);
	pthread_mutex_lock(&lock);
	while (started < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	ctrail_snapshot_free(ctrail_snapshot_take(0));
	for (int i = 0; i < SNAPSHOTS; i++) {
		t0 = now_ns();
		s = ctrail_snapshot_take(0);
		spent += now_ns() - t0;
		if (i < SNAPSHOTS - 1)
			ctrail_snapshot_free(s);
	}
	snprintf(path, sizeof(path), "/tmp/ctrail-bench-stacks.%d.ctr", (int)getpid());
	if (ctrail_snapshot_write(s, path) || stat(path, &st))
		return 1;
	unlink(path);
	ctrail_snapshot_free(s);
	pthread_mutex_lock(&lock);
	stop = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	printf("%.1f %lld\n", spent / 1e3 / SNAPSHOTS, (long long)st.st_size);
	return 0;
}

/* Runs self with the setting; reads back "us bytes". */
static int child(const char *self, const char *bytes, int n, const char *kind,
		 double *us, long long *size)
{
	char arg[16], line[64];
	int fd[2], status;
	pid_t pid;
	FILE *in;

	snprintf(arg, sizeof(arg), "%d", n);
	if (pipe(fd) || (pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		setenv("CTRAIL_STACK_BYTES", bytes, 1);
		execl(self, self, arg, kind, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	in = fdopen(fd[0], "r");
	if (!fgets(line, sizeof(line), in) || sscanf(line, "%lf %lld", us, size) != 2)
		*us = -1;
	fclose(in);
	waitpid(pid, &status, 0);
	return *us < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const char *const settings[] = { "0", "32K", "64K" };
	static const int counts[] = { 1, 4, 16, 64 };

	if (argc == 3) {
		busy = !strcmp(argv[2], "busy");
		return run(atoi(argv[1]));
	}
	printf("ctrail_snapshot_take() with every thread's stack (loaded machine: compare within a run)\n");
	printf("%-6s %7s | %9s %9s | %9s %9s | %9s %9s\n", "kind", "threads", "off us",
	       "bytes", "32K us/th", "+bytes", "64K us/th", "+bytes");
	for (int k = 0; k < 2; k++)
		for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			const char *kind = k ? "busy" : "idle";
			int n = counts[c];
			double us[3];
			long long size[3];

			if (k && n > 4)
				continue; /* more spinning threads than CPUs measure the scheduler */
			for (int i = 0; i < 3; i++)
				if (child(argv[0], settings[i], n, kind, &us[i], &size[i]))
					return 1;
			printf("%-6s %7d | %9.1f %9lld | %9.1f %9lld | %9.1f %9lld\n", kind, n,
			       us[0], size[0], (us[1] - us[0]) / (n + 1), size[1] - size[0],
			       (us[2] - us[0]) / (n + 1), size[2] - size[0]);
		}
	return 0;
}

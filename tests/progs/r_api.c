/* Exercises the snapshot API; argv[1] picks the scenario, argv[2] is the
 * output path where one is needed. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))

volatile int sink;
NOINLINE void leaf(void) { sink++; }
NOINLINE void phase_one(void) { leaf(); }
NOINLINE void phase_two(void) { leaf(); }
NOINLINE void hidden(void) { sink++; }

/* Only the events after the time read between the two phases. */
static int since(const char *path)
{
	phase_one();
	uint64_t t = ctrail_now();
	phase_two();
	struct ctrail_snapshot *s = ctrail_snapshot_take(t);
	int rc = s ? ctrail_snapshot_write(s, path) : -errno;
	ctrail_snapshot_free(s);
	return rc;
}

/* 100000 calls into a 4 KiB ring (256 events). */
static int wrap(const char *path)
{
	for (int i = 0; i < 100000; i++)
		leaf();
	return ctrail_pause_and_write(path);
}

/* Calls made while paused (process or thread) are not recorded. */
static int pause_resume(const char *path)
{
	ctrail_pause();
	hidden();
	ctrail_resume();
	phase_one();
	ctrail_thread_pause();
	hidden();
	ctrail_thread_resume();
	phase_two();
	return ctrail_pause_and_write(path);
}

/* A new ring drops what the thread had. */
static int ring_size(const char *path)
{
	phase_one();
	if (ctrail_thread_set_ring_size(0) != -EINVAL)
		return -100;
	int rc = ctrail_thread_set_ring_size(64 << 10);
	if (rc)
		return rc;
	phase_two();
	return ctrail_pause_and_write(path);
}

static int spinning;

static void *spin(void *arg)
{
	phase_one();
	__atomic_add_fetch(&spinning, 1, __ATOMIC_SEQ_CST);
	for (;;)
		phase_one();
	return NULL;
}

/* Threads keep calling until SIGTRAP's snapshot appears at argv[2]. */
static int sigtrap(const char *path)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, spin, NULL);
	while (__atomic_load_n(&spinning, __ATOMIC_SEQ_CST) < 2)
		usleep(1000);
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < 1000 && access(path, F_OK); i++)
		usleep(10000);
	return access(path, F_OK) ? -ETIMEDOUT : 0;
}

static int bad_path(const char *path)
{
	phase_one();
	int rc = ctrail_pause_and_write("/nonexistent-dir/x.ctr");
	printf("%s\n", strerror(-rc));
	return rc == -ENOENT ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(const char *);
	} cases[] = {
		{ "since", since }, { "wrap", wrap }, { "pause", pause_resume },
		{ "ring-size", ring_size }, { "sigtrap", sigtrap }, { "bad-path", bad_path },
	};
	for (unsigned i = 0; argc > 1 && i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!strcmp(argv[1], cases[i].name)) {
			int rc = cases[i].fn(argc > 2 ? argv[2] : NULL);
			if (rc)
				fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
			return rc ? 1 : 0;
		}
	fprintf(stderr, "usage: r_api since|wrap|pause|ring-size|sigtrap|bad-path [PATH]\n");
	return 2;
}

/* p_load.c - threads under load for tests/e2e/snapshot.sh.
 *   p_load exit THREADS MS
 *       THREADS threads call outer() (16 quick() calls) as fast as they
 *       can; after MS ms main raises SIGTRAP and returns at once.
 *   p_load twice THREADS MS FILE0 FILE1
 *       THREADS threads named "slow" each log a counter "seq" (1, 2, 3...)
 *       before every call of work(), which takes a few microseconds, so a
 *       ring holds seconds of them and any event missing from the middle
 *       of a ring shows as a jump in seq; 800 idle threads make a snapshot
 *       long.  After MS ms main raises SIGTRAP, waits for FILE0, raises it
 *       again at once, waits for FILE1 and returns. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ctrail.h"

#define IDLE 800

static volatile int sink;
static int idle_pipe[2];

__attribute__((noinline)) void quick(int i)
{
	sink += i;
}

__attribute__((noinline)) void outer(void)
{
	for (int i = 0; i < 16; i++)
		quick(i);
}

__attribute__((noinline)) void work(void)
{
	for (int i = 0; i < 8000; i++)
		sink += i;
}

static void *busy(void *arg)
{
	for (;;)
		outer();
	return NULL;
}

static void *slow(void *arg)
{
	pthread_setname_np(pthread_self(), "slow");
	for (int64_t seq = 1;; seq++) {
		CTRAIL_COUNTER("seq", seq);
		work();
	}
	return NULL;
}

static void *idle(void *arg)
{
	char c;

	quick(0);
	return read(idle_pipe[0], &c, 1) ? NULL : NULL;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&t, &t))
		;
}

static void wait_for(const char *path)
{
	for (int i = 0; i < 3000 && access(path, F_OK); i++)
		sleep_ms(10);
}

static void start(void *(*fn)(void *), int n)
{
	pthread_attr_t attr;
	pthread_t th;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (int i = 0; i < n; i++)
		pthread_create(&th, &attr, fn, NULL);
}

int main(int argc, char **argv)
{
	int twice = !strcmp(argv[1], "twice");
	int n = atoi(argv[2]);

	if (twice) {
		if (pipe(idle_pipe))
			return 1;
		start(idle, IDLE);
	}
	start(twice ? slow : busy, n);
	sleep_ms(atol(argv[3]));
	raise(SIGTRAP);
	if (!twice)
		return 0;
	wait_for(argv[4]);
	raise(SIGTRAP);
	wait_for(argv[5]);
	return 0;
}

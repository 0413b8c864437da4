/* o_race.c - stack capture against what runs beside it (tests/e2e/
 * stacks.sh), for argv[2] seconds: two threads take snapshots in a loop
 * (so requests take turns on the one request slot), while workers call
 * traced functions, block and unblock the runtime's stack signal (late
 * answers, timeouts) and exit to be replaced by new ones (threads leaving
 * while asked).  Every 50th snapshot of each taker is written to
 * argv[1]-T-N.ctr.  Must neither crash nor hang. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ctrail.h>

#define WORKERS 4
#define NOINLINE __attribute__((noinline))

static volatile int stop;
static const char *prefix;
volatile int sink;

NOINLINE void tiny(int i) { sink += i; }

NOINLINE void work(int depth, int masked)
{
	sigset_t set;

	if (depth > 0) {
		work(depth - 1, masked);
		return;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGRTMAX - 1);
	if (masked)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < 2000; i++)
		tiny(i);
	if (masked)
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static void *worker(void *arg)
{
	long id = (long)arg;

	for (int round = 0; round < 20 && !stop; round++)
		work(8, (round + id) % 3 == 0);
	return arg;
}

static void *taker(void *arg)
{
	long id = (long)arg;
	char path[4096];

	for (int n = 0; !stop; n++) {
		struct ctrail_snapshot *s = ctrail_snapshot_take(0);
		if (!s)
			exit(3);
		if (n % 50 == 0) {
			snprintf(path, sizeof(path), "%s-%ld-%d.ctr", prefix, id, n);
			if (ctrail_snapshot_write(s, path))
				exit(4);
		}
		ctrail_snapshot_free(s);
	}
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t takers[2], workers[WORKERS];
	struct timespec t0, now;

	if (argc < 3)
		return 2;
	prefix = argv[1];
	for (long i = 0; i < 2; i++)
		pthread_create(&takers[i], NULL, taker, (void *)i);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < WORKERS; i++)
		pthread_create(&workers[i], NULL, worker, (void *)i);
	do {
		/* a worker that finished is replaced: threads come and go */
		for (long i = 0; i < WORKERS; i++)
			if (!pthread_tryjoin_np(workers[i], NULL))
				pthread_create(&workers[i], NULL, worker, (void *)i);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - t0.tv_sec < atoi(argv[2]));
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(takers[i], NULL);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(workers[i], NULL);
	return 0;
}

/* count.c - what counting calls costs (libctrail-count): the extra ns per
 * counted call+return in each instrumentation mode, with one thread and
 * with two threads calling the same function at once (so both hit one
 * counter).  Linked twice by bench/build.mk: `count` with the library's
 * one table, `count-percpu` with per-CPU tables (COUNT_TABLES=8).
 *
 * The callees are bench/overhead_callee.c's, compiled once per mode; each
 * figure is the best of REPS runs minus the same loop uninstrumented.
 * Prints figures; asserts nothing. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "call_loops.h"

#define MAX_THREADS 2

struct run {
	int (*loop)(int);
	pthread_barrier_t *start;
};

static void *body(void *arg)
{
	struct run *r = arg;

	pthread_barrier_wait(r->start);
	return (void *)(long)r->loop(CALLS);
}

/* ns per call in each of `threads` threads running loop(CALLS) at once:
 * the best wall time over REPS runs, divided by CALLS. */
static double per_call(int (*loop)(int), int threads)
{
	double best = 1e30;

	for (int rep = 0; rep < REPS; rep++) {
		pthread_barrier_t start;
		struct run r = { loop, &start };
		pthread_t t[MAX_THREADS];
		double t0;

		pthread_barrier_init(&start, NULL, threads + 1);
		for (int i = 0; i < threads; i++)
			if (pthread_create(&t[i], NULL, body, &r)) {
				perror("pthread_create");
				exit(1);
			}
		pthread_barrier_wait(&start);
		t0 = now_ns();
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		t0 = (now_ns() - t0) / CALLS;
		pthread_barrier_destroy(&start);
		if (t0 < best)
			best = t0;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const struct call_loop modes[] = { CALL_LOOP_MODES };
	const char *name = strrchr(argv[0], '/');
	double plain[MAX_THREADS + 1];

	printf("%s: extra ns per counted call+return\n",
	       name ? name + 1 : argv[0]);
	for (int t = 1; t <= MAX_THREADS; t++)
		plain[t] = per_call(loop_plain, t);
	printf("%-38s %10s %10s\n", "", "1 thread", "2 threads");
	printf("%-38s %10.2f %10.2f\n", "uninstrumented call+return (ns)", plain[1], plain[2]);
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		printf("%-38s %10.2f %10.2f\n", modes[i].name,
		       per_call(modes[i].loop, 1) - plain[1],
		       per_call(modes[i].loop, 2) - plain[2]);
	return 0;
}

/* overhead.c - what tracing costs, measured in one run: a bare rdtsc, the
 * extra ns per traced call+return in each instrumentation mode with tracing
 * on and paused, and the extra cost of creating and joining a thread.
 *
 * Each figure is the best of several repetitions, and each traced loop is
 * compared with the same loop compiled without instrumentation, so the
 * difference is the hooks' cost alone.  Prints figures; asserts nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>
#include "ctrail.h"

#define CALLS 5000000
#define REPS 7
#define THREADS 2000

int loop_plain(int n), loop_finstr(int n), loop_fentry(int n), loop_afterinl(int n);

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Best ns per call of fn(CALLS) over REPS runs. */
static double per_call(int (*fn)(int))
{
	double best = 1e30;

	for (int r = 0; r < REPS; r++) {
		double t = now_ns();
		volatile int sink = fn(CALLS);
		(void)sink;
		t = (now_ns() - t) / CALLS;
		if (t < best)
			best = t;
	}
	return best;
}

static double rdtsc_cost(void)
{
	double best = 1e30;

	for (int r = 0; r < REPS; r++) {
		double t = now_ns();
		uint64_t sum = 0;
		for (int i = 0; i < CALLS; i++)
			sum += __rdtsc();
		t = (now_ns() - t) / CALLS;
		__asm__ volatile("" ::"r"(sum));
		if (t < best)
			best = t;
	}
	return best;
}

static void *thread_body(void *arg)
{
	return (void *)(long)loop_fentry(1);
}

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* Best µs per create+join over REPS batches of THREADS threads. */
static double create_join_us(create_fn *create)
{
	double best = 1e30;

	for (int r = 0; r < REPS; r++) {
		double t = now_ns();
		for (int i = 0; i < THREADS; i++) {
			pthread_t th;
			if (create(&th, NULL, thread_body, NULL) || pthread_join(th, NULL)) {
				perror("pthread");
				exit(1);
			}
		}
		t = (now_ns() - t) / THREADS / 1000;
		if (t < best)
			best = t;
	}
	return best;
}

int main(void)
{
	static const struct {
		const char *name;
		int (*loop)(int);
	} modes[] = {
		{ "finstr (gcc -finstrument-functions)", loop_finstr },
		{ "fentry (gcc -pg -mfentry)", loop_fentry },
		{ "after-inlining (clang)", loop_afterinl },
	};
	void *libc = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
	create_fn *plain_create = libc ? (create_fn *)dlsym(libc, "pthread_create") : NULL;
	double rdtsc = rdtsc_cost(), plain = per_call(loop_plain);

	printf("bare rdtsc:                   %6.2f ns\n", rdtsc);
	printf("uninstrumented call+return:   %6.2f ns\n", plain);
	printf("%-38s %10s %8s %10s\n", "extra ns per call+return", "tracing", "/2rdtsc", "paused");
	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		double on = per_call(modes[i].loop) - plain;
		ctrail_pause();
		double off = per_call(modes[i].loop) - plain;
		ctrail_resume();
		printf("%-38s %10.2f %8.2f %10.2f\n", modes[i].name, on, on / (2 * rdtsc), off);
	}
	if (plain_create) {
		double traced = create_join_us(pthread_create);
		double bare = create_join_us(plain_create);
		printf("thread create+join: %.1f us traced, %.1f us untraced, overhead %.1f us\n",
		       traced, bare, traced - bare);
	}
	return 0;
}

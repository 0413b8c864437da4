/* call_loops.h - what the benchmarks of traced calls (overhead.c, count.c)
 * share: the loops of bench/overhead_callee.c, one copy per
 * instrumentation mode, in a table of named modes; how many calls a timed
 * run makes and how many runs a figure is the best of; the clock. */
#ifndef CALL_LOOPS_H
#define CALL_LOOPS_H

#include <time.h>

#define CALLS 5000000
#define REPS 7

/* loop_MODE(n): n calls+returns of a leaf function, compiled in MODE
 * (plain: uninstrumented). */
int loop_plain(int n), loop_finstr(int n), loop_fentry(int n), loop_afterinl(int n);

struct call_loop {
	const char *name;
	int (*loop)(int);
};
/* The rows of the modes both benchmarks time, for a struct call_loop[]. */
#define CALL_LOOP_MODES \
	{ "finstr (gcc -finstrument-functions)", loop_finstr }, \
	{ "fentry (gcc -pg -mfentry)", loop_fentry }, \
	{ "after-inlining (clang)", loop_afterinl }

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#endif

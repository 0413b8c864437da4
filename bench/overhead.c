/* overhead.c - what tracing costs, measured in one run: a bare rdtsc, the
 * extra ns per traced call+return in each instrumentation mode with tracing
 * on and paused (and XRay's with its sleds unpatched), a CTRAIL_LOG, a flow
 * occurrence that is not kept, a fiber switch (ctrail_fiber_switch), a
 * snapshot, the extra cost of creating and joining a thread: our
 * pthread_create against libc's for a thread that traces one call either
 * way, and a thread that makes 10 traced calls against one that makes 10
 * untraced ones; and of a signal delivered to a wrapped handler
 * (runtime/signals.c) instead of one installed with libc's own sigaction.
 *
 * Each figure is the best of several repetitions, and each traced loop is
 * compared with the same loop compiled without instrumentation, so the
 * difference is the hooks' cost alone; a mode's traced, plain and rdtsc
 * loops are run in turn, and its ratio to two rdtsc is to the rdtsc
 * measured beside it.  Prints figures; asserts nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>
#include "call_loops.h"
#include "ctrail.h"

#define THREADS 100     /* per batch of creates */
#define THREAD_BATCHES 40 /* of each kind; many small ones, for the best */
#define SIGNALS 20000

int loop_xray(int n);
int __xray_patch(void), __xray_unpatch(void); /* clang's XRay runtime, linked in */

/* ns per call of one run of fn(CALLS). */
static double run_ns(int (*fn)(int))
{
	double t = now_ns();
	volatile int sink = fn(CALLS);

	(void)sink;
	return (now_ns() - t) / CALLS;
}

/* Best ns per call of fn(CALLS) over REPS runs. */
static double per_call(int (*fn)(int))
{
	double best = 1e30;

	for (int r = 0; r < REPS; r++) {
		double t = run_ns(fn);
		if (t < best)
			best = t;
	}
	return best;
}

/* n bare rdtsc, as a call loop. */
static int rdtsc_loop(int n)
{
	uint64_t sum = 0;

	for (int i = 0; i < n; i++)
		sum += __rdtsc();
	return (int)sum;
}

/* The best of REPS runs each of rdtsc_loop, loop_plain and fn, taken in
 * turn, so that a machine whose speed drifts (a loaded or throttled VM)
 * slows all three alike and their ratios hold: best[0..2]. */
static void in_turn(int (*fn)(int), double best[3])
{
	int (*const loops[3])(int) = { rdtsc_loop, loop_plain, fn };

	best[0] = best[1] = best[2] = 1e30;
	for (int r = 0; r < REPS; r++)
		for (int k = 0; k < 3; k++) {
			double t = run_ns(loops[k]);
			if (t < best[k])
				best[k] = t;
		}
}

static void *thread_body(void *arg)
{
	return (void *)(long)loop_fentry(1);
}

/* A thread that makes 10 calls, traced (fentry) or not at all. */
static void *thread_ten(void *arg)
{
	return (void *)(long)loop_fentry(9); /* loop itself and 9 leaves */
}

static void *thread_ten_plain(void *arg)
{
	return (void *)(long)loop_plain(9);
}

static int log_two(int n)
{
	for (int i = 0; i < n; i++)
		CTRAIL_LOG("item %d of %d", i, n);
	return n;
}

/* An occurrence that is never kept: the flow keeps one, which took ~forever. */
static struct ctrail_flow *fast_flow;

static int flow_not_kept(int n)
{
	for (int i = 0; i < n; i++)
		ctrail_flow_end(fast_flow, ctrail_now());
	return n;
}

/* µs to take a snapshot of a full ring (this benchmark's one thread): how
 * long ctrail_pause_and_write() keeps other threads paused per thread, and
 * what a kept flow occurrence costs at most. */
static double snapshot_us(void)
{
	double best = 1e30;

	for (int r = 0; r < REPS; r++) {
		loop_fentry(CALLS / 10); /* fill the ring */
		double t = now_ns();
		struct ctrail_snapshot *s = ctrail_snapshot_take(0);
		t = (now_ns() - t) / 1000;
		ctrail_snapshot_free(s);
		if (t < best)
			best = t;
	}
	return best;
}

static int fiber_switches(int n)
{
	for (int i = 0; i < n; i++)
		ctrail_fiber_switch(i & 1, "bench");
	return n;
}

static volatile sig_atomic_t delivered;

static void on_usr1(int sig)
{
	delivered++;
}

typedef int sigaction_fn(int, const struct sigaction *, struct sigaction *);

/* ns per raise(SIGUSR1) over SIGNALS, the handler installed with install. */
static double signal_batch(sigaction_fn *install)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	double t;

	sigemptyset(&sa.sa_mask);
	install(SIGUSR1, &sa, NULL);
	t = now_ns();
	for (int i = 0; i < SIGNALS; i++)
		raise(SIGUSR1);
	return (now_ns() - t) / SIGNALS;
}

/* Prints the best ns per delivery, wrapped and not, over REPS batches of
 * each taken in turn (so a loaded machine slows both alike). */
static void signal_ns(sigaction_fn *plain_sigaction)
{
	double wrapped = 1e30, bare = 1e30;

	for (int r = 0; r < 2 * REPS; r++) {
		double w = signal_batch(sigaction), b = signal_batch(plain_sigaction);

		wrapped = w < wrapped ? w : wrapped;
		bare = b < bare ? b : bare;
	}
	printf("signal delivered (raise): %.0f ns wrapped, %.0f ns unwrapped, overhead %.0f ns\n",
	       wrapped, bare, wrapped - bare);
}

typedef int create_fn(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

/* µs per create+join of THREADS threads made by create running body. */
static double create_join_batch(create_fn *create, void *(*body)(void *))
{
	double t = now_ns();

	for (int i = 0; i < THREADS; i++) {
		pthread_t th;
		if (create(&th, NULL, body, NULL) || pthread_join(th, NULL)) {
			perror("pthread");
			exit(1);
		}
	}
	return (now_ns() - t) / THREADS / 1000;
}

/* Prints the best µs per create+join of each kind of thread over
 * THREAD_BATCHES batches each, the batches of the two taken in turn so that a loaded
 * machine slows both alike. */
static void create_join_us(const char *what, create_fn *traced_create,
			   void *(*traced)(void *), create_fn *plain_create,
			   void *(*plain)(void *))
{
	double best_traced = 1e30, best_plain = 1e30;

	for (int r = 0; r < THREAD_BATCHES; r++) {
		double t = create_join_batch(traced_create, traced);
		double p = create_join_batch(plain_create, plain);
		if (t < best_traced)
			best_traced = t;
		if (p < best_plain)
			best_plain = p;
	}
	printf("%s: %.1f us traced, %.1f us untraced, overhead %.1f us\n", what,
	       best_traced, best_plain, best_traced - best_plain);
}

int main(void)
{
	static const struct call_loop modes[] = {
		CALL_LOOP_MODES,
		{ "xray (clang -fxray-instrument)", loop_xray },
	};
	void *libc = dlopen("libc.so.6", RTLD_NOLOAD | RTLD_LAZY);
	create_fn *plain_create = libc ? (create_fn *)dlsym(libc, "pthread_create") : NULL;
	enum { NMODES = sizeof(modes) / sizeof(modes[0]) };
	double fig[NMODES][3], off[NMODES], rdtsc = 1e30, plain = 1e30;

	for (unsigned i = 0; i < NMODES; i++) {
		in_turn(modes[i].loop, fig[i]);
		ctrail_pause();
		off[i] = per_call(modes[i].loop) - fig[i][1];
		ctrail_resume();
		rdtsc = fig[i][0] < rdtsc ? fig[i][0] : rdtsc;
		plain = fig[i][1] < plain ? fig[i][1] : plain;
	}
	printf("bare rdtsc:                   %6.2f ns\n", rdtsc);
	printf("uninstrumented call+return:   %6.2f ns\n", plain);
	printf("%-38s %10s %8s %10s\n", "extra ns per call+return", "tracing", "/2rdtsc", "paused");
	for (unsigned i = 0; i < NMODES; i++) {
		double on = fig[i][2] - fig[i][1];
		printf("%-38s %10.2f %8.2f %10.2f\n", modes[i].name, on, on / (2 * fig[i][0]), off[i]);
	}
	__xray_unpatch();
	printf("xray with the sleds unpatched: %6.2f ns\n", per_call(loop_xray) - plain);
	__xray_patch();
	printf("CTRAIL_LOG with 2 arguments:   %6.2f ns\n", per_call(log_two));
	fast_flow = ctrail_flow_new("bench", 1, 0);
	uint64_t start = ctrail_now();
	loop_plain(CALLS);
	ctrail_flow_end(fast_flow, start - 1000000000000ull); /* keeps an enormous one */
	printf("ctrail_flow_end, not kept:    %6.2f ns (plus the ctrail_now() at the start)\n",
	       per_call(flow_not_kept));
	double fiber = per_call(fiber_switches);
	printf("ctrail_fiber_switch:          %6.2f ns (%.2f x 2 rdtsc)\n", fiber,
	       fiber / (2 * rdtsc));
	printf("snapshot of a full 4 MiB ring: %.0f us\n", snapshot_us());
	sigaction_fn *plain_sigaction = libc ? (sigaction_fn *)dlsym(libc, "sigaction") : NULL;
	if (plain_sigaction)
		signal_ns(plain_sigaction);
	if (plain_create) {
		/* both threads trace their call: libc's gets its ring at its
		 * first event, ours before it runs */
		create_join_us("thread create+join", pthread_create, thread_body,
			       plain_create, thread_body);
		/* a traced thread against one that traces nothing */
		create_join_us("thread create+join with 10 calls", pthread_create,
			       thread_ten, plain_create, thread_ten_plain);
	}
	return 0;
}

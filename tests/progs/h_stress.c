/* h_stress.c - the races tests/e2e/stress.sh provokes, one per scenario
 * (argv[1]), each bounded by a time in milliseconds (argv[2]):
 *
 *   pause MS    two threads call tiny() while main pauses and resumes
 *   trap MS     three threads call tiny() while main sends itself SIGTRAP
 *               every 3 ms (each one a snapshot, to CTRAIL_OUTPUT)
 *   churn MS    threads that make a few calls and exit are created all the
 *               time while main takes snapshots and pauses, and writes one
 *               to H_STRESS_PATH every 256 threads (count builds: a SIGTRAP
 *               every 512 threads)
 *   resize MS   three threads call tiny() and change their ring size while
 *               main takes snapshots and pauses
 *   alarm MS    a SIGALRM every 100 us whose handler calls traced functions,
 *               during a traced recursion of depth 20; prints the number of
 *               signals handled and of recursions made
 *   many N      N threads calling tiny(), one snapshot written to
 *               H_STRESS_PATH (SIGTRAP in count builds), then they stop
 *
 * Built in every mode, and with --count, where libctrail-count has none of
 * the API: the API is declared weak and what is missing is skipped.  Exits
 * 0 unless something failed; a crash is the runtime's. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "ctrail.h"

#pragma weak ctrail_pause
#pragma weak ctrail_resume
#pragma weak ctrail_snapshot_take
#pragma weak ctrail_snapshot_free
#pragma weak ctrail_pause_and_write
#pragma weak ctrail_thread_set_ring_size

#define NOINLINE __attribute__((noinline))

static volatile int stop, started;
volatile int sink;

/* the asm keeps the compiler from taking tiny() for pure and dropping calls */
NOINLINE int tiny(int x) { __asm__ volatile("" ::: "memory"); return x + 1; }
NOINLINE void h_leaf(void) { sink++; }
NOINLINE void rec(int depth) { if (depth > 1) rec(depth - 1); else sink++; }

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
}

static void *spin(void *arg)
{
	int x = 0;

	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (!stop)
		x = tiny(x);
	return NULL;
}

static void create_all(pthread_t *t, int n, void *(*fn)(void *))
{
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, fn, NULL)) {
			perror("pthread_create");
			exit(1);
		}
}

/* n threads running fn, once all have started */
static void start(pthread_t *t, int n, void *(*fn)(void *))
{
	create_all(t, n, fn);
	while (__atomic_load_n(&started, __ATOMIC_SEQ_CST) < n)
		sleep_us(100);
}

static void finish(pthread_t *t, int n)
{
	stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

/* One snapshot taken without pausing, and freed. */
static void snapshot_once(void)
{
	if (ctrail_snapshot_take)
		ctrail_snapshot_free(ctrail_snapshot_take(0));
}

static void pause_once(void)
{
	if (ctrail_pause) {
		ctrail_pause();
		ctrail_resume();
	}
}

static int pause_storm(double ms)
{
	pthread_t t[2];
	long n = 0;

	start(t, 2, spin);
	for (double end = now_ms() + ms; now_ms() < end; n++)
		pause_once();
	finish(t, 2);
	printf("%ld pauses\n", n);
	return 0;
}

static int trap_storm(double ms)
{
	pthread_t t[3];
	int n = 0;

	start(t, 3, spin);
	for (double end = now_ms() + ms; now_ms() < end; n++) {
		kill(getpid(), SIGTRAP);
		sleep_us(3000);
	}
	finish(t, 3);
	printf("%d signals\n", n);
	return 0;
}

static void *few_calls(void *arg)
{
	for (int i = 0; i < 50; i++)
		tiny(i);
	return NULL;
}

static int churn(double ms)
{
	long n = 0;

	for (double end = now_ms() + ms; now_ms() < end;) {
		pthread_t t[4];
		for (int i = 0; i < 4; i++, n++)
			if (pthread_create(&t[i], NULL, few_calls, NULL)) {
				perror("pthread_create");
				return 1;
			}
		if (ctrail_snapshot_take) {
			snapshot_once();
			pause_once();
		} else if (n % 512 == 0)
			kill(getpid(), SIGTRAP);
		/* joined after the snapshot, so some are exiting during it */
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		if (ctrail_pause_and_write && n % 256 == 0 &&
		    ctrail_pause_and_write(getenv("H_STRESS_PATH")) < 0) {
			perror("ctrail_pause_and_write");
			return 1;
		}
	}
	printf("%ld threads\n", n);
	return 0;
}

static void *resizing(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)&seed;
	int x = 0;

	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (!stop) {
		for (int i = 0; i < 1000; i++)
			x = tiny(x);
		if (ctrail_thread_set_ring_size &&
		    ctrail_thread_set_ring_size(4096u << (rand_r(&seed) % 7)) < 0)
			abort();
	}
	return NULL;
}

static int resize(double ms)
{
	pthread_t t[3];
	long n = 0;

	start(t, 3, resizing);
	for (double end = now_ms() + ms; now_ms() < end; n++) {
		snapshot_once();
		pause_once();
	}
	finish(t, 3);
	printf("%ld snapshots\n", n);
	return 0;
}

static volatile long alarms;

NOINLINE void on_alarm(int sig)
{
	h_leaf();
	h_leaf();
	alarms++;
}

static int alarm_storm(double ms)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 100 }, { 0, 100 } };
	long n = 0;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (double end = now_ms() + ms; now_ms() < end; n++)
		for (int i = 0; i < 100; i++)
			rec(20);
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	printf("%ld alarms %ld recursions\n", alarms, n * 100);
	return 0;
}

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int gate_open;

/* spin() once the gate opens, so that main makes all the threads without
 * competing with those already spinning. */
static void *gated_spin(void *arg)
{
	pthread_mutex_lock(&gate_lock);
	while (!gate_open)
		pthread_cond_wait(&gate, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
	return spin(arg);
}

static int many(int n)
{
	pthread_t *t = calloc(n, sizeof(*t));

	if (!t)
		return 1;
	create_all(t, n, gated_spin);
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&gate_lock);
	/* some have run and been preempted anywhere, hooks included */
	sleep_us(50000);
	if (ctrail_pause_and_write) {
		if (ctrail_pause_and_write(getenv("H_STRESS_PATH")) < 0) {
			perror("ctrail_pause_and_write");
			return 1;
		}
	} else {
		kill(getpid(), SIGTRAP);
		sleep_us(500000);
	}
	finish(t, n);
	free(t);
	printf("%d threads\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	double arg = argc > 2 ? atof(argv[2]) : 1000;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "pause"))
		return pause_storm(arg);
	if (!strcmp(argv[1], "trap"))
		return trap_storm(arg);
	if (!strcmp(argv[1], "churn"))
		return churn(arg);
	if (!strcmp(argv[1], "resize"))
		return resize(arg);
	if (!strcmp(argv[1], "alarm"))
		return alarm_storm(arg);
	if (!strcmp(argv[1], "many"))
		return many((int)arg);
	return 2;
}

#define _GNU_SOURCE
/* Dies by abort() in a known call chain while other threads wait in theirs:
 * two threads blocked in a chain (a_outer > a_inner, b_only), one that
 * ran b_only and exited (named "k-exited"), and the crashing thread
 * c_outer > c_middle > c_inner, which aborts once the others (and main,
 * in main_wait) are in place.  For `ctrail core` and ctrail-gdb.py.  With
 * an argument, c_inner prints "ready" and waits instead, for gdb to attach. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#define NOINLINE __attribute__((noinline))
static pthread_barrier_t ready;
static int wait_for_gdb;
volatile int sink;
NOINLINE void block(void)
{
	pthread_barrier_wait(&ready);
	for (;;)
		pause();
}
NOINLINE void a_inner(void) { block(); }
NOINLINE void a_outer(void) { a_inner(); sink++; }
NOINLINE void b_only(int wait) { if (wait) block(); sink++; }
NOINLINE void *a_thread(void *arg) { a_outer(); return arg; }
NOINLINE void *b_thread(void *arg) { b_only(1); return arg; }
NOINLINE void *exited_thread(void *arg)
{
	pthread_setname_np(pthread_self(), "k-exited");
	b_only(0);
	return arg;
}
NOINLINE void c_inner(void)
{
	if (!wait_for_gdb)
		abort();
	puts("ready");
	fflush(stdout);
	for (;;)
		pause();
}
NOINLINE void c_middle(void) { c_inner(); sink++; }
NOINLINE void c_outer(void) { c_middle(); sink++; }
NOINLINE void *c_thread(void *arg)
{
	pthread_barrier_wait(&ready);
	c_outer();
	return arg;
}
NOINLINE void main_wait(pthread_t t)
{
	pthread_barrier_wait(&ready);
	pthread_join(t, NULL);
}
int main(int argc, char **argv)
{
	pthread_t t;

	(void)argv;
	wait_for_gdb = argc > 1;
	pthread_barrier_init(&ready, NULL, 4);
	pthread_create(&t, NULL, exited_thread, NULL);
	pthread_join(t, NULL);
	pthread_create(&t, NULL, a_thread, NULL);
	pthread_create(&t, NULL, b_thread, NULL);
	pthread_create(&t, NULL, c_thread, NULL);
	main_wait(t);
	return 0;
}

/* o_blocked.c - a snapshot while a thread blocks every signal (tests/
 * e2e/stacks.sh): "blocked" sleeps 2 s in wait_here() with all signals
 * masked, so it cannot answer for its stack; main, in outer(), calls tick()
 * more often than a 4 KiB ring holds, then inner() writes a snapshot to
 * argv[1] with ctrail_pause_and_write, and main exits.  The snapshot must
 * not wait for the blocked thread (its stack is "missing") and must hold
 * main's own stack up to its call of the API: outer and main open before
 * the ring. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <ctrail.h>

#define NOINLINE __attribute__((noinline))

static pthread_barrier_t ready;
volatile int sink;

NOINLINE void wait_here(void)
{
	struct timespec t = { 2, 0 };

	pthread_barrier_wait(&ready);
	nanosleep(&t, NULL);
}

NOINLINE void *blocked(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	pthread_setname_np(pthread_self(), "blocked");
	wait_here();
	return arg;
}

NOINLINE int inner(const char *path)
{
	return ctrail_pause_and_write(path);
}

NOINLINE void tick(void)
{
	sink++;
}

NOINLINE int outer(const char *path)
{
	int rc;

	for (int i = 0; i < 1000; i++)
		tick();
	rc = inner(path);

	sink++;
	return rc;
}

int main(int argc, char **argv)
{
	pthread_t th;

	if (argc < 2)
		return 2;
	pthread_barrier_init(&ready, NULL, 2);
	pthread_create(&th, NULL, blocked, NULL);
	pthread_barrier_wait(&ready);
	return outer(argv[1]) ? 1 : 0;
}

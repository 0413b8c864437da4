/* c_idle.c - a server's shape (tests/e2e/window.sh): a helper thread
 * "idle" enters wait_for_work() at start and never leaves it; 300 ms
 * after the helper is inside it the main thread makes 20000 calls of
 * work(), enough to wrap a small ring, and exits with the helper still
 * waiting. */
#define _GNU_SOURCE
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

static int wake[2];
static sem_t inside; /* the 300 ms count from the helper's call, not its start */

__attribute__((noinline)) void wait_for_work(void)
{
	char c;

	sem_post(&inside);
	while (read(wake[0], &c, 1) < 0)
		;
}

__attribute__((noinline)) int work(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

static void *idle(void *arg)
{
	pthread_setname_np(pthread_self(), "idle");
	wait_for_work();
	return NULL;
}

int main(void)
{
	pthread_t t;
	int s = 0;

	if (sem_init(&inside, 0, 0) || pipe(wake) ||
	    pthread_create(&t, NULL, idle, NULL))
		return 1;
	while (sem_wait(&inside))
		;
	usleep(300 * 1000);
	for (int i = 0; i < 20000; i++)
		s = work(s);
	return s == 20000 ? 0 : 1;
}

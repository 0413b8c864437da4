/* f_split.c - for tests/e2e/cpu_split.sh: three traced calls of about
 * 20 ms each, one per way of spending time: sleeper() sleeps (blocked in
 * S), spinner() spins on the clock (on a CPU, or runnable when the machine
 * is busy) and waiter() waits for a mutex another thread holds (a futex
 * wait: blocked in S).  A snapshot is written at exit
 * (CTRAIL_WRITE_AT_EXIT). */
#include <pthread.h>
#include <semaphore.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static sem_t locked;

static void pause_20ms(void)
{
	struct timespec ts = { 0, 20000000 };

	nanosleep(&ts, NULL);
}

void sleeper(void)
{
	pause_20ms();
}

/* clock_gettime itself is not traced: the ring holds only a few calls */
void spinner(void)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000LL + now.tv_nsec - start.tv_nsec < 20000000);
}

void waiter(void)
{
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
}

static void *hold(void *arg)
{
	pthread_mutex_lock(&lock);
	sem_post(&locked);
	pause_20ms();
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t t;

	sem_init(&locked, 0, 0);
	sleeper();
	spinner();
	pthread_create(&t, NULL, hold, NULL);
	sem_wait(&locked);
	waiter();
	pthread_join(t, NULL);
	return 0;
}

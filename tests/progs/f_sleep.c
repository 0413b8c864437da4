/* f_sleep.c - for tests/e2e/sched.sh: one traced function that sleeps
 * 20 ms (nanosleep), and one that blocks about 20 ms on a mutex another
 * thread holds; a snapshot is written at exit (CTRAIL_WRITE_AT_EXIT). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int holding;

static void nap(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	nanosleep(&ts, NULL);
}

void sleeper(void)
{
	nap(20);
}

void blocked(void)
{
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
}

static void *holder(void *arg)
{
	pthread_mutex_lock(&lock);
	pthread_mutex_lock(&held);
	holding = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&held);
	nap(20);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	pthread_t t;

	sleeper();
	pthread_create(&t, NULL, holder, NULL);
	pthread_mutex_lock(&held);
	while (!holding)
		pthread_cond_wait(&cond, &held);
	pthread_mutex_unlock(&held);
	blocked();
	pthread_join(t, NULL);
	return 0;
}

#define _GNU_SOURCE
/* Four named threads, each with its own call chain; one exits with
 * pthread_exit. */
#include <pthread.h>
#include <stdio.h>
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE int leaf(int x) { sink = x; return x + 1; }
NOINLINE int work(int x) { return leaf(x); }
NOINLINE void *worker(void *arg)
{
	char name[16];
	snprintf(name, sizeof(name), "worker-%ld", (long)arg);
	pthread_setname_np(pthread_self(), name);
	work((int)(long)arg);
	if ((long)arg == 3)
		pthread_exit(NULL);
	return NULL;
}
int main(void)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

#define _GNU_SOURCE
/* Nesting, recursion and two named threads, for decode_modes.sh. */
#include <pthread.h>
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE int leaf(int x) { sink = x; return x + 1; }
NOINLINE int middle(int x) { return leaf(x) + leaf(x + 1); }
NOINLINE int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
NOINLINE void *worker(void *name)
{
	pthread_setname_np(pthread_self(), name);
	middle(1);
	return NULL;
}
int main(void)
{
	pthread_t t;

	middle(0);
	fact(3);
	pthread_create(&t, NULL, worker, "d-one");
	pthread_join(t, NULL);
	pthread_create(&t, NULL, worker, "d-two");
	pthread_join(t, NULL);
	return 0;
}

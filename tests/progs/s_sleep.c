#define _GNU_SOURCE
/* Known call counts and sleeps, for summaries.sh: nap() sleeps 2 ms and is
 * called 5 times under napper() and once in the thread "s-side"; tick() is
 * called 1000 times under ticker(); fact(4) recurses 4 calls deep.  The
 * side thread is joined before main calls anything else, so every call of
 * main begins after the side thread's. */
#include <pthread.h>
#include <time.h>
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE void nap(void)
{
	struct timespec ts = { 0, 2000000 };

	while (nanosleep(&ts, &ts))
		;
}
NOINLINE void tick(int i) { sink += i; }
NOINLINE void napper(void) { for (int i = 0; i < 5; i++) nap(); }
NOINLINE void ticker(void) { for (int i = 0; i < 1000; i++) tick(i); }
NOINLINE int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }
NOINLINE void *side(void *arg)
{
	pthread_setname_np(pthread_self(), "s-side");
	nap();
	return arg;
}
int main(void)
{
	pthread_t t;

	pthread_create(&t, NULL, side, NULL);
	pthread_join(t, NULL);
	napper();
	ticker();
	return fact(4) == 24 ? 0 : 1;
}

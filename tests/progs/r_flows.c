/* Ten requests of known lengths through a flow keeping the 3 slowest, and
 * two threads ending occurrences of a second flow at the same time. */
#include <pthread.h>
#include <time.h>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))

NOINLINE void work(int ms)
{
	struct timespec t = { 0, ms * 1000000L };
	nanosleep(&t, NULL);
}

NOINLINE void handle(int ms) { work(ms); }

static struct ctrail_flow *shared;

NOINLINE void *worker(void *arg)
{
	for (int i = 0; i < 20; i++) {
		uint64_t start = ctrail_now();
		handle(1 + (i + (int)(long)arg) % 3);
		if (ctrail_flow_end(shared, start) < 0)
			return (void *)1;
	}
	return NULL;
}

int main(void)
{
	static const int lengths[] = { 3, 30, 1, 7, 2, 40, 5, 4, 20, 6 };
	struct ctrail_flow *requests = ctrail_flow_new("request", 3, 0);
	pthread_t t[2];
	void *r0, *r1;

	shared = ctrail_flow_new("shared", 4, CTRAIL_FLOW_ALL_THREADS);
	if (!requests || !shared || ctrail_flow_new("bad", 0, 0))
		return 1;
	for (int i = 0; i < 10; i++) {
		uint64_t start = ctrail_now();
		handle(lengths[i]);
		if (ctrail_flow_end(requests, start) < 0)
			return 1;
	}
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_join(t[0], &r0);
	pthread_join(t[1], &r1);
	return r0 || r1;
}

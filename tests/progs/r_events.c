/* Custom events: log lines of every conversion kind, a counter going up
 * and down, an instant, and a flow arrow from one thread to another. */
#include <pthread.h>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static int posted;

NOINLINE void producer(void)
{
	CTRAIL_FLOW_BEGIN(0x1234);
	pthread_mutex_lock(&lock);
	posted = 1;
	pthread_cond_signal(&ready);
	pthread_mutex_unlock(&lock);
}

NOINLINE void *consumer(void *arg)
{
	pthread_mutex_lock(&lock);
	while (!posted)
		pthread_cond_wait(&ready, &lock);
	pthread_mutex_unlock(&lock);
	CTRAIL_FLOW_END(0x1234);
	return arg;
}

NOINLINE void resize(int w, int h)
{
	CTRAIL_LOG("resized to %dx%d", w, h);
}

int main(void)
{
	pthread_t t;
	const char *who = "ctrail";
	unsigned char small = 200;
	long long big = -1234567890123LL;

	pthread_create(&t, NULL, consumer, NULL);
	resize(640, 480);
	CTRAIL_LOG("no arguments, 100%% literal");
	CTRAIL_LOG("%s|%-8s|%5.2f|%e|%x|%#o|%c", who, "pad", 3.14159, 2.5e-3, 255u, 8u, 'Z');
	CTRAIL_LOG("%lld|%hhu|%zu|%p", big, small, (size_t)42, (void *)0x1000);
	CTRAIL_LOG("%d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8);
	for (int depth = 0; depth < 3; depth++)
		CTRAIL_COUNTER("queue depth", depth - 1);
	CTRAIL_INSTANT("checkpoint");
	producer();
	pthread_join(t, NULL);
	return 0;
}

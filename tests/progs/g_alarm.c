/* A 10 kHz SIGALRM (setitimer, 100 us) whose handler calls traced
 * functions while the main thread recurses DEPTH deep, ROUNDS times.
 * Prints how many times the handler ran. */
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#define NOINLINE __attribute__((noinline))
#define ROUNDS 2000
#define DEPTH 20
volatile int sink;
volatile sig_atomic_t alarms;
NOINLINE void alarm_leaf(void) { sink++; }
NOINLINE void on_alarm(int sig) { alarms++; alarm_leaf(); }
/* about 20 us by the clock, so that ticks land in the recursion */
NOINLINE void spin(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000000000L + b.tv_nsec - a.tv_nsec < 20000);
}
NOINLINE void rec(int d) { if (d) rec(d - 1); else spin(); sink++; }
int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 100 }, { 0, 100 } };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < ROUNDS; i++)
		rec(DEPTH);
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	printf("%d\n", (int)alarms);
	return 0;
}

/* f_api.c - for tests/e2e/sched.sh: starts scheduling events through the
 * API (ctrail_sched_start), prints its result, and sleeps 20 ms inside a
 * traced function; with an argument, waits in a traced function for a
 * signal instead (the fatal-signal cleanup test). */
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include "ctrail.h"

void nap(void)
{
	struct timespec ts = { 0, 20 * 1000000 };

	nanosleep(&ts, NULL);
}

void wait_for_signal(void)
{
	pause();
}

int main(int argc, char **argv)
{
	printf("ctrail_sched_start: %d\n", ctrail_sched_start());
	fflush(stdout);
	if (argc > 1)
		wait_for_signal();
	nap();
	return 0;
}

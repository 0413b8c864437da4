/* p_plain.c - a program built without ctrail, for uprobes and `ctrail
 * attach` (tests/e2e/probes.sh).  It waits until the file named by its
 * first argument exists (the tracer is attached), then makes a known call
 * sequence: ROUNDS times outer() calling inner() twice and leaf() once
 * from inner's second call... as below; with a second argument S it then
 * loops for S seconds (calls every millisecond) before exiting. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3

static volatile int sink;

__attribute__((noinline)) void leaf(int x) { sink += x; }

__attribute__((noinline)) void inner(int x)
{
	if (x & 1)
		leaf(x);
	sink++;
}

__attribute__((noinline)) void outer(int x)
{
	inner(2 * x);
	inner(2 * x + 1);
}

int main(int argc, char **argv)
{
	while (argc > 1 && access(argv[1], F_OK))
		usleep(10000);
	for (int i = 0; i < ROUNDS; i++)
		outer(i);
	if (argc > 2) {
		time_t end = time(NULL) + atoi(argv[2]);
		while (time(NULL) < end) {
			outer(1);
			usleep(1000);
		}
	}
	return sink == 0;
}

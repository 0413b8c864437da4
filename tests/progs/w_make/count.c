/* count.c - sums 1..n one call at a time, so the trace has many calls. */
#include "count.h"

static __attribute__((noinline)) int step(int acc, int i)
{
	return acc + i;
}

int count_to(int n)
{
	int acc = 0;
	for (int i = 1; i <= n; i++)
		acc = step(acc, i);
	return acc;
}

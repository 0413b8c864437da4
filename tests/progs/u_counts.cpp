// u_counts.cpp - known call counts for ctrail cull (tests/e2e/cull.sh):
// ns::hot(int) 1,000,000 calls, warm(int) 100,000, mild 10,000,
// ns::cool(double) 1,000, ns::cool(int) 100 and main 1: 1,111,101 calls.
// It first spins for 20 ms without calls, so that the run outlasts its
// counting cost on any machine (cull's default run time).
#include <time.h>
namespace ns {
__attribute__((noinline)) int hot(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}
__attribute__((noinline)) int cool(double x)
{
	__asm__ volatile("" ::: "memory");
	return (int)x + 2;
}
__attribute__((noinline)) int cool(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 3;
}
}

__attribute__((noinline)) int warm(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 4;
}

extern "C" __attribute__((noinline)) int mild(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 5;
}

int main()
{
	struct timespec t0, t;
	int s = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 20000000L);
	for (int i = 0; i < 1000000; i++)
		s = ns::hot(s);
	for (int i = 0; i < 100000; i++)
		s = warm(s);
	for (int i = 0; i < 10000; i++)
		s = mild(s);
	for (int i = 0; i < 1000; i++)
		s = ns::cool((double)i);
	for (int i = 0; i < 100; i++)
		s = ns::cool(s);
	return s == 0;
}

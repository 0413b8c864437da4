/* c_trap.c - call counts on SIGTRAP (tests/e2e/count.sh): hot() 100 times,
 * raise SIGTRAP and wait until the counts appear in argv[1], then hot() 50
 * more times before exiting (which writes them again). */
#include <signal.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int hot(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int s = 0;

	for (int i = 0; i < 100; i++)
		s = hot(s);
	raise(SIGTRAP);
	for (int i = 0; i < 1000 && access(argv[1], F_OK); i++)
		nanosleep(&tick, NULL);
	for (int i = 0; i < 50; i++)
		s = hot(s);
	return s == 150 ? 0 : 1;
}

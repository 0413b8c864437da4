/* c_daemon.c - a program that daemonizes (tests/e2e/record.sh): hot() 3
 * times, fork; the parent calls it once more and exits at once; the child
 * starts a new session and forks again, and its child (the daemon), after
 * the parent is gone, calls hot() 7 times and exits.  The middle process
 * leaves through exit() too, so each of the three writes a snapshot. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int hot(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(void)
{
	int s = 0;
	pid_t parent = getpid();

	for (int i = 0; i < 3; i++)
		s = hot(s);
	if (fork() != 0)
		exit(hot(s) == 4 ? 0 : 1);
	setsid();
	if (fork() != 0)
		exit(0);
	while (kill(parent, 0) == 0)
		usleep(1000);
	usleep(100 * 1000);
	for (int i = 0; i < 7; i++)
		s = hot(s);
	exit(s == 10 ? 0 : 1);
}

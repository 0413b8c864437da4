/* p_title.c - a program that sets its process title the way setproctitle
 * does (nginx, Redis): it moves its environment away and overwrites the
 * strings of argv and environ in place, then raises SIGTRAP, waits until
 * the file named by argv[1] appears (or argv[1] milliseconds, for a
 * number) and exits (tests/e2e/snapshot.sh).  The runtime must still know
 * CTRAIL_OUTPUT. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

__attribute__((noinline)) int work(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

/* Copies environ to the heap and blanks [argv[0], end of the last
 * string), the area setproctitle reuses for the title. */
static void set_title(int argc, char **argv, const char *title)
{
	char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	int n = 0;

	while (environ[n])
		n++;
	char **copy = calloc(n + 1, sizeof(*copy));
	for (int i = 0; i < n; i++) {
		if (environ[i] == end)
			end += strlen(environ[i]) + 1;
		copy[i] = strdup(environ[i]);
	}
	environ = copy;
	memset(argv[0], 0, end - argv[0]);
	strncpy(argv[0], title, end - argv[0] - 1);
}

int main(int argc, char **argv)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	char *wait_for = strdup(argv[1]);
	long ms = strtol(argv[1], NULL, 10);
	int s = 0;

	set_title(argc, argv, "title: worker process");
	for (int i = 0; i < 10; i++)
		s = work(s);
	raise(SIGTRAP);
	if (ms > 0) {
		tick.tv_sec = ms / 1000;
		tick.tv_nsec = ms % 1000 * 1000000;
		while (nanosleep(&tick, &tick))
			;
		return 0;
	}
	for (int i = 0; i < 1000 && access(wait_for, F_OK); i++)
		nanosleep(&tick, NULL);
	return access(wait_for, F_OK) ? 1 : 0;
}

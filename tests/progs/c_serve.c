/* c_serve.c - a stand-in for a server (tests/e2e/record.sh): creates the
 * file argv[1] once it runs, then calls tick() every millisecond until a
 * signal stops it (or 30 s have passed: exit status 3).  With a count in
 * argv[2] it makes that many calls at once and exits 0 instead. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) void tick(void)
{
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	close(open(argv[1], O_WRONLY | O_CREAT, 0644));
	for (int i = 0; argc > 2 && i < atoi(argv[2]); i++)
		tick();
	for (int i = 0; argc == 2 && i < 30000; i++) {
		tick();
		usleep(1000);
	}
	return argc > 2 ? 0 : 3;
}

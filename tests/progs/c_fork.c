/* c_fork.c - a child counts only its own calls (tests/e2e/count.sh): hot()
 * 10 times, fork, 5 times in the child, once more in the parent. */
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int hot(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

int main(void)
{
	int s = 0, status;
	pid_t pid;

	for (int i = 0; i < 10; i++)
		s = hot(s);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 5; i++)
			s = hot(s);
		return 0;
	}
	waitpid(pid, &status, 0);
	return hot(s) == 11 && WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : 1;
}

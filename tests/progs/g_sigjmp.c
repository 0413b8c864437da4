/* siglongjmp out of a signal handler, two frames into it, back to the
 * function that called sigsetjmp; then a handler that returns. */
#include <setjmp.h>
#include <signal.h>
#define NOINLINE __attribute__((noinline))
static sigjmp_buf env;
volatile int sink;
NOINLINE void jumper(void) { siglongjmp(env, 1); }
NOINLINE void on_usr1(int sig) { jumper(); }
NOINLINE void middle(void) { raise(SIGUSR1); }
NOINLINE int setter(void)
{
	if (sigsetjmp(env, 1))
		return 1;
	middle();
	return 0;
}
NOINLINE void leaf(void) { sink++; }
NOINLINE void on_usr2(int sig) { leaf(); }
NOINLINE void after(void) { raise(SIGUSR2); }
int main(void)
{
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	return setter() == 1 ? (after(), 0) : 1;
}

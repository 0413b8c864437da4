/* Nested signal handlers: SIGUSR1's handler (SA_SIGINFO) raises SIGUSR2
 * (installed with signal()), and SIGURG's handler (SA_NODEFER) raises
 * SIGURG once more from inside itself.  SIGHUP's handler is installed
 * from .preinit_array, before any library's constructor (the runtime's
 * included) ran. */
#include <signal.h>
#include <stddef.h>
#include "ctrail.h"
#define NOINLINE __attribute__((noinline))
volatile int sink;
NOINLINE void leaf2(void) { sink++; }
NOINLINE void on_usr2(int sig) { leaf2(); }
NOINLINE void inner1(void) { sink++; }
NOINLINE void after1(void) { sink++; }
NOINLINE void on_usr1(int sig, siginfo_t *si, void *uc)
{
	if (si->si_signo != SIGUSR1 || !uc)
		return;
	inner1();
	raise(SIGUSR2);
	after1();
}
NOINLINE void again_leaf(void) { sink++; }
NOINLINE void on_again(int sig)
{
	static int depth;

	if (depth++ == 0)
		raise(SIGURG);
	again_leaf();
}
NOINLINE void on_hup(int sig) { sink++; }
/* untraced: a traced call would start the runtime right there */
CTRAIL_NO_TRACE static void install_early(void) { signal(SIGHUP, on_hup); }
__attribute__((section(".preinit_array"), used)) static void (*early_init)(void) = install_early;
NOINLINE void early(void) { raise(SIGHUP); }
NOINLINE void fire(void) { raise(SIGUSR1); }
NOINLINE void again(void) { raise(SIGURG); }
int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	struct sigaction sb = { .sa_handler = on_again, .sa_flags = SA_NODEFER };

	sigemptyset(&sa.sa_mask);
	sigemptyset(&sb.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGUSR2, on_usr2);
	sigaction(SIGURG, &sb, NULL);
	early();
	fire();
	again();
	return 0;
}

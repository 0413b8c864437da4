/* What a program sees of its signal handlers must not change when ctrail
 * wraps them: the old action sigaction and signal() give back, SIG_IGN,
 * SA_RESETHAND, SA_RESTART against EINTR, siginfo, errno.  Prints "ok", or
 * the first check that failed.  Last, it raises SIGTRAP, whose handler is
 * the runtime's own (a snapshot), which must not be wrapped. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int pipefd[2];
static volatile sig_atomic_t ran, info_ok;

static void plain(int sig) { ran++; }
static void with_info(int sig, siginfo_t *si, void *uc)
{
	info_ok = si && si->si_signo == sig && uc != NULL;
	errno = EBADF; /* the handler's errno is the program's business */
}
static void feed(int sig) { ssize_t r = write(pipefd[1], "x", 1); (void)r; ran++; }

#define CHECK(what, cond) do { if (!(cond)) { printf("failed: %s\n", what); return 1; } } while (0)

/* Arms a one-shot 20 ms timer. */
static void tick(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static int read_once(void)
{
	char c;

	return read(pipefd[0], &c, 1);
}

int main(void)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = plain;
	sa.sa_flags = SA_RESTART;
	CHECK("install", sigaction(SIGUSR1, &sa, NULL) == 0);
	CHECK("query", sigaction(SIGUSR1, NULL, &old) == 0);
	CHECK("old handler is the program's", old.sa_handler == plain);
	CHECK("old flags without SA_SIGINFO", !(old.sa_flags & SA_SIGINFO));
	CHECK("old flags keep SA_RESTART", old.sa_flags & SA_RESTART);
	raise(SIGUSR1);
	CHECK("handler ran", ran == 1);

	sa.sa_sigaction = with_info;
	sa.sa_flags = SA_SIGINFO;
	CHECK("replace", sigaction(SIGUSR1, &sa, &old) == 0 && old.sa_handler == plain);
	CHECK("query siginfo", sigaction(SIGUSR1, NULL, &old) == 0 &&
	      old.sa_sigaction == with_info && (old.sa_flags & SA_SIGINFO));
	errno = 0;
	raise(SIGUSR1);
	CHECK("siginfo and context", info_ok);
	CHECK("handler's errno", errno == EBADF);

	CHECK("signal() first", signal(SIGUSR2, plain) == SIG_DFL);
	CHECK("signal() returns the program's", signal(SIGUSR2, SIG_IGN) == plain);
	CHECK("SIG_IGN given back", signal(SIGUSR2, SIG_DFL) == SIG_IGN);

	sa.sa_handler = plain;
	sa.sa_flags = SA_RESETHAND;
	ran = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	CHECK("SA_RESETHAND ran", ran == 1);
	CHECK("SA_RESETHAND reset", sigaction(SIGUSR1, NULL, &old) == 0 &&
	      old.sa_handler == SIG_DFL);

	CHECK("pipe", pipe(pipefd) == 0);
	sa.sa_handler = feed;
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	tick();
	CHECK("no SA_RESTART: EINTR", read_once() == -1 && errno == EINTR);
	CHECK("drain", read_once() == 1);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	tick();
	CHECK("SA_RESTART: restarted", read_once() == 1);
	raise(SIGTRAP);
	usleep(300000); /* the runtime's helper thread writes the snapshot */
	puts("ok");
	return 0;
}

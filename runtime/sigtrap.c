/* sigtrap.c - the SIGTRAP trigger both runtimes share (libctrail writes a
 * snapshot, libctrail-count its counts).
 *
 * A signal handler may not take locks or allocate, so the handler only
 * writes a byte to a pipe; a helper thread reads it and calls the
 * runtime's `fire`.  The helper blocks every signal, so none is delivered
 * to it, and runs no instrumented code.  The handler is installed only if
 * the program has none of its own.  record.c routes SIGHUP/SIGINT/SIGTERM
 * through the same handler (sigtrap_handler): the byte written is the
 * signal's number, and after the snapshot for one of those the helper
 * lets it kill the process (record_signal_done). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include "runtime.h"

static int wake_pipe[2] = { -1, -1 };
static struct sigtrap_trigger trigger;
static unsigned long requested, served;

static void on_signal(int sig)
{
	int saved = errno;
	char c = sig;
	ssize_t r;

	/* a lock-free atomic: safe in a handler */
	__atomic_add_fetch(&requested, 1, __ATOMIC_SEQ_CST);
	r = write(wake_pipe[1], &c, 1);

	(void)r;
	errno = saved;
}

static void *helper(void *arg)
{
	char c[64];

	if (trigger.enter)
		trigger.enter();
	pthread_setname_np(pthread_self(), "ctrail-signal");
	for (;;) {
		ssize_t r = read(wake_pipe[0], c, sizeof(c));
		if (r > 0) {
			unsigned long asked = __atomic_load_n(&requested, __ATOMIC_SEQ_CST);
			trigger.fire();
			__atomic_store_n(&served, asked, __ATOMIC_SEQ_CST);
			for (ssize_t i = 0; i < r; i++)
				if (c[i] != SIGTRAP)
					record_signal_done(c[i]);
		} else if (r == 0 || errno != EINTR)
			return NULL;
	}
}

int sigtrap_busy(void)
{
	return __atomic_load_n(&requested, __ATOMIC_SEQ_CST) !=
	       __atomic_load_n(&served, __ATOMIC_SEQ_CST);
}

static int helper_start(void)
{
	pthread_t th;
	sigset_t all, prev;
	int rc;

	if (wake_pipe[0] >= 0)
		return 0;
	if (!trigger.create || pipe2(wake_pipe, O_CLOEXEC))
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	rc = trigger.create(&th, NULL, helper, NULL);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (rc) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
		return -1;
	}
	pthread_detach(th);
	return 0;
}

void sigtrap_init(const struct sigtrap_trigger *t)
{
	struct sigaction old, sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	trigger = *t;
	if (sigaction(SIGTRAP, NULL, &old) || old.sa_handler != SIG_DFL ||
	    (old.sa_flags & SA_SIGINFO))
		return;
	if (helper_start() == 0) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTRAP, &sa, NULL);
	}
}

void (*sigtrap_handler(void))(int)
{
	return helper_start() == 0 ? on_signal : NULL;
}

void sigtrap_after_fork(void)
{
	requested = served = 0;
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
		helper_start();
	}
}

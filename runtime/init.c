/* init.c - starting the runtime, and the triggers that write snapshots:
 * SIGTRAP and process exit.
 *
 * A signal handler may not take locks or allocate, so the SIGTRAP handler
 * only writes a byte to a pipe; a helper thread (never traced) reads it
 * and writes the snapshot.  The handler is installed only if the program
 * has none of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctrail.h"
#include "runtime.h"

static int wake_pipe[2] = { -1, -1 };

static void report(int rc)
{
	if (rc)
		fprintf(stderr, "ctrail: cannot write snapshot to %s: %s\n",
			config.output, strerror(-rc));
}

static void on_sigtrap(int sig)
{
	int saved = errno;
	ssize_t r = write(wake_pipe[1], "T", 1);

	(void)r;
	errno = saved;
}

static void *signal_helper(void *arg)
{
	char c;

	ctrail_tls.state = TLS_GONE;
	pthread_setname_np(pthread_self(), "ctrail-signal");
	for (;;) {
		ssize_t r = read(wake_pipe[0], &c, 1);
		if (r == 1)
			report(snapshot_write_default(CTR_REASON_SIGNAL));
		else if (r == 0 || errno != EINTR)
			return NULL;
	}
}

/* Starts the helper thread that writes snapshots when woken.  It blocks
 * every signal, so none is delivered to it. */
static int helper_start(void)
{
	pthread_t helper;
	sigset_t all, prev;
	int rc;

	if (!real_pthread_create || pipe2(wake_pipe, O_CLOEXEC))
		return -1;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &prev);
	rc = real_pthread_create(&helper, NULL, signal_helper, NULL);
	pthread_sigmask(SIG_SETMASK, &prev, NULL);
	if (rc) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
		return -1;
	}
	pthread_detach(helper);
	return 0;
}

static void sigtrap_init(void)
{
	struct sigaction old, sa = { .sa_handler = on_sigtrap, .sa_flags = SA_RESTART };

	if (sigaction(SIGTRAP, NULL, &old) || old.sa_handler != SIG_DFL ||
	    (old.sa_flags & SA_SIGINFO))
		return;
	if (helper_start() == 0) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTRAP, &sa, NULL);
	}
}

static void write_at_exit(void)
{
	report(snapshot_write_default(CTR_REASON_EXIT));
}

/* After fork only the forking thread lives on in the child. */
static void forget_other_threads(void)
{
	struct ctrail_thread *self = ctrail_tls.thread;

	pthread_mutex_init(&registry_lock, NULL);
	live_threads = NULL;
	if (self && ctrail_tls.state == TLS_ACTIVE) {
		self->next = NULL;
		self->tid = gettid();
		self->is_main = 1;
		live_threads = self;
	}
	/* the parent's other threads, live or exited, are not the child's;
	 * their rings stay mapped (copy-on-write, untouched) */
	exited_threads = NULL;
	if (wake_pipe[0] >= 0) {
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		helper_start();
	}
}

static void runtime_start(void)
{
	config_init();
	clock_init();
	thread_start();
	modules_refresh();
	sigtrap_init();
	pthread_atfork(NULL, NULL, forget_other_threads);
	if (config.ftrace) /* before write_at_exit: its atexit runs after */
		sched_start(1);
	if (config.write_at_exit)
		atexit(write_at_exit);
}

/* From our constructor, or from the first traced event if that comes
 * earlier (another library's constructor).  The reference from hooks.c
 * also pulls this file out of libctrail.a in static links. */
void runtime_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, runtime_start);
}

__attribute__((constructor)) static void ctrail_init(void)
{
	runtime_init();
}

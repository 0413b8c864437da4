/* record.c - what both runtimes (libctrail, libctrail-count) do for a
 * supervisor such as `ctrail record`, and for processes that fork:
 *
 *   one file per process: CTRAIL_OUTPUT names the file of one process,
 *     the one whose pid CTRAIL_OUTPUT_PID gives or, without it, the one
 *     that started the runtime before any fork.  Every other process of
 *     the tree (forked children, programs they exec) writes the name with
 *     "-PID" put before its suffix (d.ctr -> d-4242.ctr), unless the
 *     pattern has a %p already;
 *   CTRAIL_STATUS=FILE: a line is appended to FILE (which must exist) when
 *     a process starts the runtime or forks, and after each attempt to
 *     write a .ctr file, so the supervisor knows which processes were
 *     traced and what they wrote or why they could not (format below);
 *   CTRAIL_WRITE_ON_SIGNAL=1: SIGHUP, SIGINT and SIGTERM, if their action
 *     is still the default one when the runtime starts, write a snapshot
 *     (through sigtrap.c's helper thread) and then kill the process as
 *     the default action would.
 *
 * The status lines, tab-separated, each written with one write() to a
 * file opened O_APPEND (so lines of concurrent processes do not mix):
 *   start  PID             the runtime runs in process PID
 *   wrote  PID PATH        PATH was written
 *   failed PID ERRNO PATH  writing PATH failed with that errno
 * Settings are copied at start: programs that rewrite their process title
 * overwrite the environment's memory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime.h"

static char status_path[PATH_MAX];
static char child_output[PATH_MAX + 8];
static pid_t output_pid;

/* glibc's own sigaction, also when the program's is interposed: the
 * `signals` interposition of sigaction/signal (if present) hides our
 * handlers from the program and passes its calls on; these do not go
 * through it, so installing ours never depends on it.  A program that
 * installs its own handler later replaces ours as it would without
 * ctrail, and its own exit path (with the exit snapshot) takes over. */
extern int __sigaction(int sig, const struct sigaction *sa, struct sigaction *old);

static void status_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void status_line(const char *fmt, ...)
{
	char line[PATH_MAX + 64];
	va_list ap;
	int fd, n;

	if (!status_path[0])
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	fd = open(status_path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, line, n) != n) {
		/* nothing to do: the supervisor reads what is there */
	}
	close(fd);
}

void record_status(const char *path, int rc)
{
	if (rc)
		status_line("failed\t%d\t%d\t%s\n", (int)getpid(), -rc, path);
	else
		status_line("wrote\t%d\t%s\n", (int)getpid(), path);
}

/* Does the pattern expand %p already? */
static int has_pid(const char *pattern)
{
	for (const char *p = pattern; *p; p++)
		if (*p == '%' && *++p == 'p')
			return 1;
	return 0;
}

/* config.output becomes the pattern with "-%p" before its suffix. */
static void use_child_output(void)
{
	const char *name, *dot;
	int n;

	if (has_pid(config.output) || config.output == child_output)
		return;
	name = strrchr(config.output, '/');
	name = name ? name + 1 : config.output;
	dot = strrchr(name, '.');
	if (!dot || dot == name)
		dot = name + strlen(name);
	n = snprintf(child_output, sizeof(child_output), "%.*s-%%p%s",
		     (int)(dot - config.output), config.output, dot);
	if (n > 0 && (size_t)n < sizeof(child_output))
		config.output = child_output;
}

static void after_fork(void)
{
	use_child_output();
	status_line("start\t%d\n", (int)getpid());
}

/* The runtime's helper thread (sigtrap.c) has written the snapshot for
 * sig: now the default action, from this thread so that no program
 * thread blocking sig can keep the process alive.  ftrace.c installs its
 * own cleanup for these signals only where the action is still the
 * default, so with CTRAIL_FTRACE=1 too ours comes first (record_init runs
 * before sched_start) and the ftrace instance of a process killed this way
 * is removed at the next start, as after SIGKILL. */
void record_signal_done(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t set;

	sigemptyset(&dfl.sa_mask);
	__sigaction(sig, &dfl, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
}

static void write_on_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction old, sa = { .sa_flags = SA_RESTART };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (__sigaction(sigs[i], NULL, &old) || old.sa_handler != SIG_DFL ||
		    (old.sa_flags & SA_SIGINFO))
			continue;
		if (!(sa.sa_handler = sigtrap_handler()))
			return;
		sigemptyset(&sa.sa_mask);
		__sigaction(sigs[i], &sa, NULL);
	}
}

void record_init(void)
{
	const char *s;

	if ((s = getenv("CTRAIL_STATUS")) && strlen(s) < sizeof(status_path))
		strcpy(status_path, s);
	if ((s = getenv("CTRAIL_OUTPUT_PID")))
		output_pid = strtol(s, NULL, 10);
	if (output_pid && output_pid != getpid())
		use_child_output();
	status_line("start\t%d\n", (int)getpid());
	if ((s = getenv("CTRAIL_WRITE_ON_SIGNAL")) && *s == '1')
		write_on_signals();
	pthread_atfork(NULL, NULL, after_fork);
}

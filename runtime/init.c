/* init.c - starting the runtime, and the triggers that write snapshots:
 * SIGTRAP (through sigtrap.c) and process exit. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ctrail.h"
#include "runtime.h"

/* -ECANCELED: the process is exiting, and exit said what was left out. */
static void report(int rc)
{
	if (rc && rc != -ECANCELED)
		fprintf(stderr, "ctrail: cannot write snapshot to %s: %s\n",
			config.output, strerror(-rc));
}

static void write_on_signal(void)
{
	report(snapshot_write_default(CTR_REASON_SIGNAL));
}

/* The helper thread is never traced, even if it meets traced code. */
static void helper_untraced(void)
{
	ctrail_tls.state = TLS_GONE;
}

/* Exit waits for a snapshot in progress (ctrfile.c), then writes its own
 * with CTRAIL_WRITE_AT_EXIT=1. */
static void at_exit(void)
{
	ctr_file_exit_wait();
	if (config.write_at_exit)
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
	ctr_file_after_fork();
	sigtrap_after_fork();
}

static void runtime_start(void)
{
	config_init();
	clock_init();
	thread_start();
	modules_refresh();
	sigtrap_init(&(struct sigtrap_trigger){ write_on_signal, helper_untraced,
						real_pthread_create });
	pthread_atfork(NULL, NULL, forget_other_threads);
	record_init();
	/* before at_exit: its atexit runs after.  Probes asked for and not
	 * set up end the program: its trace would lack them. */
	if ((config.ftrace || config.probes) && sched_start(1) && config.probes) {
		fprintf(stderr, "ctrail: not running without the probes CTRAIL_PROBES asks for\n");
		_exit(1);
	}
	atexit(at_exit);
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

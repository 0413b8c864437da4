/* hooks.c - the C side of the hooks in hooks.S: the thread-local block they
 * write through, the slow path of a thread's first event, and the entry
 * point unwind.c uses to record its events through the same hot path. */
#include "runtime.h"

__thread struct ctrail_tls ctrail_tls;

void __cyg_profile_func_enter(void *fn, void *site);

/* Sets up the calling thread's ring, then records the event that found it
 * missing.  Threads made by our pthread_create arrive set up already; this
 * is for the main thread before our constructor ran and for threads made
 * some other way.  Not async-signal-safe (it allocates and locks): a
 * handler that traces in a thread still in state TLS_NEW comes here; once
 * the state is TLS_STARTING, events from handlers are dropped until the
 * ring is in place. */
void ctrail_first_event(uint64_t word)
{
	runtime_init();
	thread_start();
	if (ctrail_tls.base)
		__cyg_profile_func_enter((void *)word, NULL);
}

/* The enter hook stores its argument as the event word unchanged, so any
 * kind can go through it. */
void ring_put_kind(unsigned kind, uintptr_t addr)
{
	__cyg_profile_func_enter((void *)CTR_EVENT_WORD(kind, addr), NULL);
}

/* hooks.c - the -finstrument-functions hooks (gcc and clang, before or after
 * inlining) and the slow path every hook takes for a thread's first event.
 *
 * The hot path is ring_put(): one TLS load and test, a masked offset, two
 * stores and an rdtsc.  The offset is published with a release store after
 * the event, so a snapshot that reads the offset first sees whole events
 * (x86 keeps stores in order; the release only stops the compiler). */
#include <x86intrin.h>
#include "runtime.h"

__thread struct ctrail_tls ctrail_tls;

static inline void ring_put(uint64_t word)
{
	char *base = ctrail_tls.base;

	if (__builtin_expect(base == NULL, 0)) {
		if (ctrail_tls.state == TLS_NEW)
			ctrail_first_event(word);
		return;
	}
	uint64_t off = ctrail_tls.off;
	struct ctr_event *e = (struct ctr_event *)(base + (off & ctrail_tls.mask));
	e->word = word;
	e->tsc = __rdtsc();
	/* pairs with the acquire load of off in snapshot.c:copy_ring() */
	__atomic_store_n(&ctrail_tls.off, off + sizeof(*e), __ATOMIC_RELEASE);
}

void __cyg_profile_func_enter(void *fn, void *site)
{
	ring_put(CTR_EVENT_WORD(CTR_KIND_CALL, (uintptr_t)fn));
}

void __cyg_profile_func_exit(void *fn, void *site)
{
	ring_put(CTR_EVENT_WORD(CTR_KIND_RETURN, (uintptr_t)fn));
}

/* Sets up the calling thread's ring, then records the event that found it
 * missing.  Threads made by our pthread_create arrive here set up already;
 * this is for the main thread before our constructor ran and for threads
 * made some other way. */
void ctrail_first_event(uint64_t word)
{
	thread_start();
	if (ctrail_tls.base)
		ring_put(word);
}

/* Records an unwinding event (catch, longjmp) from the unwind hooks. */
HIDDEN void ring_put_kind(unsigned kind, uintptr_t addr)
{
	ring_put(CTR_EVENT_WORD(kind, addr));
}

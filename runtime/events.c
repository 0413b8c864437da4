/* events.c - custom events: CTRAIL_LOG's delayed printf, counters, instant
 * events and flow arrows (include/ctrail.h), and the stack switches of
 * contexts.c, which are laid out the same way.
 *
 * An event is a head slot {kind | slot count | string address, tsc} and up
 * to CTR_MAX_SLOTS continuation slots {payload word, tsc | bit 63} written
 * in a row (format/ctr.h).  Nothing is formatted here: the format string
 * or name stays in the binary's read-only data and the decoder reads it
 * from there.  The slots are written as the hooks write theirs
 * (hooks_x86_64.S): base loaded once, all of the event's slots reserved by
 * one xaddq on the offset, then stamped and stored, so a signal handler
 * that logs on this thread gets the slots after them. */
#include <x86intrin.h>
#include "ctrail.h"
#include "runtime.h"

/* The word, then the stamp, as the hooks store them: a reader that sees
 * the stamp sees the word (x86 keeps stores in order; the fence keeps the
 * compiler to it). */
static inline void slot_store(char *slot, uint64_t word, uint64_t tsc)
{
	struct ctr_event *e = (struct ctr_event *)slot;

	e->word = word;
	__atomic_signal_fence(__ATOMIC_RELEASE);
	e->tsc = tsc;
}

void ring_put_slots(unsigned kind, const void *str, unsigned n, const uint64_t *payload)
{
	/* one load of base, as in the hooks */
	char *base = __atomic_load_n(&ctrail_tls.base, __ATOMIC_RELAXED);

	if (__builtin_expect(base == NULL, 0)) {
		if (ctrail_tls.state != TLS_NEW)
			return;
		runtime_init();
		thread_start();
		if (!(base = __atomic_load_n(&ctrail_tls.base, __ATOMIC_RELAXED)))
			return;
	}
	/* every slot at once, so a handler's events never land among them */
	uint64_t off = tls_reserve((n + 1) * sizeof(struct ctr_event));
	uint64_t mask = ctrail_tls.mask, tsc = __rdtsc();

	slot_store(base + (off & mask), CTR_CUSTOM_WORD(kind, n, (uintptr_t)str), tsc);
	for (unsigned i = 0; i < n; i++) {
		off += sizeof(struct ctr_event);
		slot_store(base + (off & mask), payload[i], tsc | CTR_TSC_CONTINUATION);
	}
}

void ctrail_log(const char *fmt, unsigned nargs, const uint64_t *args)
{
	ring_put_slots(CTR_KIND_LOG, fmt, nargs > CTR_MAX_SLOTS ? CTR_MAX_SLOTS : nargs, args);
}

void ctrail_counter(const char *name, int64_t value)
{
	uint64_t v = value;

	ring_put_slots(CTR_KIND_COUNTER, name, 1, &v);
}

void ctrail_instant(const char *name)
{
	ring_put_slots(CTR_KIND_INSTANT, name, 0, NULL);
}

void ctrail_arrow(const char *name, uint64_t id, int end)
{
	ring_put_slots(end ? CTR_KIND_FLOW_END : CTR_KIND_FLOW_BEGIN, name, 1, &id);
}

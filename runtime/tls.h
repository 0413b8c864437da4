/* tls.h - the per-thread block the hooks write through, shared by the C
 * hooks and the assembly ones (so it holds only offsets when assembled).
 *
 * The ring is a power-of-two array of 16-byte events.  `off` counts the
 * bytes the thread ever reserved: the next event goes to base + (off &
 * mask), and off / 16 is the number of events written or being written
 * (hooks_x86_64.S has the protocol), so wraps cost nothing and are still
 * counted.  `base` is NULL while the thread (or the process) is
 * paused, and before the ring exists: one test serves both.  `state` tells
 * the two apart when base is NULL, off the hot path. */
#ifndef CTRAIL_TLS_H
#define CTRAIL_TLS_H

#define TLS_BASE 0
#define TLS_OFF 8
#define TLS_MASK 16
#define TLS_STATE 24

/* state values */
#define TLS_NEW 0      /* no ring yet: the next event sets one up */
#define TLS_STARTING 1 /* being set up (events from inside are dropped) */
#define TLS_ACTIVE 2   /* has a ring; base is NULL only while paused */
#define TLS_GONE 3     /* exited, or a thread we never trace */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct ctrail_thread;

struct ctrail_tls {
	char *base;
	uint64_t off;
	uint64_t mask;
	uint8_t state;
	struct ctrail_thread *thread;
};

_Static_assert(offsetof(struct ctrail_tls, base) == TLS_BASE, "tls layout");
_Static_assert(offsetof(struct ctrail_tls, off) == TLS_OFF, "tls layout");
_Static_assert(offsetof(struct ctrail_tls, mask) == TLS_MASK, "tls layout");
_Static_assert(offsetof(struct ctrail_tls, state) == TLS_STATE, "tls layout");

/* initial-exec: a %fs-relative access with no __tls_get_addr call. */
extern __thread struct ctrail_tls ctrail_tls
	__attribute__((tls_model("initial-exec"), visibility("hidden")));

/* Reserves `bytes` of the calling thread's ring and returns the offset
 * they start at, as the assembly hooks do: one unlocked xaddq on the
 * offset, which no signal handler on this thread can split (other threads
 * only read the offset). */
static inline uint64_t tls_reserve(uint64_t bytes)
{
	__asm__ volatile("xaddq %0, %1" : "+r"(bytes), "+m"(ctrail_tls.off) : : "memory");
	return bytes;
}

#endif
#endif

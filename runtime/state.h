/* state.h - `ctrail_state`, the one exported object through which tools
 * outside the process (`ctrail core`, tools/ctrail-gdb.py) find the
 * runtime's threads, rings, modules and clock in a core dump or a stopped
 * process.  This layout is a published contract, versioned by
 * CTRAIL_STATE_VERSION: readers check magic, version and size, and refuse
 * what they do not know.  Change any field below, its meaning, or the
 * layout of the records it points at, and bump the version.
 *
 * Version 1.  All integers little-endian, pointers 8 bytes (x86-64).
 *
 *   struct ctrail_state (exported as `ctrail_state`, 160 bytes)
 *   offset size
 *   0      8   magic "CTRSTATE"
 *   8      4   version (1)
 *   12     4   size of struct ctrail_state (160)
 *   16     32  layout: 16 uint16 byte offsets (struct ctrail_state_layout),
 *              so a reader need not know struct ctrail_thread by heart
 *   48     8   pointer to the head pointer of the live thread list
 *   56     8   pointer to the head pointer of the exited thread list
 *   64     8   pointer to the uint32 count of dropped exited threads
 *   72     8   pointer to the uint64 count of their dropped events
 *   80     8   pointer to the module records (array), 0 before the first
 *   88     4   number of module records
 *   92     4   reserved, zero
 *   96     64  struct ctr_clock (format/ctr.h): tsc_hz (0 until the
 *              process found its TSC rate), source, start pair; `now`
 *              stays zero (the reader has no clock of the crash)
 *
 *   a thread record (struct ctrail_thread), fields at layout offsets:
 *   thread_next      8  next record in its list, 0 at the end
 *   thread_tls       8  the thread's TLS block (struct ctrail_tls), 0 once
 *                       the thread exited
 *   thread_ring      8  the ring: thread_size bytes, a power of two, of
 *                       16-byte struct ctr_event
 *   thread_size      8  ring bytes
 *   thread_final_off 8  bytes written, for an exited thread
 *   thread_tid       4  kernel thread id
 *   thread_is_main   4  non-zero for the main thread
 *   thread_name      16 name read at exit (live threads: empty)
 *   tls_off          8  offset in the TLS block: bytes the live thread
 *                       ever reserved (its next event goes to
 *                       ring + (off & (size - 1))); some reserved slots
 *                       may not be stored yet (ring_drop_unwritten)
 *
 *   a module record (struct module_record, module_size bytes each):
 *   module_hdr       24 struct ctr_module (format/ctr.h)
 *   module_segs      8  pointer to hdr.nsegments struct ctr_segment
 *   module_build_id  64 GNU build id, hdr.build_id_size bytes of it used
 *   module_path      8  pointer to hdr.path_size bytes of path
 *
 * A ring's valid events are those ring_first_stable() and
 * ring_drop_unwritten() below keep. */
#ifndef CTRAIL_STATE_H
#define CTRAIL_STATE_H

#include <stdint.h>
#include "ctr.h"

#define CTRAIL_STATE_MAGIC "CTRSTATE"
#define CTRAIL_STATE_VERSION 1

struct ctrail_state_layout {
	uint16_t thread_next, thread_tls, thread_ring, thread_size;
	uint16_t thread_final_off, thread_tid, thread_is_main, thread_name;
	uint16_t tls_off;
	uint16_t module_size, module_hdr, module_segs, module_build_id, module_path;
	uint16_t reserved[2];
};

struct ctrail_thread;
struct module_record;

struct ctrail_state {
	char magic[8];
	uint32_t version;
	uint32_t size;
	struct ctrail_state_layout layout;
	struct ctrail_thread **live_threads;
	struct ctrail_thread **exited_threads;
	uint32_t *dropped_threads;
	uint64_t *dropped_events;
	struct module_record *mods;
	uint32_t nmods;
	uint32_t reserved;
	struct ctr_clock clock;
};

_Static_assert(sizeof(struct ctrail_state) == 160, "state layout");
_Static_assert(__builtin_offsetof(struct ctrail_state, live_threads) == 48, "state layout");
_Static_assert(__builtin_offsetof(struct ctrail_state, mods) == 80, "state layout");
_Static_assert(__builtin_offsetof(struct ctrail_state, clock) == 96, "state layout");

/* The ring protocol (hooks_x86_64.S): a writer reserves its slots by
 * bumping the write offset first, then stamps and stores them.  So every
 * slot before the offset was reserved, but a live writer (a thread other
 * than the reader, or any thread stopped by a crash) may not have stored
 * some yet: the last one, and any it was filling when a signal handler
 * interrupted it (the handler's own events follow it).  Such a slot still
 * holds the previous lap's event, or zeros (a siglongjmp out of such a
 * handler leaves it so for good).  Readers copy a ring as
 * follows, the same way everywhere (snapshot.c, the core readers):
 *
 * A writer stores a slot's word, then its stamp, so a copy that reads the
 * stamp no earlier than the word gets a new stamp only with the new word.
 * memcpy reads a slot with one aligned vector load at these sizes (x86
 * promises such a load whole only for 8 bytes, but does it for aligned
 * lines in practice); a slot caught between the writer's two stores is
 * one being written as the copy passes it, i.e. a signal-interrupted one.
 *
 * ring_first_stable(): the first event index of a ring holding `cap`
 * events, `written` of them reserved, that was not overwritten.  A writer
 * only stores into slots it reserved, so read the offset after copying
 * and cut there: what it stored meanwhile went to reserved slots, whose
 * previous lap this cut drops. */
static inline uint64_t ring_first_stable(uint64_t written, uint64_t cap)
{
	return written > cap ? written - cap : 0;
}

/* ring_drop_unwritten(): removes from the n events copied from a live
 * writer's ring the slots it had reserved and not yet stored, and returns
 * how many are left.  An unwritten slot holds an event of the previous lap
 * (or zeros), stamped before every event the copy holds, because each
 * event is stamped after its reservation and the copy's events were all
 * reserved after the previous lap's.  Stamps go backwards only after an
 * event a handler interrupted (it is stamped when the handler is done), so
 * the floor is the oldest stamp among the first four slots: one of them is
 * an event stamped in order unless four nested handlers each interrupted
 * the one before at that instant.  `since` (0 for none) raises the floor
 * when the copy starts at a time.  Not handled: a handler that stores more
 * than a ring's worth of events while it interrupts a hook (the hook then
 * overwrites an event of that handler when it resumes). */
static inline uint64_t ring_drop_unwritten(struct ctr_event *ev, uint64_t n,
					   uint64_t since)
{
	uint64_t floor = UINT64_MAX, k;

	for (uint64_t i = 0; i < n && i < 4; i++) {
		uint64_t t = CTR_SLOT_TSC(ev[i].tsc);
		if (t && t < floor)
			floor = t;
	}
	if (floor == UINT64_MAX || floor < since)
		floor = since > 0 ? since : 1;
	for (k = 0; k < n && CTR_SLOT_TSC(ev[k].tsc) >= floor; k++)
		;
	for (uint64_t i = k; i < n; i++)
		if (CTR_SLOT_TSC(ev[i].tsc) >= floor)
			ev[k++] = ev[i];
	return k;
}

/* The runtime's instance (state.c); modules.c and clock.c keep the module
 * and clock fields current. */
extern struct ctrail_state ctrail_state;

#endif

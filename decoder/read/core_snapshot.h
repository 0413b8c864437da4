/* core_snapshot.h - the runtime's state (runtime/state.h) read out of a
 * core file into one .ctr snapshot: the same chunks the runtime writes,
 * with reason CTR_REASON_CORE.  Threads come live first, then exited ones,
 * and the thread that dumped the core last, flagged CTR_THREAD_CRASHED.
 * Every live thread gets a STACK chunk from its NT_PRSTATUS registers and
 * up to CORE_STACK_BYTES of stack memory from the core. */
#ifndef CORE_SNAPSHOT_H
#define CORE_SNAPSHOT_H

#include "core_reader.h"
#include "ctr.h"
#include "ctr_write.h"

#define CORE_STACK_BYTES (256 * 1024)

struct core_module {
	struct ctr_module hdr;
	struct ctr_segment *segs;
	uint8_t build_id[64];
	char *path;
};

/* A thread's ring and, for a live one, its STACK chunk (stack.tid == 0:
 * none): the core's registers of that thread and the stack above them. */
struct core_ring {
	struct ctr_thread hdr;
	struct ctr_event *events;
	struct ctr_stack stack;
	uint8_t *stack_bytes;
};

struct core_snapshot {
	struct ctr_snapshot hdr;
	struct ctr_process proc;
	char *exe, *cmdline;
	struct ctr_clock clock;
	struct core_module *mods;
	uint32_t nmods;
	struct core_ring *threads;
	uint32_t nthreads;
};

/* Reads the state at state_addr (the address of `ctrail_state`).  exe is
 * the executable's path for the PROCESS chunk.  tsc_hz, when not zero,
 * replaces the rate the process knew (needed when it knew none).  Errors:
 * a negative errno with the message in c->err. */
int core_snapshot_read(struct core_file *c, uint64_t state_addr,
		       const char *exe, uint64_t tsc_hz, struct core_snapshot *s);
void core_snapshot_free(struct core_snapshot *s);

/* Writes the snapshot as a whole .ctr file to w (started, not ended). */
int core_snapshot_write(struct ctr_writer *w, const struct core_snapshot *s);

#endif

/* unwind.h - the calls that were open on a live thread when its snapshot
 * was taken, unwound with libdwfl from the thread's STACK chunk (its saved
 * registers and stack bytes) and the CFI of the snapshot's modules.
 *
 * One libdwfl session per snapshot holds every module at its run-time
 * address (symbolizer_session: the symbolizer's own sessions hold
 * one module each at address 0, which an unwinder crossing modules cannot
 * use); its "process" is the snapshot, whose threads are the STACK chunks.
 * Memory reads are served from the saved stack bytes, then from the
 * modules' files (read-only data the CFI may point at); anything else
 * ends the walk there. */
#ifndef UNWIND_H
#define UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include "reader.h"
#include "symbols.h"

struct unwinder;

/* NULL when out of memory.  The symbolizer must already hold snap's
 * modules and outlive the unwinder. */
struct unwinder *unwinder_new(const struct symbolizer *syms,
			      const struct reader_snapshot *snap);
void unwinder_free(struct unwinder *u);

/* Code addresses of the thread's frames, innermost first: the pc it was
 * stopped at, then for each caller an address inside its call instruction
 * (the return address minus one), at most max of them.  Returns how many
 * (0 when the stack is missing or nothing could be unwound). */
size_t unwinder_frames(struct unwinder *u, const struct reader_stack *st,
		       uint64_t *pcs, size_t max);

#endif

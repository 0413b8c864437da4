/* open_before.h - which frames of a thread's unwound stack were open
 * before its ring began: the timeline (timeline.c) opens them ahead of the
 * thread's first event, marked REPAIR_OPEN_BEFORE_RING.
 *
 * The unwound stack S was taken at one moment, the capture (an event
 * index of the ring).  The ring says which of S's frames began inside it:
 * the frames its calls opened and had not closed at the capture.  Those
 * are S's innermost instrumented frames; everything outside the outermost
 * of them began before the ring.  Frames the ring cannot vouch for are
 * left out at the inner edge: the runtime's own (a hook, or the snapshot
 * code of a thread taking its own stack), functions the ring shows being
 * called directly under the pre-ring frames (the leaf loop's callees: the
 * thread was between such calls), and frames in modules with no event in
 * the ring (libc: such a frame may have begun after the ring's last
 * event).  Uninstrumented frames between kept ones stay. */
#ifndef OPEN_BEFORE_H
#define OPEN_BEFORE_H

#include <stddef.h>
#include <stdint.h>
#include "symbols.h"

#define OPEN_BEFORE_CALLEES 64

struct open_before_input {
	const struct symbol *const *unwound; /* S, innermost first */
	size_t nunwound;
	int self; /* taken by the snapshotting thread inside the runtime */
	const struct symbol *const *open; /* ring frames open at the capture,
					     outermost first */
	size_t nopen;
	/* functions called with no ring frame open, since the last orphan
	 * return before the capture (at most OPEN_BEFORE_CALLEES) */
	const struct symbol *callees[OPEN_BEFORE_CALLEES];
	size_t ncallees;
	uint64_t traced_modules; /* bit m: module m has events (m >= 64: all) */
};

/* Writes the frames open before the ring into out (room for nunwound),
 * outermost first, and returns how many. */
size_t open_before_frames(const struct open_before_input *in,
			  const struct symbol **out);

#endif

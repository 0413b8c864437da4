/* window.h - the default time window of a snapshot.  A server's helper
 * threads often made one call at start that is still open (a thread
 * waiting for work), while its busy threads' rings wrapped and hold only
 * the last moments: decoded as they are, the idle calls span the whole
 * run and the busy part sits at its far end.  By default the commands
 * show only the time where every busy ring (one that wrapped, of a live
 * thread) has events: from the latest of their first events to the
 * snapshot.  Calls open at its start are clipped to it (their begin is
 * the window's, repair "begun before the window"), calls that ended
 * before it are left out, and output times count from it.  `--all` shows
 * the whole snapshot; --since/--until/--max-age set a window of their
 * own instead. */
#ifndef WINDOW_H
#define WINDOW_H

#include <stdint.h>
#include "reader.h"
#include "timebase.h"
#include "timeline.h"

struct window {
	uint64_t from_tsc;
	const struct reader_thread *latest; /* the busy ring starting last; NULL: no window */
};

/* The default window of the threads keep() accepts (NULL: all): none
 * (w->latest NULL) when no busy ring starts after the earliest event. */
void window_default(struct window *w, const struct reader_snapshot *snap,
		    int (*keep)(void *ctx, const struct reader_thread *t),
		    void *keep_ctx);

/* Makes the timeline clip to the window and the time base count from it. */
void window_apply(const struct window *w, struct timeline *tl, struct time_base *tb);

#endif

/* window.c - see window.h.  The busy rings are those that wrapped: they
 * hold only their last part, and before the latest of their first events
 * some busy thread's calls are missing, so that time is left out by
 * default.  Only live threads' rings count: an exited thread's ring ends
 * when the thread did, and says nothing of the time after it. */
#include "window.h"

static int busy(const struct reader_thread *t)
{
	return t->hdr->nevents && t->hdr->overwritten &&
	       !(t->hdr->flags & CTR_THREAD_EXITED);
}

void window_default(struct window *w, const struct reader_snapshot *snap,
		    int (*keep)(void *ctx, const struct reader_thread *t),
		    void *keep_ctx)
{
	uint64_t first = UINT64_MAX;

	*w = (struct window){ 0 };
	for (size_t i = 0; i < snap->nthreads; i++) {
		const struct reader_thread *t = &snap->threads[i];
		uint64_t tsc = t->hdr->nevents ? CTR_SLOT_TSC(t->events[0].tsc) : UINT64_MAX;

		if (keep && !keep(keep_ctx, t))
			continue;
		if (tsc < first)
			first = tsc;
		if (busy(t) && (!w->latest || tsc > w->from_tsc)) {
			w->from_tsc = tsc;
			w->latest = t;
		}
	}
	if (w->latest && w->from_tsc <= first)
		*w = (struct window){ 0 }; /* nothing before it */
}

void window_apply(const struct window *w, struct timeline *tl, struct time_base *tb)
{
	if (!w->latest)
		return;
	tl->from_tsc = w->from_tsc;
	tl->clip = 1;
	if (tb->origin_tsc == tb->first_tsc)
		tb->origin_tsc = w->from_tsc;
	tb->first_tsc = w->from_tsc;
}

/* timeline.c - see timeline.h for the rules.  A thread is walked twice
 * with the same step function: the first pass only finds the orphan
 * returns (a return matching nothing closes every open frame, since its
 * function must enclose them all); the second starts with one synthesized
 * frame per orphan, outermost (latest) at the bottom, and delivers slices.
 * Because both passes close the same frames at the same events, every
 * return of the second pass finds its frame.
 *
 * With an unwound stack (tl->unwound), the first pass also notes what the
 * ring had open at the stack's moment; open_before.c picks the frames
 * that began before the ring, and a second first pass runs with them at
 * the bottom, so returns after that moment that close them match, as they
 * will in the delivering pass.  An orphan return keeps them (tl->base).
 *
 * Time windows: a frame that began before from_tsc is held back and
 * delivered, with its true begin time, when the walk first reaches
 * from_tsc; frames beginning after to_tsc are never delivered, and an end
 * is delivered exactly when its begin was.  With clip (window.h), a
 * held-back frame begins at from_tsc instead, flagged REPAIR_CLIPPED. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log_format.h"
#include "timeline.h"
#include "unwind.h"

#define MAX_UNWOUND 4096

struct frame {
	struct slice s;
	int delivered;
};

enum pass { FIND_ORPHANS, DELIVER };

const char *timeline_repair_name(enum timeline_repair repair)
{
	static const char *const names[REPAIR_KINDS] = {
		[REPAIR_ORPHAN_RETURN] = "orphan return",
		[REPAIR_MISSING_RETURN] = "missing return",
		[REPAIR_EXCEPTION] = "unwound by exception",
		[REPAIR_LONGJMP] = "unwound by longjmp",
		[REPAIR_OPEN_AT_END] = "no return in snapshot",
		[REPAIR_OPEN_BEFORE_RING] = "open before ring",
		[REPAIR_CLIPPED] = "begun before the window",
	};

	return (unsigned)repair < REPAIR_KINDS ? names[repair] : NULL;
}

static const struct symbol *lookup_symbolizer(void *ctx, uint64_t addr)
{
	return symbolizer_lookup(ctx, addr);
}

static const char *string_symbolizer(void *ctx, uint64_t addr)
{
	return symbolizer_string(ctx, addr);
}

void timeline_init(struct timeline *tl, struct symbolizer *syms,
		   const struct emitter_ops *ops, void *ops_ctx)
{
	memset(tl, 0, sizeof(*tl));
	tl->lookup = lookup_symbolizer;
	tl->string = string_symbolizer;
	tl->lookup_ctx = syms;
	tl->ops = ops;
	tl->ops_ctx = ops_ctx;
	tl->to_tsc = UINT64_MAX;
	tl->syms = syms;
}

void timeline_free(struct timeline *tl)
{
	free(tl->stack);
	free(tl->orphans);
	free(tl->seen);
	free(tl->before);
	free(tl->snapshot_unwound);
	free(tl->open_at);
	tl->stack = NULL;
	tl->orphans = NULL;
	tl->seen = NULL;
	tl->before = tl->open_at = NULL;
}

static int deliver_begin(struct timeline *tl, struct frame *f)
{
	f->delivered = 1;
	return tl->ops->slice_begin ? tl->ops->slice_begin(tl->ops_ctx, &f->s) : 0;
}

/* Delivers the held-back frames once the walk reaches the window. */
static int enter_window(struct timeline *tl, enum pass pass, uint64_t t,
			struct timeline_stats *st)
{
	int err = 0;

	if (pass != DELIVER || tl->in_window || t < tl->from_tsc)
		return 0;
	tl->in_window = 1;
	for (size_t i = 0; i < tl->depth && !err; i++) {
		struct frame *f = &tl->stack[i];

		if (tl->clip && f->s.begin_tsc < tl->from_tsc) {
			f->s.begin_tsc = tl->from_tsc;
			f->s.begin_repair = REPAIR_CLIPPED;
			st->repairs[REPAIR_CLIPPED]++;
		}
		if (f->s.begin_tsc <= tl->to_tsc)
			err = deliver_begin(tl, f);
	}
	return err;
}

static int push(struct timeline *tl, enum pass pass, const struct symbol *sym,
		uint64_t t, enum timeline_repair repair,
		struct timeline_stats *st)
{
	struct frame *f;

	if (tl->depth == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 64;
		struct frame *grown = realloc(tl->stack, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		tl->stack = grown;
		tl->cap = cap;
	}
	f = &tl->stack[tl->depth];
	*f = (struct frame){ .s = { .sym = sym, .begin_tsc = t,
				    .depth = tl->depth,
				    .begin_repair = repair } };
	tl->depth++;
	if (tl->depth > st->max_depth)
		st->max_depth = tl->depth;
	if (repair != REPAIR_NONE)
		st->repairs[repair]++;
	if (pass == DELIVER && tl->in_window && t <= tl->to_tsc)
		return deliver_begin(tl, f);
	return 0;
}

/* Closes frames from the top down to (and including) index `down_to`;
 * the last one closed gets `last_repair`, the ones above it `repair`. */
static int close_to(struct timeline *tl, size_t down_to, uint64_t t,
		    enum timeline_repair repair,
		    enum timeline_repair last_repair,
		    struct timeline_stats *st)
{
	while (tl->depth > down_to) {
		struct frame *f = &tl->stack[--tl->depth];

		f->s.end_tsc = t;
		f->s.end_repair = tl->depth == down_to ? last_repair : repair;
		if (f->s.end_repair != REPAIR_NONE)
			st->repairs[f->s.end_repair]++;
		st->slices++;
		if (tl->clip && t < tl->from_tsc)
			st->before_window++;
		if (f->delivered && tl->ops->slice_end) {
			int err = tl->ops->slice_end(tl->ops_ctx, &f->s);

			if (err)
				return err;
		}
	}
	if (tl->base > tl->depth)
		tl->base = tl->depth;
	return 0;
}

/* The innermost open frame of the function sym, or -1. */
static long find_function(const struct timeline *tl, const struct symbol *sym)
{
	if (sym->flags & SYMBOL_UNKNOWN)
		return -1;
	for (size_t i = tl->depth; i-- > 0;)
		if (tl->stack[i].s.sym->start == sym->start)
			return i;
	return -1;
}

static int on_return(struct timeline *tl, enum pass pass, uint64_t index,
		     const struct symbol *sym, uint64_t t,
		     struct timeline_stats *st)
{
	long i = (sym->flags & SYMBOL_UNKNOWN) ? (long)tl->depth - 1
					       : find_function(tl, sym);

	if (i >= 0)
		return close_to(tl, i, t, REPAIR_MISSING_RETURN, REPAIR_NONE, st);
	/* gcc's fentry mode can give a thunk a return hook and no entry hook;
	 * the return of a function that never entered encloses nothing */
	if (pass == DELIVER || (sym->flags & SYMBOL_THUNK)) {
		st->dropped_returns++;
		return 0;
	}
	if (tl->norphans == tl->orphans_cap) {
		size_t cap = tl->orphans_cap ? tl->orphans_cap * 2 : 16;
		uint64_t *grown = realloc(tl->orphans, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		tl->orphans = grown;
		tl->orphans_cap = cap;
	}
	tl->orphans[tl->norphans++] = index;
	if (tl->seen && index < tl->unwound_at)
		tl->seen->ncallees = 0;
	return close_to(tl, tl->base, t, REPAIR_MISSING_RETURN, REPAIR_MISSING_RETURN, st);
}

/* CATCH and LONGJMP: unwind to the innermost frame of the function. */
static int on_unwind(struct timeline *tl, const struct symbol *sym,
		     uint64_t t, enum timeline_repair repair,
		     struct timeline_stats *st)
{
	long i = find_function(tl, sym);

	if (i < 0)
		return 0;
	return close_to(tl, i + 1, t, repair, repair, st);
}

static const char *string_at(struct timeline *tl, uint64_t addr)
{
	const char *s = tl->string ? tl->string(tl->lookup_ctx, addr) : NULL;

	return s ? s : "?";
}

/* A custom event at index: its payload is in the continuation slots that
 * follow it (as many as are really there). */
static int on_custom(struct timeline *tl, const struct reader_thread *th,
		     uint64_t index, unsigned kind, uint64_t t)
{
	const struct ctr_event *e = &th->events[index];
	uint64_t words[CTR_MAX_SLOTS], addr = CTR_CUSTOM_ADDR(e->word);
	unsigned n = 0, want = CTR_CUSTOM_SLOTS(e->word);
	struct custom_event ce = { .kind = kind, .tsc = t, .depth = tl->depth };

	while (n < want && index + 1 + n < th->hdr->nevents &&
	       e[1 + n].tsc == (e->tsc | CTR_TSC_CONTINUATION)) {
		words[n] = e[1 + n].word;
		n++;
	}
	ce.name = string_at(tl, addr);
	if (kind == CTR_KIND_LOG) {
		ce.format = ce.name;
		log_format(tl->message, sizeof(tl->message), ce.format, words, n,
			   tl->string, tl->lookup_ctx);
		ce.name = tl->message;
	} else if (n > 0) {
		ce.value = (int64_t)words[0];
		ce.id = words[0];
	}
	return tl->ops->custom(tl->ops_ctx, &ce);
}

/* First pass with an unwound stack: the modules that have events, and the
 * functions called with nothing of the ring open before the capture. */
static void note_event(struct open_before_input *seen, int top_call,
		       const struct symbol *sym)
{
	if (sym->module >= 0 && sym->module < 64)
		seen->traced_modules |= UINT64_C(1) << sym->module;
	if (!top_call || seen->ncallees == OPEN_BEFORE_CALLEES)
		return;
	for (size_t i = 0; i < seen->ncallees; i++)
		if (seen->callees[i] == sym)
			return;
	seen->callees[seen->ncallees++] = sym;
}

/* The first pass reached the capture: what the ring has open then. */
static int note_capture(struct timeline *tl)
{
	const struct symbol **open = realloc(tl->open_at, (tl->depth + 1) * sizeof(*open));

	if (!open)
		return -ENOMEM;
	tl->open_at = open;
	for (size_t i = 0; i < tl->depth; i++)
		open[i] = tl->stack[i].s.sym;
	tl->seen->open = open;
	tl->seen->nopen = tl->depth;
	return 0;
}

static int step(struct timeline *tl, enum pass pass,
		const struct reader_thread *th, uint64_t index,
		struct timeline_stats *st)
{
	const struct ctr_event *e = &th->events[index];
	uint64_t t = e->tsc;
	unsigned kind = CTR_EVENT_KIND(e->word);
	const struct symbol *sym;
	int err;

	if (t & CTR_TSC_CONTINUATION) /* read with its event */
		return 0;
	if (t < tl->now) {
		st->backwards++;
		t = tl->now;
	}
	tl->now = t;
	err = enter_window(tl, pass, t, st);
	if (err)
		return err;
	if (CTR_KIND_IS_CUSTOM(kind)) {
		if (pass != DELIVER)
			return 0;
		st->custom[kind]++;
		if (!tl->ops->custom || !tl->in_window || t > tl->to_tsc)
			return 0;
		return on_custom(tl, th, index, kind, t);
	}
	if (kind != CTR_KIND_CALL && kind != CTR_KIND_RETURN &&
	    kind != CTR_KIND_CATCH && kind != CTR_KIND_LONGJMP) {
		st->unknown_kinds++;
		return 0;
	}
	sym = tl->lookup(tl->lookup_ctx, CTR_EVENT_ADDR(e->word));
	if (pass == FIND_ORPHANS && tl->seen)
		note_event(tl->seen, index < tl->unwound_at && tl->depth == 0 &&
			   kind == CTR_KIND_CALL, sym);
	switch (kind) {
	case CTR_KIND_CALL:
		return push(tl, pass, sym, t, REPAIR_NONE, st);
	case CTR_KIND_RETURN:
		return on_return(tl, pass, index, sym, t, st);
	case CTR_KIND_CATCH:
		return on_unwind(tl, sym, t, REPAIR_EXCEPTION, st);
	default:
		return on_unwind(tl, sym, t, REPAIR_LONGJMP, st);
	}
}

/* One pass over the thread's events, closing what is left open at the end
 * (the first pass just empties the stack). */
static int walk(struct timeline *tl, enum pass pass,
		const struct reader_thread *th, uint64_t taken_tsc,
		struct timeline_stats *st)
{
	uint64_t n = th->hdr->nevents, end;
	int err = 0;

	tl->depth = 0;
	tl->base = 0;
	tl->in_window = 0;
	tl->now = CTR_SLOT_TSC(th->events[0].tsc);
	if (pass == DELIVER)
		err = enter_window(tl, pass, tl->now, st);
	for (size_t i = 0; i < tl->nbefore && !err; i++)
		err = push(tl, pass, tl->before[i], tl->now, REPAIR_OPEN_BEFORE_RING, st);
	tl->base = tl->depth;
	if (pass == DELIVER) {
		/* The latest orphan return encloses the earlier ones. */
		for (size_t i = tl->norphans; i-- > 0 && !err;) {
			uint64_t addr = CTR_EVENT_ADDR(th->events[tl->orphans[i]].word);

			err = push(tl, pass, tl->lookup(tl->lookup_ctx, addr),
				   tl->now, REPAIR_ORPHAN_RETURN, st);
		}
	}
	for (uint64_t i = 0; i < n && !err; i++) {
		if (pass == FIND_ORPHANS && tl->seen && i == tl->unwound_at)
			err = note_capture(tl);
		if (!err)
			err = step(tl, pass, th, i, st);
	}
	if (!err && pass == FIND_ORPHANS && tl->seen && tl->unwound_at >= n)
		err = note_capture(tl);
	if (err)
		return err;
	end = taken_tsc > tl->now ? taken_tsc : tl->now;
	err = enter_window(tl, pass, end, st);
	if (!err)
		err = close_to(tl, 0, end, REPAIR_OPEN_AT_END, REPAIR_OPEN_AT_END, st);
	return err;
}

/* With an unwound stack, the first pass notes what open_before.c needs. */
static int start_seeing(struct timeline *tl)
{
	const struct symbol **before;

	if (!tl->nunwound)
		return 0;
	before = realloc(tl->before, tl->nunwound * sizeof(*before));
	if (!before || !(tl->seen = calloc(1, sizeof(*tl->seen)))) {
		if (before)
			tl->before = before;
		return -ENOMEM;
	}
	tl->before = before;
	tl->seen->unwound = tl->unwound;
	tl->seen->nunwound = tl->nunwound;
	tl->seen->self = tl->unwound_self;
	return 0;
}

int timeline_thread(struct timeline *tl, const struct reader_thread *t,
		    uint64_t taken_tsc, struct timeline_stats *stats)
{
	struct timeline_stats scratch, local;
	int err;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (t->hdr->nevents == 0)
		return 0;
	memset(&scratch, 0, sizeof(scratch));
	tl->norphans = 0;
	tl->nbefore = 0;
	err = start_seeing(tl);
	if (!err)
		err = walk(tl, FIND_ORPHANS, t, taken_tsc, &scratch);
	/* a ring that lost nothing (no wrap, no orphan, no since cut) holds
	 * the thread's whole traced life: only its start-up frames (_start,
	 * start_thread) were open before it */
	if (!err && tl->seen) {
		if (t->hdr->overwritten || tl->norphans || tl->unwound_cut)
			tl->nbefore = open_before_frames(tl->seen, tl->before);
		free(tl->seen);
		tl->seen = NULL;
		tl->norphans = 0;
		if (tl->nbefore)
			err = walk(tl, FIND_ORPHANS, t, taken_tsc, &scratch);
	}
	if (!err)
		err = walk(tl, DELIVER, t, taken_tsc, stats);
	stats->first_tsc = CTR_SLOT_TSC(t->events[0].tsc);
	stats->last_tsc = tl->now;
	tl->depth = 0;
	return err;
}

/* The thread's frames from its STACK chunk, as symbols, into tl->unwound. */
static int unwind_thread(struct timeline *tl, const struct reader_thread *t,
			 uint64_t since)
{
	uint64_t first = t->hdr->written - t->hdr->nevents, pcs[MAX_UNWOUND];
	size_t n;

	tl->nunwound = 0;
	if (!tl->unwinder || !t->stack)
		return 0;
	if (!tl->snapshot_unwound &&
	    !(tl->snapshot_unwound = malloc(MAX_UNWOUND * sizeof(*tl->snapshot_unwound))))
		return -ENOMEM;
	n = unwinder_frames(tl->unwinder, t->stack, pcs, MAX_UNWOUND);
	/* each frame: the functions inlined at its pc, then its own */
	for (size_t i = 0, k = 0; i < n && k < MAX_UNWOUND; i++) {
		k += symbolizer_inlined(tl->syms, pcs[i], tl->snapshot_unwound + k,
					MAX_UNWOUND - 1 - k);
		tl->snapshot_unwound[k++] = tl->lookup(tl->lookup_ctx, pcs[i]);
		tl->nunwound = k;
	}
	tl->unwound = tl->snapshot_unwound;
	tl->unwound_self = (t->stack->hdr->flags & CTR_STACK_SELF) != 0;
	tl->unwound_cut = since != 0;
	tl->unwound_at = t->stack->hdr->written < first ? 0 : t->stack->hdr->written - first;
	return 0;
}

int timeline_snapshot(struct timeline *tl, const struct reader_snapshot *snap,
		      const struct time_base *tb,
		      int (*keep)(void *ctx, const struct reader_thread *t),
		      void *keep_ctx, struct timeline_stats *stats)
{
	const struct emitter_ops *ops = tl->ops;
	int err = 0;

	if (stats)
		memset(stats, 0, snap->nthreads * sizeof(*stats));
	if (ops->begin_file)
		err = ops->begin_file(tl->ops_ctx, snap, tb);
	if (!err && ops->process)
		err = ops->process(tl->ops_ctx, snap);
	if (!err && tl->syms && snap->nstacks && !(tl->unwinder = unwinder_new(tl->syms, snap)))
		err = -ENOMEM;
	for (size_t i = 0; i < snap->nthreads && !err; i++) {
		const struct reader_thread *t = &snap->threads[i];

		if (keep && !keep(keep_ctx, t))
			continue;
		if (ops->thread)
			err = ops->thread(tl->ops_ctx, t);
		if (!err)
			err = unwind_thread(tl, t, snap->hdr->since_tsc);
		if (!err)
			err = timeline_thread(tl, t, snap->hdr->taken_tsc,
					      stats ? &stats[i] : NULL);
		if (stats && t->stack) {
			stats[i].stack = t->stack->hdr->flags & CTR_STACK_MISSING ? -1 : 1;
			stats[i].unwound = tl->nunwound;
		}
		tl->nunwound = 0;
	}
	unwinder_free(tl->unwinder);
	tl->unwinder = NULL;
	if (!err && ops->sched && snap->nsched)
		err = ops->sched(tl->ops_ctx, snap, tl->from_tsc, tl->to_tsc);
	if (!err && ops->end_file)
		err = ops->end_file(tl->ops_ctx);
	return err;
}

/* timeline.c - see timeline.h for the rules.  A thread is walked twice
 * with the same step function: the first pass only finds the orphan
 * returns (a return matching nothing closes every open frame of its stack,
 * since its function must enclose them all); the second starts each stack
 * with one synthesized frame per orphan of it, outermost (latest) at the
 * bottom, and delivers slices.  Because both passes close the same frames
 * at the same events, and make the same contexts in the same order, every
 * return of the second pass finds its frame.
 *
 * Each context (struct context) is a frame stack.  A signal handler's
 * frames sit on the interrupted stack above a barrier frame, the
 * handler's "signal SIGx" slice, below which returns never look; the
 * "running NAME" slice a context puts on the thread's own stack while it
 * runs is a barrier too.  Synthesized slices have symbols of their own
 * (SYMBOL_SYNTHETIC), owned by the timeline.
 *
 * With an unwound stack (tl->unwound), the first pass also notes what the
 * thread's own stack (context 0) had open at the stack's moment;
 * open_before.c picks the frames that began before the ring, and a second
 * first pass runs with them at the bottom of context 0, so returns after
 * that moment that close them match, as they will in the delivering pass.
 * An orphan return keeps them (the context's floor).
 *
 * Time windows: a frame that began before from_tsc is held back and
 * delivered, with its true begin time, when the walk first reaches
 * from_tsc; frames beginning after to_tsc are never delivered, and an end
 * is delivered exactly when its begin was.  With clip (window.h), a
 * held-back frame begins at from_tsc instead, flagged REPAIR_CLIPPED. */
#define _GNU_SOURCE /* sigabbrev_np */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log_format.h"
#include "timeline.h"
#include "unwind.h"

#define MAX_UNWOUND 4096

struct frame {
	struct slice s;
	int delivered;
	int barrier; /* a signal's slice, or a context's "running" slice */
};

struct context {
	struct frame *frames;
	size_t depth, cap;
	uint64_t id;    /* the id its stack is saved under now; 0: none */
	size_t floor;   /* frames an orphan return leaves open: those open
			   before the ring (the thread's own stack only) */
	struct track track;
	struct symbol running; /* "running NAME", on the thread's own stack */
	char *name, *running_name;
};

struct orphan {
	size_t context; /* index from the thread's own (0) */
	uint64_t index; /* of the return event */
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

static void context_free(struct context *c)
{
	if (c) {
		free(c->frames);
		free(c->name);
		free(c->running_name);
		free(c);
	}
}

void timeline_free(struct timeline *tl)
{
	for (size_t i = 0; i < tl->contexts_cap; i++)
		context_free(tl->contexts[i]);
	for (size_t i = 0; i <= TIMELINE_MAX_SIGNAL; i++)
		free(tl->signal_syms[i]);
	free(tl->contexts);
	free(tl->orphans);
	free(tl->seen);
	free(tl->before);
	free(tl->snapshot_unwound);
	free(tl->open_at);
	memset(tl->signal_syms, 0, sizeof(tl->signal_syms));
	tl->contexts = NULL;
	tl->orphans = NULL;
	tl->seen = NULL;
	tl->before = tl->open_at = NULL;
	tl->snapshot_unwound = NULL;
	tl->contexts_cap = tl->ncontexts = tl->base = 0;
}

/* The current thread's context i (0: its own stack). */
static struct context *context_at(const struct timeline *tl, size_t i)
{
	return tl->contexts[tl->base + i];
}

static size_t thread_contexts(const struct timeline *tl)
{
	return tl->ncontexts - tl->base;
}

/* A new context of the current thread, known by id and named (NULL: the
 * thread's own stack).  Slots of the pool are reused by the second pass
 * and by nothing else. */
static struct context *context_new(struct timeline *tl, uint64_t id,
				   const char *name)
{
	struct context *c;

	if (tl->ncontexts == tl->contexts_cap) {
		size_t cap = tl->contexts_cap ? 2 * tl->contexts_cap : 8;
		struct context **grown = realloc(tl->contexts, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		memset(grown + tl->contexts_cap, 0,
		       (cap - tl->contexts_cap) * sizeof(*grown));
		tl->contexts = grown;
		tl->contexts_cap = cap;
	}
	if (!(c = tl->contexts[tl->ncontexts]) &&
	    !(c = tl->contexts[tl->ncontexts] = calloc(1, sizeof(*c))))
		return NULL;
	free(c->name);
	free(c->running_name);
	c->name = c->running_name = NULL;
	if (name && (!(c->name = strdup(name)) ||
		     asprintf(&c->running_name, "running %s", name) < 0)) {
		c->running_name = NULL;
		return NULL;
	}
	c->depth = c->floor = 0;
	c->id = id;
	c->track = (struct track){ .index = thread_contexts(tl), .id = id,
				   .name = c->name };
	c->running = (struct symbol){ .name = c->running_name, .module = -1,
				      .flags = SYMBOL_SYNTHETIC };
	tl->ncontexts++;
	return c;
}

/* The slices that follow are on c's track. */
static int select_track(struct timeline *tl, struct context *c)
{
	int err;

	if (tl->announced == c || !tl->ops->track)
		return 0;
	tl->announced = c;
	err = tl->ops->track(tl->ops_ctx, &c->track);
	c->track.uses++;
	return err;
}

static int deliver_begin(struct timeline *tl, struct context *c, struct frame *f)
{
	int err = select_track(tl, c);

	f->delivered = 1;
	if (err || !tl->ops->slice_begin)
		return err;
	return tl->ops->slice_begin(tl->ops_ctx, &f->s);
}

/* Delivers the held-back frames once the walk reaches the window. */
static int enter_window(struct timeline *tl, enum pass pass, uint64_t t,
			struct timeline_stats *st)
{
	int err = 0;

	if (pass != DELIVER || tl->in_window || t < tl->from_tsc)
		return 0;
	tl->in_window = 1;
	for (size_t k = 0; k < thread_contexts(tl); k++) {
		struct context *c = context_at(tl, k);

		for (size_t i = 0; i < c->depth && !err; i++) {
			struct frame *f = &c->frames[i];

			if (tl->clip && f->s.begin_tsc < tl->from_tsc) {
				f->s.begin_tsc = tl->from_tsc;
				f->s.begin_repair = REPAIR_CLIPPED;
				st->repairs[REPAIR_CLIPPED]++;
			}
			if (f->s.begin_tsc <= tl->to_tsc)
				err = deliver_begin(tl, c, f);
		}
	}
	return err;
}

static int push(struct timeline *tl, enum pass pass, struct context *c,
		const struct symbol *sym, uint64_t t,
		enum timeline_repair repair, int barrier,
		struct timeline_stats *st)
{
	struct frame *f;

	if (c->depth == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct frame *grown = realloc(c->frames, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		c->frames = grown;
		c->cap = cap;
	}
	f = &c->frames[c->depth];
	*f = (struct frame){ .s = { .sym = sym, .begin_tsc = t,
				    .depth = c->depth,
				    .begin_repair = repair },
			     .barrier = barrier };
	c->depth++;
	if (c->depth > st->max_depth)
		st->max_depth = c->depth;
	if (repair != REPAIR_NONE)
		st->repairs[repair]++;
	if (pass == DELIVER && tl->in_window && t <= tl->to_tsc)
		return deliver_begin(tl, c, f);
	return 0;
}

/* Closes c's frames from the top down to (and including) index `down_to`;
 * the last one closed gets `last_repair`, the ones above it `repair`. */
static int close_to(struct timeline *tl, struct context *c, size_t down_to,
		    uint64_t t, enum timeline_repair repair,
		    enum timeline_repair last_repair, struct timeline_stats *st)
{
	while (c->depth > down_to) {
		struct frame *f = &c->frames[--c->depth];
		int err = 0;

		f->s.end_tsc = t;
		f->s.end_repair = c->depth == down_to ? last_repair : repair;
		if (f->s.end_repair != REPAIR_NONE)
			st->repairs[f->s.end_repair]++;
		st->slices++;
		if (tl->clip && t < tl->from_tsc)
			st->before_window++;
		if (f->delivered && tl->ops->slice_end &&
		    !(err = select_track(tl, c)))
			err = tl->ops->slice_end(tl->ops_ctx, &f->s);
		if (err)
			return err;
	}
	if (c->floor > c->depth)
		c->floor = c->depth;
	return 0;
}

/* The innermost barrier frame of c, or -1. */
static long innermost_barrier(const struct context *c)
{
	for (size_t i = c->depth; i-- > 0;)
		if (c->frames[i].barrier)
			return i;
	return -1;
}

/* The innermost open frame of the function sym on c, or -1; above the
 * innermost barrier only, unless `across`. */
static long find_function(const struct context *c, const struct symbol *sym,
			  int across)
{
	if (sym->flags & SYMBOL_UNKNOWN)
		return -1;
	for (size_t i = c->depth; i-- > 0;) {
		const struct frame *f = &c->frames[i];

		if (f->barrier && !across)
			return -1;
		if (!f->barrier && f->s.sym->start == sym->start)
			return i;
	}
	return -1;
}

static int add_orphan(struct timeline *tl, uint64_t index)
{
	if (tl->norphans == tl->orphans_cap) {
		size_t cap = tl->orphans_cap ? tl->orphans_cap * 2 : 16;
		struct orphan *grown = realloc(tl->orphans, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		tl->orphans = grown;
		tl->orphans_cap = cap;
	}
	tl->orphans[tl->norphans++] = (struct orphan){
		tl->cur->track.index, index };
	return 0;
}

/* The second pass starts a stack with the orphans the first found on it,
 * the latest (which encloses the earlier ones) at the bottom. */
static int push_orphans(struct timeline *tl, const struct reader_thread *th,
			struct context *c, struct timeline_stats *st)
{
	int err = 0;

	for (size_t i = tl->norphans; i-- > 0 && !err;) {
		uint64_t addr = CTR_EVENT_ADDR(th->events[tl->orphans[i].index].word);

		if (tl->orphans[i].context == c->track.index)
			err = push(tl, DELIVER, c, tl->lookup(tl->lookup_ctx, addr),
				   tl->now, REPAIR_ORPHAN_RETURN, 0, st);
	}
	return err;
}

static int on_return(struct timeline *tl, enum pass pass, uint64_t index,
		     const struct symbol *sym, uint64_t t,
		     struct timeline_stats *st)
{
	struct context *c = tl->cur;
	long barrier = innermost_barrier(c), i;
	int err;

	if (sym->flags & SYMBOL_UNKNOWN)
		i = (long)c->depth - 1 > barrier ? (long)c->depth - 1 : -1;
	else
		i = find_function(c, sym, 0);
	if (i >= 0)
		return close_to(tl, c, i, t, REPAIR_MISSING_RETURN, REPAIR_NONE, st);
	/* gcc's fentry mode can give a thunk a return hook and no entry hook;
	 * the return of a function that never entered encloses nothing; in a
	 * handler, a return matching nothing of the handler's is inconsistent */
	if (pass == DELIVER || (sym->flags & SYMBOL_THUNK) || barrier >= 0) {
		st->dropped_returns++;
		return 0;
	}
	if ((err = add_orphan(tl, index)))
		return err;
	/* the calls seen with nothing open were inside the orphan's function */
	if (tl->seen && index < tl->unwound_at && c == context_at(tl, 0))
		tl->seen->ncallees = 0;
	return close_to(tl, c, c->floor, t, REPAIR_MISSING_RETURN, REPAIR_MISSING_RETURN, st);
}

/* CATCH and LONGJMP: unwind to the innermost frame of the function,
 * through the slices of the signal handlers left on the way. */
static int on_unwind(struct timeline *tl, const struct symbol *sym,
		     uint64_t t, enum timeline_repair repair,
		     struct timeline_stats *st)
{
	long i = find_function(tl->cur, sym, 1);

	if (i < 0)
		return 0;
	return close_to(tl, tl->cur, i + 1, t, repair, repair, st);
}

/* The slice symbol of signal sig: "signal SIGALRM", "signal 40". */
static const struct symbol *signal_symbol(struct timeline *tl, uint64_t sig)
{
	unsigned k = sig <= TIMELINE_MAX_SIGNAL ? (unsigned)sig : 0;
	struct symbol *sym = tl->signal_syms[k];
	const char *abbrev = k ? sigabbrev_np(k) : NULL;
	char *name;

	if (sym)
		return sym;
	if (!(sym = calloc(1, sizeof(*sym) + 32)))
		return NULL;
	name = (char *)(sym + 1);
	if (abbrev)
		snprintf(name, 32, "signal SIG%s", abbrev);
	else
		snprintf(name, 32, "signal %u", k);
	*sym = (struct symbol){ .name = name, .module = -1, .flags = SYMBOL_SYNTHETIC };
	return tl->signal_syms[k] = sym;
}

static int on_signal(struct timeline *tl, enum pass pass, unsigned kind,
		     uint64_t sig, uint64_t t, struct timeline_stats *st)
{
	struct context *c = tl->cur;
	const struct symbol *sym;
	long barrier;

	if (kind == CTR_KIND_SIGNAL_ENTER) {
		if (!(sym = signal_symbol(tl, sig)))
			return -ENOMEM;
		st->signals++;
		return push(tl, pass, c, sym, t, REPAIR_NONE, 1, st);
	}
	if ((barrier = innermost_barrier(c)) < 0) {
		st->dropped_returns++;
		return 0;
	}
	return close_to(tl, c, barrier, t, REPAIR_MISSING_RETURN, REPAIR_NONE, st);
}

static const char *string_at(struct timeline *tl, uint64_t addr)
{
	const char *s = tl->string ? tl->string(tl->lookup_ctx, addr) : NULL;

	return s ? s : "?";
}

/* The continuation slots that follow the event at index (as many as are
 * really there, up to what its word says) into words; returns how many. */
static unsigned read_slots(const struct reader_thread *th, uint64_t index,
			   uint64_t words[CTR_MAX_SLOTS])
{
	const struct ctr_event *e = &th->events[index];
	unsigned n = 0, want = CTR_CUSTOM_SLOTS(e->word);

	while (n < want && index + 1 + n < th->hdr->nevents &&
	       e[1 + n].tsc == (e->tsc | CTR_TSC_CONTINUATION)) {
		words[n] = e[1 + n].word;
		n++;
	}
	return n;
}

/* A custom event at index, with its payload. */
static int on_custom(struct timeline *tl, const struct reader_thread *th,
		     uint64_t index, unsigned kind, uint64_t t)
{
	const struct ctr_event *e = &th->events[index];
	uint64_t words[CTR_MAX_SLOTS], addr = CTR_CUSTOM_ADDR(e->word);
	unsigned n = read_slots(th, index, words);
	struct custom_event ce = { .kind = kind, .tsc = t, .depth = tl->cur->depth };
	int err;

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
	if ((err = select_track(tl, tl->cur)))
		return err;
	return tl->ops->custom(tl->ops_ctx, &ce);
}

/* The name of a context first met at a SWITCH: the fiber's name string,
 * or the function the context was made to run; into buf when made up. */
static const char *context_name(struct timeline *tl, uint64_t addr, int code,
				uint64_t id, char *buf, size_t size)
{
	const struct symbol *sym;
	const char *s;

	if (!addr) {
	} else if (!code && tl->string && (s = tl->string(tl->lookup_ctx, addr))) {
		return s;
	} else if (code && !((sym = tl->lookup(tl->lookup_ctx, addr))->flags & SYMBOL_UNKNOWN)) {
		return sym->name;
	}
	snprintf(buf, size, "%s 0x%llx", code ? "context" : "fiber",
		 (unsigned long long)id);
	return buf;
}

/* The current thread's context saved under id, or NULL. */
static struct context *context_find(struct timeline *tl, uint64_t id)
{
	for (size_t k = 0; k < thread_contexts(tl); k++)
		if (context_at(tl, k)->id == id)
			return context_at(tl, k);
	return NULL;
}

/* The stack being left is saved under id: a context saved there before
 * can never be resumed now, so its frames end. */
static int context_save(struct timeline *tl, uint64_t id, uint64_t t,
			struct timeline_stats *st)
{
	struct context *old = context_find(tl, id);
	int err = 0;

	if (old && old != tl->cur) {
		old->id = 0;
		err = close_to(tl, old, 0, t, REPAIR_MISSING_RETURN,
			       REPAIR_MISSING_RETURN, st);
	}
	tl->cur->id = id;
	return err;
}

/* SWITCH: slot 0 the target, slot 1 (ucontext) where the stack being left
 * is saved.  The thread's own stack carries the "running" slice of the
 * context it runs. */
static int on_switch(struct timeline *tl, enum pass pass,
		     const struct reader_thread *th, uint64_t index, uint64_t t,
		     struct timeline_stats *st)
{
	uint64_t words[CTR_MAX_SLOTS], addr = CTR_CUSTOM_ADDR(th->events[index].word);
	unsigned n = read_slots(th, index, words);
	int code = CTR_CUSTOM_SLOTS(th->events[index].word) >= 2;
	struct context *own = context_at(tl, 0), *next;
	char buf[64];
	int err = 0;

	if (n == 0) /* its slot was overwritten: nowhere to go */
		return 0;
	st->switches++;
	if (code && n >= 2 && words[1] && (err = context_save(tl, words[1], t, st)))
		return err;
	next = words[0] ? context_find(tl, words[0]) : own;
	if (!next) {
		const char *name = context_name(tl, addr, code, words[0], buf, sizeof(buf));

		if (!(next = context_new(tl, words[0], name)))
			return -ENOMEM;
		if (pass == DELIVER && (err = push_orphans(tl, th, next, st)))
			return err;
	}
	if (next == tl->cur)
		return 0;
	if (tl->cur != own && own->depth && own->frames[own->depth - 1].barrier)
		err = close_to(tl, own, own->depth - 1, t, REPAIR_NONE, REPAIR_NONE, st);
	if (!err && next != own)
		err = push(tl, pass, own, &next->running, t, REPAIR_NONE, 1, st);
	tl->cur = next;
	return err;
}

/* The time of the event at index.  Stamps go backwards in a thread's ring
 * in one case only (runtime.md, "Signals and the rings"): a hook that a
 * signal handler interrupted between reserving its slot and reading the
 * clock is stamped after the handler's events, which follow it.  Its true
 * time is at or before the next event's stamp, so it gets that one (the
 * handler's SIGNAL_ENTER, when the handler is wrapped). */
static uint64_t event_time(const struct reader_thread *th, uint64_t index,
			   struct timeline_stats *st)
{
	uint64_t t = th->events[index].tsc, j = index + 1;

	while (j < th->hdr->nevents && (th->events[j].tsc & CTR_TSC_CONTINUATION))
		j++;
	if (j < th->hdr->nevents && th->events[j].tsc < t) {
		st->stamped_late++;
		return th->events[j].tsc;
	}
	return t;
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

/* The first pass reached the capture: what the ring has open then on the
 * thread's own stack, leaving out the barrier frames (the slices of signal
 * handlers and of the context being run are no machine frames).  A stack
 * taken while the thread ran another context is that context's, not its
 * own: then none of it is opened before the ring. */
static int note_capture(struct timeline *tl)
{
	const struct context *own = context_at(tl, 0);
	const struct symbol **open = realloc(tl->open_at, (own->depth + 1) * sizeof(*open));
	size_t n = 0;

	if (!open)
		return -ENOMEM;
	tl->open_at = open;
	for (size_t i = 0; i < own->depth; i++)
		if (!own->frames[i].barrier)
			open[n++] = own->frames[i].s.sym;
	tl->seen->open = open;
	tl->seen->nopen = n;
	if (tl->cur != own)
		tl->seen->nunwound = 0;
	return 0;
}

static int step(struct timeline *tl, enum pass pass,
		const struct reader_thread *th, uint64_t index,
		struct timeline_stats *st)
{
	const struct ctr_event *e = &th->events[index];
	uint64_t t = e->tsc & CTR_TSC_CONTINUATION ? e->tsc : event_time(th, index, st);
	unsigned kind = CTR_EVENT_KIND(e->word);
	const struct symbol *sym;
	int err;

	if (t & CTR_TSC_CONTINUATION) /* read with its event */
		return 0;
	if (e->tsc == 0 && e->word == 0) {
		/* a slot reserved and never stored (a handler left by
		 * siglongjmp while it interrupted the hook), in a ring
		 * that had not wrapped there */
		st->unknown_kinds++;
		return 0;
	}
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
	switch (kind) {
	case CTR_KIND_SIGNAL_ENTER:
	case CTR_KIND_SIGNAL_LEAVE:
		return on_signal(tl, pass, kind, CTR_EVENT_ADDR(e->word), t, st);
	case CTR_KIND_SWITCH:
		return on_switch(tl, pass, th, index, t, st);
	case CTR_KIND_CALL:
	case CTR_KIND_RETURN:
	case CTR_KIND_CATCH:
	case CTR_KIND_LONGJMP:
		break;
	default:
		st->unknown_kinds++;
		return 0;
	}
	sym = tl->lookup(tl->lookup_ctx, CTR_EVENT_ADDR(e->word));
	if (pass == FIND_ORPHANS && tl->seen)
		note_event(tl->seen, index < tl->unwound_at && kind == CTR_KIND_CALL &&
			   tl->cur == context_at(tl, 0) && tl->cur->depth == 0, sym);
	switch (kind) {
	case CTR_KIND_CALL:
		return push(tl, pass, tl->cur, sym, t, REPAIR_NONE, 0, st);
	case CTR_KIND_RETURN:
		return on_return(tl, pass, index, sym, t, st);
	case CTR_KIND_CATCH:
		return on_unwind(tl, sym, t, REPAIR_EXCEPTION, st);
	default:
		return on_unwind(tl, sym, t, REPAIR_LONGJMP, st);
	}
}

/* One pass over the thread's events, closing what is left open at the end
 * on every stack, the thread's own last (the first pass just empties
 * them). */
static int walk(struct timeline *tl, enum pass pass,
		const struct reader_thread *th, uint64_t taken_tsc,
		struct timeline_stats *st)
{
	uint64_t n = th->hdr->nevents, end;
	int err = 0;

	tl->ncontexts = tl->base;
	if (!(tl->cur = context_new(tl, 0, NULL)))
		return -ENOMEM;
	tl->announced = tl->cur; /* ops->thread starts on track 0 */
	tl->in_window = 0;
	tl->now = CTR_SLOT_TSC(th->events[0].tsc);
	if (pass == DELIVER)
		err = enter_window(tl, pass, tl->now, st);
	for (size_t i = 0; i < tl->nbefore && !err; i++)
		err = push(tl, pass, tl->cur, tl->before[i], tl->now,
			   REPAIR_OPEN_BEFORE_RING, 0, st);
	tl->cur->floor = tl->cur->depth;
	if (pass == DELIVER && !err)
		err = push_orphans(tl, th, tl->cur, st);
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
	for (size_t k = thread_contexts(tl); k-- > 0 && !err;)
		err = close_to(tl, context_at(tl, k), 0, end, REPAIR_OPEN_AT_END,
			       REPAIR_OPEN_AT_END, st);
	st->contexts = thread_contexts(tl) - 1;
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
		if (tl->nbefore) { /* the orphans are found again above them */
			tl->norphans = 0;
			err = walk(tl, FIND_ORPHANS, t, taken_tsc, &scratch);
		}
	}
	if (!err)
		err = walk(tl, DELIVER, t, taken_tsc, stats);
	stats->first_tsc = CTR_SLOT_TSC(t->events[0].tsc);
	stats->last_tsc = tl->now;
	tl->base = tl->ncontexts; /* their names stay in use */
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

/* timeline.h - rebuilds call nesting per thread from a snapshot's events
 * and hands it to an emitter as well-nested begin/end slices.
 *
 * Per thread, a stack of open frames is kept; calls push, returns pop the
 * innermost frame of the same function (same symbol start).  Real traces
 * are imperfect and each imperfection is repaired and counted:
 *   - orphan return: a return matching no open frame (its call was
 *     overwritten by the ring, or is older than the snapshot's since_tsc),
 *     unless it is a thunk's: gcc's fentry mode may give a thunk a return
 *     hook and no entry hook, so such a return is dropped and counted.
 *     A first pass over the thread finds them, so their begins can be
 *     delivered up front (outermost first) at the thread's first event time.
 *   - missing return: frames above the one a return matches are closed at
 *     the return's time (the function left by longjmp or a tail call).
 *   - exception / longjmp: a CATCH or LONGJMP event closes every frame above
 *     the innermost frame of the function holding its address; if that
 *     function is not on the stack the stack is left as is.
 *   - no return in snapshot: frames still open at the end are closed at the
 *     snapshot's taken_tsc (or the last event, if later).
 * Custom events (format/ctr.h) are delivered as they come, with their
 * continuation slots; slots whose event was overwritten are skipped.
 * Times never go backwards within a thread (an earlier stamp is raised to
 * the previous one), so begins and ends come out in time order and well
 * nested, identical timestamps included.  The one stamp the runtime knows
 * to be late, of an event a signal handler interrupted (stamped after the
 * handler's events, which follow it), is lowered to the next event's
 * instead.  An all-zero slot (reserved, never stored) is skipped.
 *
 * Signal handlers: a SIGNAL_ENTER opens a slice "signal SIGALRM" on top of
 * the interrupted frames, and the handler's calls nest above it as on a
 * stack of their own: no return of the handler closes an interrupted
 * frame, nor the other way round.  SIGNAL_LEAVE closes the slice (and any
 * handler frame left open, as a missing return); a LONGJMP or CATCH whose
 * function is below it closes it too (siglongjmp out of the handler).
 *
 * Contexts: a thread runs on its own stack (track 0) until a SWITCH event
 * moves it to a context (ucontext, a fiber): each context has a stack and
 * a track of its own (1, 2, ... in order of first switch), found again by
 * its id at every later switch.  While the thread runs a context, its own
 * track shows a slice "running NAME" on top of its suspended frames.
 *
 * Emitters see the result through struct emitter_ops, one per output
 * format (emit_json.c, ...).  Memory is the deepest stack times the
 * contexts, not the event count. */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stdint.h>
#include "reader.h"
#include "open_before.h"
#include "symbols.h"
#include "timebase.h"

enum timeline_repair {
	REPAIR_NONE,
	REPAIR_ORPHAN_RETURN,   /* begin synthesized */
	REPAIR_MISSING_RETURN,  /* end synthesized ... */
	REPAIR_EXCEPTION,
	REPAIR_LONGJMP,
	REPAIR_OPEN_AT_END,
	REPAIR_OPEN_BEFORE_RING, /* begin synthesized from the unwound stack */
	REPAIR_CLIPPED,         /* begin is the window's (timeline.clip) */
	REPAIR_KINDS
};

/* "orphan return", "missing return", "unwound by exception", "unwound by
 * longjmp", "no return in snapshot", "open before ring"; NULL for
 * REPAIR_NONE. */
const char *timeline_repair_name(enum timeline_repair repair);

/* A call as the timeline rebuilt it. */
struct slice {
	const struct symbol *sym;
	uint64_t begin_tsc;
	uint64_t end_tsc;  /* valid in slice_end only */
	unsigned depth;    /* 0 for the outermost frame */
	uint8_t begin_repair; /* REPAIR_NONE, REPAIR_ORPHAN_RETURN or
				 REPAIR_OPEN_BEFORE_RING */
	uint8_t end_repair;   /* valid in slice_end only */
};

/* A custom event (CTRAIL_LOG, CTRAIL_COUNTER, CTRAIL_INSTANT, flow arrows)
 * as the timeline decoded it: strings read from the binary, the log
 * message formatted. */
struct custom_event {
	unsigned kind;      /* CTR_KIND_LOG ... CTR_KIND_FLOW_END */
	uint64_t tsc;
	const char *name;   /* LOG: the formatted message; else the name ("?"
			       when the binary does not hold it) */
	const char *format; /* LOG: the format string, else NULL */
	int64_t value;      /* COUNTER */
	uint64_t id;        /* FLOW_BEGIN and FLOW_END */
	unsigned depth;     /* frames open around it */
};

/* What happened to one thread's events. */
struct timeline_stats {
	uint64_t repairs[REPAIR_KINDS]; /* slices per repair kind */
	uint64_t slices;
	uint64_t dropped_returns; /* unmatched returns of thunks, or after
				     inconsistent repairs; SIGNAL_LEAVEs
				     without their SIGNAL_ENTER */
	uint64_t backwards;       /* events stamped before the previous one */
	uint64_t stamped_late;    /* events a signal handler interrupted, stamped
				     after the handler's (the events after
				     them): given the next event's time */
	uint64_t unknown_kinds;   /* events of a kind this decoder ignores */
	uint64_t custom[16];      /* custom events by kind */
	uint64_t first_tsc, last_tsc; /* span of its events */
	uint64_t before_window;   /* with clip: slices that ended before from_tsc */
	unsigned max_depth;
	unsigned unwound;     /* frames unwound from its STACK chunk, inlined
				 functions included */
	int stack;            /* 0 no STACK chunk, 1 one, -1 one marked missing */
	uint64_t signals;   /* handler runs (SIGNAL_ENTER) */
	uint64_t switches;  /* SWITCH events */
	unsigned contexts;  /* tracks besides the thread's own */
};

/* A stack the thread ran on: its own (index 0, name NULL) or a context's,
 * named after the function it was made with or the fiber's name ("context
 * 0x..." or "fiber 0x..." when unknown).  Lives as long as the timeline. */
struct track {
	unsigned index;
	uint64_t id;      /* the context's ucontext_t address or fiber id */
	const char *name;
	unsigned uses;    /* times ops->track was given it before: 0 the first */
};

/* Callbacks of one output format.  Each returns 0 or a negative errno that
 * stops the walk and is returned by timeline_snapshot.  Any may be NULL. */
struct emitter_ops {
	/* First, once per snapshot: the time base output times are counted in. */
	int (*begin_file)(void *ctx, const struct reader_snapshot *snap,
			  const struct time_base *tb);
	/* Next, once: the process (snap->process, exe, cmdline). */
	int (*process)(void *ctx, const struct reader_snapshot *snap);
	/* Before each selected thread's slices. */
	int (*thread)(void *ctx, const struct reader_thread *t);
	/* The slices and custom events that follow are on track tr of the
	 * current thread, until the next call (after thread(): track 0).
	 * Each track is well nested on its own; slices of different tracks
	 * interleave in time.  Slice depths count from 0 on every track. */
	int (*track)(void *ctx, const struct track *tr);
	/* A frame opened; slices of a thread arrive in time order. */
	int (*slice_begin)(void *ctx, const struct slice *s);
	/* The innermost open frame closed. */
	int (*slice_end)(void *ctx, const struct slice *s);
	/* A custom event, in time order among the slices' begins and ends. */
	int (*custom)(void *ctx, const struct custom_event *e);
	/* After the last thread, when the snapshot has scheduling events
	 * (snap->nsched): those stamped in [from_tsc, to_tsc], the
	 * timeline's window.  Threads left out by keep() are not filtered
	 * here: CPU tracks need every event. */
	int (*sched)(void *ctx, const struct reader_snapshot *snap,
		     uint64_t from_tsc, uint64_t to_tsc);
	/* Last. */
	int (*end_file)(void *ctx);
};

/* Looks up the symbol of a code address (symbolizer_lookup in ctrail). */
typedef const struct symbol *(*timeline_lookup)(void *ctx, uint64_t addr);
/* Reads a string in the binary (symbolizer_string in ctrail); may be NULL. */
typedef const char *(*timeline_string)(void *ctx, uint64_t addr);

struct frame;
struct context;
struct orphan;

#define TIMELINE_MAX_SIGNAL 64

struct timeline {
	/* Set by the caller: */
	timeline_lookup lookup;
	timeline_string string;
	void *lookup_ctx;
	const struct emitter_ops *ops;
	void *ops_ctx;
	uint64_t from_tsc, to_tsc; /* deliver slices overlapping [from, to] */
	/* The thread's stack when its snapshot was taken, innermost first
	 * (inlined functions before the frame they are in), and the index of
	 * its first event after that moment: set per thread by
	 * timeline_snapshot from the STACK chunks (unwind.c, then
	 * symbolizer_inlined), or by the caller of timeline_thread.  Frames of it the ring did not open are
	 * opened before the first event (open_before.h). */
	const struct symbol **unwound;
	size_t nunwound;
	uint64_t unwound_at;
	int unwound_self; /* CTR_STACK_SELF */
	int unwound_cut;  /* events older than since_tsc were left out */
	int clip; /* slices begun before from_tsc begin there (REPAIR_CLIPPED) */
	/* Private: the current thread's contexts (the first is its own stack)
	 * from contexts[base] on; those of earlier threads stay, as their
	 * names are still in use.  The first pass's orphans, reused across
	 * threads. */
	struct context **contexts;
	size_t ncontexts, contexts_cap, base;
	struct context *cur;       /* the stack the thread runs on */
	struct context *announced; /* the track last given to ops->track */
	struct orphan *orphans;
	size_t norphans, orphans_cap;
	struct symbolizer *syms;
	struct unwinder *unwinder; /* of the snapshot being walked */
	const struct symbol **snapshot_unwound; /* its threads' frames */
	struct open_before_input *seen; /* what the first pass saw at unwound_at */
	const struct symbol **before, **open_at; /* nbefore frames; scratch */
	size_t nbefore;
	struct symbol *signal_syms[TIMELINE_MAX_SIGNAL + 1]; /* made as met */
	int in_window;
	uint64_t now;
	char message[1024]; /* the log message being delivered */
};

/* A timeline delivering everything to ops, looking symbols up in syms. */
void timeline_init(struct timeline *tl, struct symbolizer *syms,
		   const struct emitter_ops *ops, void *ops_ctx);
void timeline_free(struct timeline *tl);

/* Rebuilds one thread of a snapshot taken at taken_tsc and delivers its
 * slices (ops->thread is not called here).  stats may be NULL.  Returns 0,
 * the first error of an emitter callback, or -ENOMEM. */
int timeline_thread(struct timeline *tl, const struct reader_thread *t,
		    uint64_t taken_tsc, struct timeline_stats *stats);

/* The whole snapshot: begin_file, process, then thread and its slices for
 * every thread keep() accepts (NULL: all), then end_file.  stats, if not
 * NULL, has snap->nthreads entries (left zero for skipped threads). */
int timeline_snapshot(struct timeline *tl, const struct reader_snapshot *snap,
		      const struct time_base *tb,
		      int (*keep)(void *ctx, const struct reader_thread *t),
		      void *keep_ctx, struct timeline_stats *stats);

#endif

/* cpu_split.c - see cpu_split.h.  One pass over the SCHED events builds
 * every track: the tracks are sorted by tid and each event finds the
 * threads it names by binary search.  change[0] of a track is at 0 ns with
 * the state before its first event, so every lookup finds a change at or
 * before it. */
#include <errno.h>
#include <stdlib.h>
#include "cli.h"
#include "cpu_split.h"
#include "stack_tree.h"

struct cpu_change {
	uint64_t ns;
	uint64_t before[CPU_STATES]; /* time in each state from 0 to ns */
	enum cpu_state state;        /* from ns on */
};

struct cpu_track {
	uint32_t tid;
	int seen; /* an event named it */
	struct cpu_change *changes;
	size_t n, cap;
};

struct cpu_split {
	struct cpu_track *tracks; /* by tid */
	size_t ntracks;
	struct cpu_change always_running;
	struct cpu_track running; /* for tids without a track */
};

const char *cpu_state_name(enum cpu_state s)
{
	static const char *const names[CPU_STATES] = {
		[CPU_RUNNING] = "on-cpu", [CPU_RUNNABLE] = "runnable",
		[CPU_SLEEPING] = "sleeping (S)", [CPU_DISK] = "uninterruptible (D)",
		[CPU_STOPPED] = "stopped",
	};

	return s < CPU_STATES ? names[s] : "?";
}

int cpu_split_missing(const char *what)
{
	cli_error("%s needs the kernel's scheduling events, and this snapshot has none: "
		  "record with `ctrail record --sched` (or CTRAIL_FTRACE=1)", what);
	return -EINVAL;
}

static int by_tid(const void *a, const void *b)
{
	const struct cpu_track *x = a, *y = b;

	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static struct cpu_track *find(const struct cpu_split *cs, int32_t tid)
{
	struct cpu_track key = { .tid = (uint32_t)tid };

	if (tid <= 0)
		return NULL; /* idle, or unused */
	return bsearch(&key, cs->tracks, cs->ntracks, sizeof(key), by_tid);
}

static int push(struct cpu_track *t, uint64_t ns, enum cpu_state state)
{
	struct cpu_change *last = &t->changes[t->n - 1], next = { .ns = ns, .state = state };

	if (last->state == state)
		return 0;
	if (ns < last->ns)
		ns = next.ns = last->ns; /* sorted by tsc: only from clamping */
	if (t->n == t->cap) {
		size_t cap = 2 * t->cap;
		struct cpu_change *grown = realloc(t->changes, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		t->changes = grown;
		t->cap = cap;
		last = &t->changes[t->n - 1];
	}
	for (int s = 0; s < CPU_STATES; s++)
		next.before[s] = last->before[s];
	next.before[last->state] += ns - last->ns;
	t->changes[t->n++] = next;
	return 0;
}

/* The thread entered state at ns; before its first event it was in prior. */
static int enter(struct cpu_track *t, uint64_t ns, enum cpu_state prior,
		 enum cpu_state state)
{
	if (!t)
		return 0;
	if (!t->seen) {
		t->seen = 1;
		t->changes[0].state = prior;
	}
	return push(t, ns, state);
}

static enum cpu_state left_in(uint32_t prev_state)
{
	if ((prev_state & CTR_SCHED_PREEMPTED) || !(prev_state & 0xff))
		return CPU_RUNNABLE;
	if (prev_state & 1)
		return CPU_SLEEPING;
	return prev_state & 2 ? CPU_DISK : CPU_STOPPED;
}

static int apply(struct cpu_split *cs, const struct ctr_sched_event *e, uint64_t ns)
{
	struct cpu_track *t;
	int err = 0;

	switch (e->type) {
	case CTR_SCHED_SWITCH:
		err = enter(find(cs, e->pid), ns, CPU_RUNNING, left_in(e->state));
		if (!err)
			err = enter(find(cs, e->next_pid), ns, CPU_RUNNABLE, CPU_RUNNING);
		break;
	case CTR_SCHED_WAKING:
	case CTR_SCHED_WAKEUP_NEW:
		/* a waking of a thread still on its CPU changes nothing */
		t = find(cs, e->pid);
		if (t && (!t->seen || t->changes[t->n - 1].state >= CPU_SLEEPING))
			err = enter(t, ns, CPU_SLEEPING, CPU_RUNNABLE);
		break;
	}
	return err;
}

static int add_tracks(struct cpu_split *cs, const struct reader_snapshot *snap)
{
	size_t n = 0;

	cs->tracks = calloc(snap->nthreads ? snap->nthreads : 1, sizeof(*cs->tracks));
	if (!cs->tracks)
		return -ENOMEM;
	for (size_t i = 0; i < snap->nthreads; i++)
		cs->tracks[i].tid = snap->threads[i].hdr->tid;
	qsort(cs->tracks, snap->nthreads, sizeof(*cs->tracks), by_tid);
	for (size_t i = 0; i < snap->nthreads; i++) {
		struct cpu_track *t = &cs->tracks[n];

		if (n && t[-1].tid == cs->tracks[i].tid)
			continue; /* a tid reused by a later thread */
		*t = (struct cpu_track){ .tid = cs->tracks[i].tid, .n = 1, .cap = 16 };
		cs->ntracks = ++n;
		t->changes = calloc(t->cap, sizeof(*t->changes));
		if (!t->changes)
			return -ENOMEM;
		t->changes[0].state = CPU_RUNNING;
	}
	return 0;
}

struct cpu_split *cpu_split_new(const struct reader_snapshot *snap,
				const struct time_base *tb)
{
	struct cpu_split *cs;
	int err;

	if (!snap->sched_hdr) {
		errno = ENODATA;
		return NULL;
	}
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->running = (struct cpu_track){ .changes = &cs->always_running, .n = 1 };
	err = add_tracks(cs, snap);
	for (size_t i = 0; i < snap->nsched && !err; i++)
		err = apply(cs, &snap->sched[i], time_base_ns(tb, snap->sched[i].tsc));
	if (err) {
		cpu_split_free(cs);
		errno = -err;
		return NULL;
	}
	return cs;
}

void cpu_split_free(struct cpu_split *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->ntracks; i++)
		free(cs->tracks[i].changes);
	free(cs->tracks);
	free(cs);
}

const struct cpu_track *cpu_split_track(const struct cpu_split *cs, uint32_t tid)
{
	const struct cpu_track *t = find(cs, (int32_t)tid);

	return t ? t : &cs->running;
}

size_t cpu_track_nchanges(const struct cpu_track *t)
{
	return t->n;
}

void cpu_track_change(const struct cpu_track *t, size_t i, uint64_t *ns,
		      enum cpu_state *state)
{
	*ns = t->changes[i].ns;
	*state = t->changes[i].state;
}

/* Time in each state from 0 to ns. */
static void before(const struct cpu_track *t, uint64_t ns, uint64_t out[CPU_STATES])
{
	size_t lo = 0, hi = t->n; /* the last change at or before ns is in [lo, hi) */
	const struct cpu_change *c;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->changes[mid].ns <= ns)
			lo = mid;
		else
			hi = mid;
	}
	c = &t->changes[lo];
	for (int s = 0; s < CPU_STATES; s++)
		out[s] = c->before[s];
	out[c->state] += ns - c->ns;
}

void cpu_track_range(const struct cpu_track *t, uint64_t from_ns, uint64_t to_ns,
		     uint64_t ns[CPU_STATES])
{
	uint64_t start[CPU_STATES];

	if (to_ns < from_ns)
		to_ns = from_ns;
	before(t, from_ns, start);
	before(t, to_ns, ns);
	for (int s = 0; s < CPU_STATES; s++)
		ns[s] -= start[s];
}

/* The leaves of the off-CPU flame graph, one per off-CPU state. */
static const char *const leaf_names[CPU_STATES] = {
	[CPU_RUNNABLE] = "[runnable]", [CPU_SLEEPING] = "[sleeping (S)]",
	[CPU_DISK] = "[uninterruptible (D)]", [CPU_STOPPED] = "[stopped]",
};

static int grow_below(struct cpu_flame *f, size_t depth)
{
	size_t cap = f->cap ? f->cap : 64;
	uint64_t (*grown)[CPU_STATES];

	while (cap <= depth)
		cap *= 2;
	grown = realloc(f->below, cap * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	for (size_t i = f->cap; i < cap; i++)
		for (int s = 0; s < CPU_STATES; s++)
			grown[i][s] = 0;
	f->below = grown;
	f->cap = cap;
	return 0;
}

uint64_t cpu_flame_measure(void *ctx, struct stack_tree *t, uint32_t node,
			   size_t depth, uint64_t begin_ns, uint64_t end_ns)
{
	struct cpu_flame *f = ctx;
	uint64_t ns[CPU_STATES], off;

	cpu_track_range(cpu_split_track(f->cs, t->thread->hdr->tid), begin_ns, end_ns, ns);
	if (!f->off)
		return ns[CPU_RUNNING];
	/* the callees ended first: below[depth] holds their split */
	if (depth >= f->cap && grow_below(f, depth) < 0)
		return UINT64_MAX;
	off = ns[CPU_RUNNABLE] + cpu_blocked(ns);
	for (int s = CPU_RUNNABLE; s < CPU_STATES; s++) {
		uint64_t self = ns[s] - f->below[depth][s];

		if (self && stack_tree_add(t, node, leaf_names[s], self) < 0)
			return UINT64_MAX;
		f->below[depth][s] = 0;
		if (depth)
			f->below[depth - 1][s] += ns[s];
	}
	return off;
}

void cpu_flame_free(struct cpu_flame *f)
{
	free(f->below);
}

void cpu_track_add_split(const struct cpu_track *t, uint64_t from_ns, uint64_t to_ns,
			 uint64_t split[CPU_SPLITS])
{
	uint64_t ns[CPU_STATES];

	cpu_track_range(t, from_ns, to_ns, ns);
	split[CPU_SPLIT_ON] += ns[CPU_RUNNING];
	split[CPU_SPLIT_RUNNABLE] += ns[CPU_RUNNABLE];
	split[CPU_SPLIT_BLOCKED] += cpu_blocked(ns);
}

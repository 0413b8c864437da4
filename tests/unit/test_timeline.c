/* test_timeline.c - the nesting rules of decoder/timeline.c on synthetic
 * event arrays.  Symbols come from a fake lookup over fixed address
 * ranges (functions a..f at 0x1000, 0x2000, ...; anything else unknown),
 * and a recording emitter writes every begin and end as one line
 * "B name time" / "E name time repair", indented by depth, while checking
 * that times never go back and that every end closes the innermost open
 * begin of its track (a track switch is a line "T index name").  Each test
 * compares the whole recording with what the rules say.  Unwound stacks
 * (frames open before the ring) are strings of frames, innermost first:
 * a..f as above, L a function of another module that has no events
 * (libc), H the runtime's entry hook. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "timeline.h"

static int failures;

/* Functions a..g: [0x1000 * (i + 1), + 0x100); g is a thunk. */
static struct symbol funcs[7];
static struct symbol unknown[64];
static int nunknown;

static const struct symbol *fake_lookup(void *ctx, uint64_t addr)
{
	static const char *const names[] = { "a", "b", "c", "d", "e", "f", "g" };

	for (int i = 0; i < 7; i++) {
		uint64_t start = 0x1000 * (uint64_t)(i + 1);

		if (addr >= start && addr < start + 0x100) {
			funcs[i] = (struct symbol){ start, start + 0x100, names[i],
						    NULL, 0, 0, i == 6 ? SYMBOL_THUNK : 0 };
			return &funcs[i];
		}
	}
	for (int i = 0; i < nunknown; i++)
		if (unknown[i].start == addr)
			return &unknown[i];
	unknown[nunknown] = (struct symbol){ addr, addr + 1, "?", NULL, 0, -1,
					     SYMBOL_UNKNOWN };
	return &unknown[nunknown++];
}

static struct symbol libc_fn = { 0x9000, 0x9100, "L", NULL, 0, 1, 0 };
static struct symbol hook_fn = { 0xa000, 0xa100, "__fentry__", NULL, 0, 2, 0 };

/* An unwound stack: frames innermost first, taken before event `at`, of a
 * ring that lost `overwritten` events. */
struct stack_case {
	const char *frames;
	uint64_t at, overwritten;
};

static size_t stack_symbols(const char *frames, const struct symbol **out)
{
	size_t n = 0;

	for (const char *f = frames; *f; f++)
		out[n++] = *f == 'L' ? &libc_fn : *f == 'H' ? &hook_fn :
			   fake_lookup(NULL, 0x1000 * (uint64_t)(*f - 'a' + 1));
	return n;
}

/* The recording emitter; open calls per track. */
#define TRACKS 8
struct recorder {
	char text[8192];
	size_t len;
	uint64_t last_time;
	const struct symbol *opens[TRACKS][64];
	unsigned depths[TRACKS], track;
	const struct symbol **open; /* the current track's */
	unsigned *depth_of, depth;  /* its depth; all tracks' open calls */
	int broken; /* out of order or badly nested */
};

static void add(struct recorder *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->len += vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
}

static int rec_track(void *ctx, const struct track *tr)
{
	struct recorder *r = ctx;

	if (tr->index >= TRACKS)
		return -1;
	r->open = r->opens[tr->index];
	r->depth_of = &r->depths[tr->index];
	add(r, "T %u %s\n", tr->index, tr->name ? tr->name : "-");
	return 0;
}

static int rec_begin(void *ctx, const struct slice *s)
{
	struct recorder *r = ctx;

	if (s->begin_tsc < r->last_time || s->depth != *r->depth_of)
		r->broken = 1;
	r->last_time = s->begin_tsc;
	r->open[(*r->depth_of)++] = s->sym;
	r->depth++;
	add(r, "%*sB %s %llu%s%s\n", (int)s->depth * 2, "", s->sym->name,
	    (unsigned long long)s->begin_tsc, s->begin_repair ? " " : "",
	    s->begin_repair ? timeline_repair_name(s->begin_repair) : "");
	return 0;
}

static int rec_end(void *ctx, const struct slice *s)
{
	struct recorder *r = ctx;

	if (s->end_tsc < r->last_time || *r->depth_of == 0 ||
	    r->open[*r->depth_of - 1] != s->sym || s->depth != *r->depth_of - 1 ||
	    s->end_tsc < s->begin_tsc)
		r->broken = 1;
	r->last_time = s->end_tsc;
	(*r->depth_of)--;
	r->depth--;
	add(r, "%*sE %s %llu%s%s\n", (int)s->depth * 2, "", s->sym->name,
	    (unsigned long long)s->end_tsc, s->end_repair ? " " : "",
	    s->end_repair ? timeline_repair_name(s->end_repair) : "");
	return 0;
}

static const struct emitter_ops recorder_ops = {
	.track = rec_track,
	.slice_begin = rec_begin,
	.slice_end = rec_end,
};

#define CALL(f, t) { CTR_EVENT_WORD(CTR_KIND_CALL, 0x1000 * (f - 'a' + 1)), t }
#define RET(f, t) { CTR_EVENT_WORD(CTR_KIND_RETURN, 0x1000 * (f - 'a' + 1) + 0x20), t }
#define CATCH(f, t) { CTR_EVENT_WORD(CTR_KIND_CATCH, 0x1000 * (f - 'a' + 1) + 0x40), t }
#define LONGJMP(f, t) { CTR_EVENT_WORD(CTR_KIND_LONGJMP, 0x1000 * (f - 'a' + 1) + 0x50), t }
#define ENTER(sig, t) { CTR_EVENT_WORD(CTR_KIND_SIGNAL_ENTER, sig), t }
#define LEAVE(sig, t) { CTR_EVENT_WORD(CTR_KIND_SIGNAL_LEAVE, sig), t }
/* A fiber switch to id (no name), and a ucontext one to id saving the
 * stack left under saved, made with function f ('a'...). */
#define FIBER(id, t) { CTR_CUSTOM_WORD(CTR_KIND_SWITCH, 1, 0), t }, \
	{ id, (t) | CTR_TSC_CONTINUATION }
#define SWAP(id, saved, f, t) \
	{ CTR_CUSTOM_WORD(CTR_KIND_SWITCH, 2, 0x1000 * (f - 'a' + 1)), t }, \
	{ id, (t) | CTR_TSC_CONTINUATION }, { saved, (t) | CTR_TSC_CONTINUATION }

/* Runs the timeline over events and compares the recording. */
static void run(const char *name, const struct ctr_event *events, size_t n,
		uint64_t taken, uint64_t from, uint64_t to, const char *want,
		struct timeline_stats *st, const struct stack_case *stack)
{
	struct ctr_thread hdr = { .tid = 1, .nevents = n };
	const struct symbol *frames[32];
	struct reader_thread th = { .hdr = &hdr, .events = events };
	struct recorder *r = calloc(1, sizeof(*r));
	struct timeline tl;
	struct timeline_stats local;
	int err;

	r->open = r->opens[0];
	r->depth_of = &r->depths[0];
	timeline_init(&tl, NULL, &recorder_ops, r);
	tl.lookup = fake_lookup;
	tl.from_tsc = from;
	tl.to_tsc = to;
	if (stack) {
		hdr.overwritten = stack->overwritten;
		tl.unwound = frames;
		tl.nunwound = stack_symbols(stack->frames, frames);
		tl.unwound_at = stack->at;
	}
	err = timeline_thread(&tl, &th, taken, st ? st : &local);
	timeline_free(&tl);
	if (!err && !r->broken && r->depth == 0 && !strcmp(r->text, want)) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: err %d, %s, %u left open\nwant:\n%sgot:\n%s", name,
		       err, r->broken ? "badly ordered/nested" : "well nested",
		       r->depth, want, r->text);
		failures++;
	}
	free(r);
}

#define RUN(name, ev, taken, want, st) \
	run(name, ev, sizeof(ev) / sizeof(ev[0]), taken, 0, UINT64_MAX, want, st, NULL)
#define RUN_STACK(name, ev, taken, want, stack) \
	run(name, ev, sizeof(ev) / sizeof(ev[0]), taken, 0, UINT64_MAX, want, NULL, stack)

static void expect_count(const char *name, uint64_t got, uint64_t want)
{
	if (got == want) {
		printf("PASS %s\n", name);
	} else {
		printf("FAIL %s: got %llu, want %llu\n", name,
		       (unsigned long long)got, (unsigned long long)want);
		failures++;
	}
}

static void test_simple(void)
{
	const struct ctr_event ev[] = { CALL('a', 10), CALL('b', 20), RET('b', 30),
					CALL('c', 35), RET('c', 36), RET('a', 40) };
	struct timeline_stats st;

	RUN("nesting of complete calls", ev, 50,
	    "B a 10\n  B b 20\n  E b 30\n  B c 35\n  E c 36\nE a 40\n", &st);
	expect_count("complete calls: slices", st.slices, 3);
	expect_count("complete calls: no repairs",
		     st.repairs[REPAIR_ORPHAN_RETURN] + st.repairs[REPAIR_MISSING_RETURN] +
		     st.repairs[REPAIR_OPEN_AT_END], 0);
	expect_count("complete calls: max depth", st.max_depth, 2);
}

static void test_same_time(void)
{
	const struct ctr_event ev[] = { CALL('a', 7), CALL('b', 7), CALL('b', 7),
					RET('b', 7), RET('b', 7), CALL('c', 7),
					RET('c', 7), RET('a', 7) };

	RUN("identical timestamps nest", ev, 7,
	    "B a 7\n  B b 7\n    B b 7\n    E b 7\n  E b 7\n  B c 7\n  E c 7\nE a 7\n",
	    NULL);
}

static void test_recursion(void)
{
	const struct ctr_event ev[] = { CALL('a', 1), CALL('a', 2), CALL('a', 3),
					RET('a', 4), RET('a', 5), RET('a', 6) };

	RUN("recursion matches innermost", ev, 6,
	    "B a 1\n  B a 2\n    B a 3\n    E a 4\n  E a 5\nE a 6\n", NULL);
}

static void test_orphans(void)
{
	/* c and b returned, then a called d, then a returned: the calls of
	 * a, b, c were lost; their begins come first, outermost first. */
	const struct ctr_event ev[] = { RET('c', 10), RET('b', 20), CALL('d', 30),
					RET('d', 40), RET('a', 50) };
	struct timeline_stats st;

	RUN("orphan returns begin at the first event, outermost first", ev, 60,
	    "B a 10 orphan return\n  B b 10 orphan return\n"
	    "    B c 10 orphan return\n    E c 10\n  E b 20\n"
	    "  B d 30\n  E d 40\nE a 50\n", &st);
	expect_count("orphan returns counted", st.repairs[REPAIR_ORPHAN_RETURN], 3);
}

static void test_orphan_closes_open_calls(void)
{
	/* b returns while c (called after the ring start) is open: c must
	 * have finished, so it is closed as a missing return. */
	const struct ctr_event ev[] = { CALL('c', 10), RET('b', 20), RET('c', 30),
					CALL('d', 40), RET('d', 50) };

	RUN("orphan return closes calls opened since", ev, 60,
	    "B c 10 orphan return\n  B b 10 orphan return\n    B c 10\n"
	    "    E c 20 missing return\n  E b 20\nE c 30\nB d 40\nE d 50\n", NULL);
}

static void test_missing_return(void)
{
	const struct ctr_event ev[] = { CALL('a', 1), CALL('b', 2), CALL('c', 3),
					RET('a', 9) };
	struct timeline_stats st;

	RUN("frames above a return are closed as missing returns", ev, 10,
	    "B a 1\n  B b 2\n    B c 3\n    E c 9 missing return\n"
	    "  E b 9 missing return\nE a 9\n", &st);
	expect_count("missing returns counted", st.repairs[REPAIR_MISSING_RETURN], 2);
}

static void test_exception(void)
{
	const struct ctr_event ev[] = { CALL('a', 1), CALL('b', 2), CALL('c', 3),
					CALL('d', 4), CATCH('b', 8), CALL('e', 9),
					RET('e', 10), RET('b', 11), RET('a', 12) };
	struct timeline_stats st;

	RUN("catch closes the frames above the catching function", ev, 20,
	    "B a 1\n  B b 2\n    B c 3\n      B d 4\n"
	    "      E d 8 unwound by exception\n    E c 8 unwound by exception\n"
	    "    B e 9\n    E e 10\n  E b 11\nE a 12\n", &st);
	expect_count("exception unwinds counted", st.repairs[REPAIR_EXCEPTION], 2);
}

static void test_longjmp(void)
{
	const struct ctr_event ev[] = { CALL('a', 1), CALL('b', 2), CALL('c', 3),
					LONGJMP('a', 5), CALL('d', 6), RET('d', 7),
					LONGJMP('f', 8), RET('a', 9) };
	struct timeline_stats st;

	RUN("longjmp closes the frames above the setjmp function", ev, 9,
	    "B a 1\n  B b 2\n    B c 3\n    E c 5 unwound by longjmp\n"
	    "  E b 5 unwound by longjmp\n  B d 6\n  E d 7\nE a 9\n", &st);
	expect_count("longjmp unwinds counted", st.repairs[REPAIR_LONGJMP], 2);
}

static void test_open_at_end(void)
{
	const struct ctr_event ev[] = { CALL('a', 1), CALL('b', 2), RET('b', 3),
					CALL('c', 4) };
	struct timeline_stats st;

	RUN("open frames close at the snapshot time", ev, 100,
	    "B a 1\n  B b 2\n  E b 3\n  B c 4\n  E c 100 no return in snapshot\n"
	    "E a 100 no return in snapshot\n", &st);
	expect_count("open frames counted", st.repairs[REPAIR_OPEN_AT_END], 2);
	RUN("open frames close at the last event if the snapshot is older", ev, 2,
	    "B a 1\n  B b 2\n  E b 3\n  B c 4\n  E c 4 no return in snapshot\n"
	    "E a 4 no return in snapshot\n", NULL);
}

static void test_unknown(void)
{
	/* Unknown functions: a return matches whatever is on top. */
	const struct ctr_event ev[] = {
		CALL('a', 1),
		{ CTR_EVENT_WORD(CTR_KIND_CALL, 0x9000), 2 },
		{ CTR_EVENT_WORD(CTR_KIND_RETURN, 0x9010), 3 },
		{ CTR_EVENT_WORD(CTR_KIND_RETURN, 0x9020), 4 },
		{ CTR_EVENT_WORD(0xc, 0x1000), 5 },
	};
	struct timeline_stats st;

	RUN("unknown returns match the top frame", ev, 5,
	    "B a 1\n  B ? 2\n  E ? 3\nE a 4\n", &st);
	expect_count("unknown kinds counted", st.unknown_kinds, 1);
}

static void test_backwards(void)
{
	const struct ctr_event ev[] = { CALL('a', 10), CALL('b', 5), RET('b', 12),
					RET('a', 11) };
	struct timeline_stats st;

	/* a stamp above the next one is lowered to it (the one anomaly the
	 * runtime makes), then any below the previous one raised */
	RUN("times going back: late stamps lowered, early ones raised", ev, 12,
	    "B a 10\n  B b 10\n  E b 11\nE a 11\n", &st);
	expect_count("backward stamps counted", st.backwards, 2);
	expect_count("late stamps counted", st.stamped_late, 2);
}

static void test_window(void)
{
	const struct ctr_event ev[] = { CALL('a', 10), CALL('b', 20), RET('b', 30),
					CALL('c', 40), CALL('d', 50), RET('d', 60),
					RET('c', 70), CALL('e', 80), RET('e', 90),
					RET('a', 100) };

	run("window keeps overlapping slices with their true times", ev, 10,
	    100, 45, 75,
	    "B a 10\n  B c 40\n    B d 50\n    E d 60\n  E c 70\nE a 100\n", NULL, NULL);
	run("window before the first event keeps everything up to its end", ev, 10,
	    100, 0, 25, "B a 10\n  B b 20\n  E b 30\nE a 100\n", NULL, NULL);
	run("window after the last event delivers nothing", ev, 10,
	    200, 150, 300, "", NULL, NULL);
}

static void test_orphan_longjmp(void)
{
	/* main's call was lost; it set a jump buffer, called b -> c which
	 * longjmp'd back to it, then main returned. */
	const struct ctr_event ev[] = { CALL('b', 10), CALL('c', 20),
					LONGJMP('a', 30), RET('a', 40) };

	RUN("longjmp into a function whose call was lost", ev, 50,
	    "B a 10 orphan return\n  B b 10\n    B c 20\n"
	    "    E c 30 unwound by longjmp\n  E b 30 unwound by longjmp\nE a 40\n",
	    NULL);
}

static void test_thunk_return(void)
{
	/* gcc's fentry mode may give a thunk a return hook but no entry hook:
	 * its lone return is dropped, not taken for an orphan. */
	const struct ctr_event ev[] = { CALL('a', 1), CALL('b', 2), RET('g', 3),
					RET('b', 4), RET('a', 5) };
	struct timeline_stats st;

	RUN("a thunk's lone return is dropped", ev, 6,
	    "B a 1\n  B b 2\n  E b 4\nE a 5\n", &st);
	expect_count("thunk return counted as dropped", st.dropped_returns, 1);
}

static void test_open_before_leaf_loop(void)
{
	/* d calls e in a loop: the ring starts inside e (an orphan) and the
	 * stack was taken inside the hook of the next e: e and the hook are
	 * left out (the thread was between two e's), d and its callers, libc
	 * above them too, open before the ring, below the orphan. */
	const struct ctr_event ev[] = { RET('e', 10), CALL('e', 11), RET('e', 12) };
	const struct stack_case stack = { "HedcbaL", 3, 100 };

	RUN_STACK("open before ring: a leaf loop", ev, 20,
		  "B L 10 open before ring\n  B a 10 open before ring\n"
		  "    B b 10 open before ring\n      B c 10 open before ring\n"
		  "        B d 10 open before ring\n          B e 10 orphan return\n"
		  "          E e 10\n          B e 11\n          E e 12\n"
		  "        E d 20 no return in snapshot\n      E c 20 no return in snapshot\n"
		  "    E b 20 no return in snapshot\n  E a 20 no return in snapshot\n"
		  "E L 20 no return in snapshot\n", &stack);
}

static void test_open_before_ring_frames(void)
{
	/* the ring's open call (e) is the stack's innermost frame: only the
	 * frames outside it began before the ring */
	const struct ctr_event ev[] = { RET('f', 10), CALL('e', 11) };
	const struct stack_case stack = { "edc", 2, 100 };

	RUN_STACK("open before ring: outside the ring's open calls", ev, 20,
		  "B c 10 open before ring\n  B d 10 open before ring\n"
		  "    B f 10 orphan return\n    E f 10\n    B e 11\n"
		  "    E e 20 no return in snapshot\n  E d 20 no return in snapshot\n"
		  "E c 20 no return in snapshot\n", &stack);
}

static void test_open_before_late_returns(void)
{
	/* d and c return after the stack was taken (event 2): they close the
	 * frames the stack opened, not orphan frames of their own */
	const struct ctr_event ev[] = { CALL('e', 10), RET('e', 11), RET('d', 12),
					RET('c', 13), CALL('f', 14) };
	const struct stack_case stack = { "dcba", 2, 100 };

	RUN_STACK("open before ring: returns after the stack close its frames", ev, 20,
		  "B a 10 open before ring\n  B b 10 open before ring\n"
		  "    B c 10 open before ring\n      B d 10 open before ring\n"
		  "        B e 10\n        E e 11\n      E d 12\n    E c 13\n"
		  "    B f 14\n    E f 20 no return in snapshot\n"
		  "  E b 20 no return in snapshot\nE a 20 no return in snapshot\n", &stack);
}

static void test_open_before_whole_ring(void)
{
	/* a ring that lost nothing: its first call is the thread's first */
	const struct ctr_event ev[] = { CALL('a', 10), CALL('b', 11) };
	const struct stack_case stack = { "baL", 2, 0 };

	RUN_STACK("open before ring: none for a ring that lost nothing", ev, 20,
		  "B a 10\n  B b 11\n  E b 20 no return in snapshot\n"
		  "E a 20 no return in snapshot\n", &stack);
}

static void test_open_before_fiber(void)
{
	/* the frames open before the ring go on the thread's own stack, under
	 * its orphan; the fiber's orphan return stays on the fiber's stack */
	const struct ctr_event ev[] = { RET('e', 10), CALL('e', 11), FIBER(5, 12),
					RET('f', 13), CALL('b', 14), RET('b', 15),
					FIBER(0, 16), RET('e', 17) };
	const struct stack_case stack = { "dc", 10, 100 };

	RUN_STACK("open before ring: on the thread's own stack, not a fiber's", ev, 20,
		  "B c 10 open before ring\n  B d 10 open before ring\n"
		  "    B e 10 orphan return\n    E e 10\n    B e 11\n"
		  "T 1 fiber 0x5\nB f 12 orphan return\nT 0 -\n"
		  "      B running fiber 0x5 12\nT 1 fiber 0x5\nE f 13\nB b 14\nE b 15\n"
		  "T 0 -\n      E running fiber 0x5 16\n    E e 17\n"
		  "  E d 20 no return in snapshot\nE c 20 no return in snapshot\n", &stack);
}

static void test_open_before_taken_on_fiber(void)
{
	/* a stack taken while the thread ran a fiber is the fiber's: none of
	 * it is opened on the thread's own stack */
	const struct ctr_event ev[] = { RET('e', 10), CALL('e', 11), FIBER(5, 12),
					CALL('b', 14), RET('b', 15), FIBER(0, 16),
					RET('e', 17) };
	const struct stack_case stack = { "bdc", 4, 100 };

	RUN_STACK("open before ring: none from a stack taken on a fiber", ev, 20,
		  "B e 10 orphan return\nE e 10\nB e 11\n  B running fiber 0x5 12\n"
		  "T 1 fiber 0x5\nB b 14\nE b 15\nT 0 -\n  E running fiber 0x5 16\n"
		  "E e 17\n", &stack);
}

static void test_signal(void)
{
	/* the handler's return of a matches nothing of the handler's */
	const struct ctr_event ev[] = { CALL('a', 10), ENTER(14, 20), CALL('b', 21),
					RET('b', 22), RET('a', 23), LEAVE(14, 24),
					RET('a', 30) };
	struct timeline_stats st;

	RUN("a handler nests on its own stack above the interrupted one", ev, 40,
	    "B a 10\n  B signal SIGALRM 20\n    B b 21\n    E b 22\n"
	    "  E signal SIGALRM 24\nE a 30\n", &st);
	expect_count("signal: the handler's stray return is dropped", st.dropped_returns, 1);
	expect_count("signal: runs", st.signals, 1);
}

static void test_nested_signals(void)
{
	const struct ctr_event ev[] = { CALL('a', 10), ENTER(10, 11), CALL('b', 12),
					ENTER(12, 13), CALL('c', 14), RET('c', 15),
					LEAVE(12, 16), RET('b', 17), LEAVE(10, 18),
					RET('a', 19) };

	RUN("nested handlers", ev, 20,
	    "B a 10\n  B signal SIGUSR1 11\n    B b 12\n      B signal SIGUSR2 13\n"
	    "        B c 14\n        E c 15\n      E signal SIGUSR2 16\n    E b 17\n"
	    "  E signal SIGUSR1 18\nE a 19\n", NULL);
}

static void test_siglongjmp(void)
{
	const struct ctr_event ev[] = { CALL('a', 10), CALL('b', 11), ENTER(10, 12),
					CALL('c', 13), LONGJMP('a', 14), RET('a', 15) };

	RUN("siglongjmp out of a handler ends its slice", ev, 20,
	    "B a 10\n  B b 11\n    B signal SIGUSR1 12\n      B c 13\n"
	    "      E c 14 unwound by longjmp\n    E signal SIGUSR1 14 unwound by longjmp\n"
	    "  E b 14 unwound by longjmp\nE a 15\n", NULL);
}

static void test_stamped_late(void)
{
	/* b's hook reserved its slot, the handler ran, then b was stamped */
	const struct ctr_event ev[] = { CALL('a', 10), CALL('b', 50), ENTER(14, 20),
					CALL('c', 21), RET('c', 22), LEAVE(14, 23),
					RET('b', 60), RET('a', 70) };
	struct timeline_stats st;

	RUN("an event stamped after its handler takes the next event's time", ev, 80,
	    "B a 10\n  B b 20\n    B signal SIGALRM 20\n      B c 21\n      E c 22\n"
	    "    E signal SIGALRM 23\n  E b 60\nE a 70\n", &st);
	expect_count("stamped late: counted", st.stamped_late, 1);
	expect_count("stamped late: not backwards", st.backwards, 0);
}

static void test_fibers(void)
{
	const struct ctr_event ev[] = { CALL('a', 10), FIBER(5, 11), CALL('b', 12),
					FIBER(0, 13), FIBER(5, 14), RET('b', 15),
					FIBER(0, 16), RET('a', 17) };
	struct timeline_stats st;

	RUN("a fiber is a stack and a track of its own", ev, 20,
	    "B a 10\n  B running fiber 0x5 11\nT 1 fiber 0x5\nB b 12\nT 0 -\n"
	    "  E running fiber 0x5 13\n  B running fiber 0x5 14\nT 1 fiber 0x5\n"
	    "E b 15\nT 0 -\n  E running fiber 0x5 16\nE a 17\n", &st);
	expect_count("fibers: contexts", st.contexts, 1);
	expect_count("fibers: switches", st.switches, 4);
}

static void test_ucontext(void)
{
	/* main saves itself under 0x100 and runs a context made with d,
	 * which goes back to 0x100 when d returns */
	const struct ctr_event ev[] = { CALL('a', 10), SWAP(0x200, 0x100, 'd', 11),
					CALL('d', 12), SWAP(0x100, 0x200, 'd', 13),
					SWAP(0x200, 0x100, 'a', 14), RET('d', 15),
					SWAP(0x100, 0, 'a', 16), RET('a', 17) };

	RUN("ucontext: a stack per context, found again by its id", ev, 20,
	    "B a 10\n  B running d 11\nT 1 d\nB d 12\nT 0 -\n  E running d 13\n"
	    "  B running d 14\nT 1 d\nE d 15\nT 0 -\n  E running d 16\nE a 17\n", NULL);
}

int main(void)
{
	test_signal();
	test_nested_signals();
	test_siglongjmp();
	test_stamped_late();
	test_fibers();
	test_ucontext();
	test_simple();
	test_same_time();
	test_recursion();
	test_orphans();
	test_orphan_closes_open_calls();
	test_missing_return();
	test_exception();
	test_longjmp();
	test_open_at_end();
	test_unknown();
	test_backwards();
	test_window();
	test_orphan_longjmp();
	test_thunk_return();
	test_open_before_leaf_loop();
	test_open_before_ring_frames();
	test_open_before_late_returns();
	test_open_before_whole_ring();
	test_open_before_fiber();
	test_open_before_taken_on_fiber();
	return failures != 0;
}

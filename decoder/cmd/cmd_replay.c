/* cmd_replay.c - `ctrail replay TRACE.ctr`: the call tree as indented
 * text, each call on one line with its duration:
 *   thread main [4242]
 *     142.278us  main
 *         30ns    fact
 * one thread after another, or with --interleave every call of every
 * thread in begin-time order, each line starting with its begin time and
 * its thread.  -F NAME shows only the calls made inside a call of NAME
 * (NAME's outermost call at the left edge); --min hides calls shorter than
 * a duration (their callees are shorter still).
 *
 * A line needs its call's duration, known only when the call ends, so
 * lines are buffered in begin order and filled in at the end.  One thread
 * after another, the buffer is printed and emptied whenever no shown call
 * is open any more, so memory is that of the largest top-level call (of
 * the calls shown); interleaved, the calls shown of the whole snapshot are
 * kept (48 bytes each) and sorted by begin time at its end.  A context or
 * fiber (timeline.h) is listed like a thread of its own, "NAME [TID]":
 * open frames are a stack per track (lanes.h), and lines are grouped by
 * track when printed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lanes.h"
#include "summary.h"

static const struct cli_option options[] = {
	{ "function", 'F', "NAME", "only the calls inside calls of the function NAME" },
	{ "min", 0, "TIME", "hide calls shorter than TIME" },
	{ "interleave", 0, NULL, "all threads in one list ordered by begin time" },
	{ "color", 0, "WHEN", "auto (default: when stdout is a terminal), always or never" },
	SUMMARY_OPTS,
	{ 0 },
};
enum { OPT_FUNCTION, OPT_MIN, OPT_INTERLEAVE, OPT_COLOR };

#define NOT_SHOWN SIZE_MAX

struct line {
	const struct symbol *sym;
	uint64_t begin_ns, end_ns;
	uint64_t seq;    /* begin order, for a stable sort */
	uint32_t depth;  /* indentation level */
	uint32_t thread; /* index in threads */
	uint8_t begin_repair, end_repair, hidden;
};

struct replay {
	const struct time_base *tb;
	struct line *lines;
	size_t nlines, kept, cap; /* lines before kept are final (interleaved) */
	struct lanes open; /* per track, the line of each open frame, or
			      NOT_SHOWN; a lane's base is its index in threads */
	size_t shown_open;
	const char *only; /* -F */
	size_t inside;    /* open calls of it */
	uint32_t base;    /* depth of its outermost open call */
	uint64_t min_ns;
	int interleave, color;
	struct shown_thread {
		const struct reader_thread *t;
		const char *context; /* a context's name; NULL for the thread */
	} *threads;    /* seen in this snapshot, contexts included */
	size_t nthreads;
	uint32_t printed; /* the thread whose lines were printed last, + 1 */
	uint64_t seq;   /* lines begun so far */
};

#define COLOR(r, code) ((r)->color ? "\033[" code "m" : "")

static int replay_begin_file(void *ctx, const struct reader_snapshot *snap,
			     const struct time_base *tb)
{
	struct replay *r = ctx;

	r->tb = tb;
	r->nthreads = 0;
	return 0;
}

/* A thread (context NULL) or a context of the current one, listed. */
static int add_thread(struct replay *r, const struct reader_thread *t,
		      const char *context)
{
	struct shown_thread *grown =
		realloc(r->threads, (r->nthreads + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	r->threads = grown;
	r->threads[r->nthreads++] = (struct shown_thread){ t, context };
	r->open.cur->base = r->nthreads - 1;
	return 0;
}

static int replay_thread(void *ctx, const struct reader_thread *t)
{
	struct replay *r = ctx;

	r->printed = 0;
	return lanes_reset(&r->open) ? -ENOMEM : add_thread(r, t, NULL);
}

static int replay_track(void *ctx, const struct track *tr)
{
	struct replay *r = ctx;
	const struct reader_thread *t = r->threads[r->open.all[0].base].t;

	if (lanes_select(&r->open, tr->index))
		return -ENOMEM;
	return tr->index && !tr->uses ? add_thread(r, t, tr->name) : 0;
}

/* "NAME[TID]" (sep "") or "NAME [TID]" (sep " ") of a listed thread. */
static void thread_label(const struct replay *r, uint32_t i, const char *sep,
			 const char *unnamed, char *buf, size_t size)
{
	const struct shown_thread *s = &r->threads[i];
	const char *name = s->context ? s->context :
			   s->t->name[0] ? s->t->name : unnamed;

	snprintf(buf, size, "%s%s[%u]", name, sep, s->t->hdr->tid);
}

static void print_line(const struct replay *r, const struct line *l)
{
	char dur[32], at[32], label[64];

	if (r->interleave) {
		thread_label(r, l->thread, "", "thread", label, sizeof(label));
		printf("%12s  %-20s ", summary_format_ns(at, l->begin_ns), label);
	}
	printf("%s%11s%s  %*s%s%s%s", COLOR(r, "36"),
	       summary_format_ns(dur, l->end_ns - l->begin_ns), COLOR(r, "0"),
	       2 * (int)l->depth, "",
	       r->only && !strcmp(l->sym->name, r->only) ? COLOR(r, "1") : "",
	       l->sym->name, COLOR(r, "0"));
	if (l->begin_repair)
		printf(" %s[%s]%s", COLOR(r, "31"), timeline_repair_name(l->begin_repair),
		       COLOR(r, "0"));
	if (l->end_repair)
		printf(" %s[%s]%s", COLOR(r, "31"), timeline_repair_name(l->end_repair),
		       COLOR(r, "0"));
	putchar('\n');
}

static int by_thread(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* No shown call is open: the lines since kept are complete.  One thread
 * after another, they are printed grouped by thread (a thread's contexts
 * interleave with it), each group under its thread's name. */
static void flush(struct replay *r)
{
	size_t out = r->kept;
	char label[64];

	if (!r->interleave)
		qsort(r->lines, r->nlines, sizeof(*r->lines), by_thread);
	for (size_t i = r->kept; i < r->nlines; i++) {
		const struct line *l = &r->lines[i];

		if (l->hidden)
			continue;
		if (r->interleave) {
			r->lines[out++] = *l;
			continue;
		}
		if (r->printed != l->thread + 1) {
			thread_label(r, l->thread, " ", "(no name)", label, sizeof(label));
			printf("%s%s %s%s\n", COLOR(r, "1"),
			       r->threads[l->thread].context ? "context" : "thread",
			       label, COLOR(r, "0"));
			r->printed = l->thread + 1;
		}
		print_line(r, l);
	}
	r->nlines = r->kept = r->interleave ? out : 0;
}

static int push_open(struct replay *r, size_t line)
{
	size_t *slot = lanes_push(&r->open);

	if (!slot)
		return -ENOMEM;
	*slot = line;
	return 0;
}

static int replay_slice_begin(void *ctx, const struct slice *s)
{
	struct replay *r = ctx;
	int is_only = r->only && !strcmp(s->sym->name, r->only);

	if (is_only && r->inside++ == 0)
		r->base = s->depth;
	if (r->only && !r->inside)
		return push_open(r, NOT_SHOWN);
	if (r->nlines == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		struct line *grown = realloc(r->lines, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		r->lines = grown;
		r->cap = cap;
	}
	r->lines[r->nlines] = (struct line){
		.sym = s->sym, .begin_ns = time_base_ns(r->tb, s->begin_tsc),
		.depth = s->depth - (r->only ? r->base : 0),
		.thread = r->open.cur->base, .begin_repair = s->begin_repair,
		.seq = r->seq++ };
	r->shown_open++;
	return push_open(r, r->nlines++);
}

static int replay_slice_end(void *ctx, const struct slice *s)
{
	struct replay *r = ctx;
	size_t i = *(size_t *)lanes_pop(&r->open);
	struct line *l;

	if (r->only && !strcmp(s->sym->name, r->only))
		r->inside--;
	if (i == NOT_SHOWN)
		return 0;
	l = &r->lines[i];
	l->end_ns = time_base_ns(r->tb, s->end_tsc);
	l->end_repair = s->end_repair;
	l->hidden = l->end_ns - l->begin_ns < r->min_ns;
	if (--r->shown_open == 0)
		flush(r);
	return 0;
}

static const struct emitter_ops replay_ops = {
	.begin_file = replay_begin_file,
	.thread = replay_thread,
	.track = replay_track,
	.slice_begin = replay_slice_begin,
	.slice_end = replay_slice_end,
};

static int by_begin(const void *a, const void *b)
{
	const struct line *x = a, *y = b;

	if (x->begin_ns != y->begin_ns)
		return x->begin_ns < y->begin_ns ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Interleaved: the whole snapshot, sorted. */
static int print_interleaved(void *ctx, const struct reader_snapshot *snap)
{
	struct replay *r = ctx;

	if (!r->interleave)
		return 0;
	qsort(r->lines, r->nlines, sizeof(*r->lines), by_begin);
	for (size_t i = 0; i < r->nlines; i++)
		print_line(r, &r->lines[i]);
	r->nlines = r->kept = 0;
	return 0;
}

static int parse_color(const char *value, int *color)
{
	if (!strcmp(value, "always"))
		*color = 1;
	else if (!strcmp(value, "never"))
		*color = 0;
	else if (!strcmp(value, "auto"))
		*color = isatty(1) && !getenv("NO_COLOR");
	else
		return -EINVAL;
	return 0;
}

static int replay_option(void *ctx, const struct cli_command *cmd, int opt,
			 const char *value)
{
	struct replay *r = ctx;

	switch (opt) {
	case OPT_FUNCTION: r->only = value; break;
	case OPT_MIN:
		if (parse_duration(value, &r->min_ns) < 0)
			return cli_usage_error(cmd, "--min %s: expected a time like 250us, 1.5ms, 2s", value);
		break;
	case OPT_INTERLEAVE: r->interleave = 1; break;
	case OPT_COLOR:
		if (parse_color(value, &r->color) < 0)
			return cli_usage_error(cmd, "--color %s: expected auto, always or never", value);
		break;
	}
	return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct summary_opts o = { .snapshot = -1 };
	struct replay r = { 0 };
	lanes_init(&r.open, sizeof(size_t));
	const struct summary_hooks hooks = { summary_snapshot_header, print_interleaved };
	int rc;

	parse_color("auto", &r.color);
	rc = summary_parse(&o, cmd, argc, argv, replay_option, &r);
	if (rc)
		return rc;
	rc = summary_print(&o, "replay", &replay_ops, &r, &hooks);
	free(r.lines);
	lanes_free(&r.open);
	free(r.threads);
	return rc;
}

const struct cli_command cmd_replay = {
	.name = "replay",
	.synopsis = "[OPTIONS] TRACE.ctr",
	.summary = "print the call tree as indented text with durations",
	.description =
		"Prints every call of the chosen threads, one line each: its duration,\n"
		"then its function indented two spaces per nesting level, with the\n"
		"decoder's repairs in brackets.  Threads come one after another under a\n"
		"\"thread NAME [TID]\" line; with --interleave all calls are listed by\n"
		"begin time, each line starting with that time and the thread.  -F NAME\n"
		"keeps only calls inside calls of NAME; --min hides short calls.  Colors\n"
		"when stdout is a terminal (--color).  TIME is a number with a unit: ns,\n"
		"us, ms or s.",
	.options = options,
	.run = run,
};

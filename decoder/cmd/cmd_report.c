/* cmd_report.c - `ctrail report TRACE.ctr`: a table of functions with
 * their calls, total and self time and the min / mean / p50 / p99 / max of
 * their calls' durations, over the chosen threads of each snapshot.
 *
 * Functions are told apart by name (same-named functions merge, as in the
 * flame graph).  Each function keeps the duration of every one of its
 * calls, so percentiles are exact (nearest rank: p50 is the
 * ceil(0.5 n)-th smallest of n durations) at 8 bytes per call; the rest of
 * the memory is per function and per open frame.  A call's self time is
 * its duration minus its callees' durations.  Total time counts only the
 * outermost of a function's active calls, so a recursion is not counted
 * once per level: total is the time during which the function was on the
 * stack, and mean/min/max cover every call, inner ones included.
 *
 * With --clip, calls count only for their part inside --since/--until.
 * With --cpu, a function's total time is split into on-CPU, runnable and
 * blocked from the scheduling events (cpu_split.c), exactly: the three
 * add up to the total.
 *
 * Functions live in one array found through an open-addressing table of
 * indexes keyed by the name's bytes; open frames are a stack per track
 * (lanes.h: a context or fiber is a stack of its own). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cpu_split.h"
#include "lanes.h"
#include "summary.h"

static const struct cli_option options[] = {
	{ "sort", 's', "KEY", "order by self (default), total, calls, max or name" },
	{ "top", 'n', "N", "only the first N functions" },
	{ "csv", 0, NULL, "comma-separated values, times in ns, a header line" },
	{ "cpu", 0, NULL, "split total time into on-CPU, runnable and blocked (needs record --sched)" },
	SUMMARY_OPT_CLIP,
	SUMMARY_OPTS,
	{ 0 },
};
enum { OPT_SORT, OPT_TOP, OPT_CSV, OPT_CPU };

/* The columns of --cpu: running, runnable, blocked. */
enum { SPLIT_ON, SPLIT_RUNNABLE, SPLIT_BLOCKED, SPLITS };

struct func {
	const char *name;
	uint64_t calls, total_ns, self_ns;
	uint64_t split[SPLITS]; /* of total_ns, with --cpu */
	uint64_t *durations; /* calls of them, sorted once the walk ended */
	size_t cap;
	uint32_t active; /* calls on the stack now */
};

struct open_call {
	uint32_t func;
	uint64_t begin_ns, callees_ns;
};

enum sort_key { SORT_SELF, SORT_TOTAL, SORT_CALLS, SORT_MAX, SORT_NAME };

struct report {
	const struct time_base *tb;
	struct func *funcs;
	uint32_t nfuncs, cap;
	uint32_t *slots; /* func index + 1 by name; 0 is empty */
	uint32_t nslots;
	struct lanes open; /* struct open_call, per track */
	uint64_t traced_ns, calls;
	uint64_t traced_split[SPLITS];
	uint64_t clip_from_ns, clip_to_ns; /* summary_clip_window */
	enum sort_key sort;
	long top; /* -1: all */
	int csv, cpu;
	struct cpu_split *cs; /* with --cpu, of the snapshot walked */
	const struct cpu_track *track; /* of the thread walked */
};

static int grow_slots(struct report *r)
{
	uint32_t n = r->nslots ? 2 * r->nslots : 256;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t i = 0; i < r->nfuncs; i++) {
		uint64_t h = summary_name_hash(r->funcs[i].name);

		while (slots[h & (n - 1)])
			h++;
		slots[h & (n - 1)] = i + 1;
	}
	free(r->slots);
	r->slots = slots;
	r->nslots = n;
	return 0;
}

/* The index of the function named name, made if new; -ENOMEM. */
static int64_t func_of(struct report *r, const char *name)
{
	uint64_t h;
	uint32_t *slot;

	if (2 * (r->nfuncs + 1) > r->nslots && grow_slots(r) < 0)
		return -ENOMEM;
	for (h = summary_name_hash(name);; h++) {
		slot = &r->slots[h & (r->nslots - 1)];
		if (!*slot)
			break;
		if (!strcmp(r->funcs[*slot - 1].name, name))
			return *slot - 1;
	}
	if (r->nfuncs == r->cap) {
		uint32_t cap = r->cap ? 2 * r->cap : 256;
		struct func *grown = realloc(r->funcs, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		r->funcs = grown;
		r->cap = cap;
	}
	r->funcs[r->nfuncs] = (struct func){ .name = name };
	*slot = ++r->nfuncs;
	return r->nfuncs - 1;
}

static int report_begin_file(void *ctx, const struct reader_snapshot *snap,
			     const struct time_base *tb)
{
	struct report *r = ctx;

	r->tb = tb;
	if (!r->cpu)
		return 0;
	cpu_split_free(r->cs);
	r->cs = cpu_split_new(snap, tb);
	if (!r->cs)
		return errno == ENODATA ? cpu_split_missing("report --cpu") : -errno;
	return 0;
}

static int report_thread(void *ctx, const struct reader_thread *t)
{
	struct report *r = ctx;

	if (r->cs)
		r->track = cpu_split_track(r->cs, t->hdr->tid);
	return lanes_reset(&r->open);
}

static int report_track(void *ctx, const struct track *tr)
{
	struct report *r = ctx;

	return lanes_select(&r->open, tr->index);
}

/* Adds the split of [begin_ns, end_ns] on the thread's track to split. */
static void add_split(const struct report *r, uint64_t begin_ns, uint64_t end_ns,
		      uint64_t split[SPLITS])
{
	cpu_track_add_split(r->track, begin_ns, end_ns, split);
}

static int report_slice_begin(void *ctx, const struct slice *s)
{
	struct report *r = ctx;
	int64_t f = func_of(r, s->sym->name);
	struct open_call *c;

	if (f < 0)
		return f;
	if (!(c = lanes_push(&r->open)))
		return -ENOMEM;
	*c = (struct open_call){
		.func = f, .begin_ns = time_base_ns(r->tb, s->begin_tsc) };
	r->funcs[f].active++;
	return 0;
}

static int report_slice_end(void *ctx, const struct slice *s)
{
	struct report *r = ctx;
	struct open_call *c = lanes_pop(&r->open), *caller;
	struct func *f = &r->funcs[c->func];
	uint64_t begin = c->begin_ns, end = time_base_ns(r->tb, s->end_tsc), duration;

	if (!summary_clip(r->clip_from_ns, r->clip_to_ns, &begin, &end)) {
		f->active--; /* outside the window: inside calls are too */
		return 0;
	}
	duration = end - begin;
	if (f->calls == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 4;
		uint64_t *grown = realloc(f->durations, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		f->durations = grown;
		f->cap = cap;
	}
	f->durations[f->calls++] = duration;
	f->self_ns += duration - c->callees_ns;
	if (--f->active == 0) {
		f->total_ns += duration;
		if (r->cs)
			add_split(r, begin, end, f->split);
	}
	if ((caller = lanes_top(&r->open)))
		caller->callees_ns += duration;
	else {
		r->traced_ns += duration;
		if (r->cs)
			add_split(r, begin, end, r->traced_split);
	}
	r->calls++;
	return 0;
}

static const struct emitter_ops report_ops = {
	.begin_file = report_begin_file,
	.thread = report_thread,
	.track = report_track,
	.slice_begin = report_slice_begin,
	.slice_end = report_slice_end,
};

static int by_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static enum sort_key sort_key;

static uint64_t key_of(const struct func *f)
{
	switch (sort_key) {
	case SORT_TOTAL: return f->total_ns;
	case SORT_CALLS: return f->calls;
	case SORT_MAX: return f->durations[f->calls - 1];
	default: return f->self_ns;
	}
}

/* Largest first, then by name. */
static int by_key(const void *a, const void *b)
{
	const struct func *x = a, *y = b;
	uint64_t kx = sort_key == SORT_NAME ? 0 : key_of(x);
	uint64_t ky = sort_key == SORT_NAME ? 0 : key_of(y);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The rank-th smallest duration for a quantile num/den (nearest rank). */
static uint64_t quantile(const struct func *f, uint64_t num, uint64_t den)
{
	uint64_t rank = (num * f->calls + den - 1) / den;

	return f->durations[rank ? rank - 1 : 0];
}

static uint64_t mean(const struct func *f)
{
	unsigned __int128 sum = 0;

	for (uint64_t i = 0; i < f->calls; i++)
		sum += f->durations[i];
	return (uint64_t)(sum / f->calls);
}

static void print_csv_row(const struct report *r, const struct func *f)
{
	summary_put_csv_name(f->name);
	printf(",%llu,%llu,%llu,%llu,%llu,%llu,%llu,%llu",
	       (unsigned long long)f->calls, (unsigned long long)f->total_ns,
	       (unsigned long long)f->self_ns, (unsigned long long)f->durations[0],
	       (unsigned long long)mean(f), (unsigned long long)quantile(f, 50, 100),
	       (unsigned long long)quantile(f, 99, 100),
	       (unsigned long long)f->durations[f->calls - 1]);
	if (r->cpu)
		printf(",%llu,%llu,%llu", (unsigned long long)f->split[SPLIT_ON],
		       (unsigned long long)f->split[SPLIT_RUNNABLE],
		       (unsigned long long)f->split[SPLIT_BLOCKED]);
	putchar('\n');
}

static void print_text_row(const struct report *r, const struct func *f)
{
	uint64_t v[] = { f->total_ns, f->self_ns, f->durations[0], mean(f),
			 quantile(f, 50, 100), quantile(f, 99, 100),
			 f->durations[f->calls - 1] };
	uint64_t pct = r->traced_ns ?
		(uint64_t)((unsigned __int128)f->self_ns * 1000 / r->traced_ns) : 0;
	char buf[32];

	printf("%10llu", (unsigned long long)f->calls);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		printf(" %11s", summary_format_ns(buf, v[i]));
		if (i == 1)
			printf(" %5llu.%llu%%", (unsigned long long)(pct / 10),
			       (unsigned long long)(pct % 10));
		for (int k = 0; i == 1 && r->cpu && k < SPLITS; k++)
			printf(" %11s", summary_format_ns(buf, f->split[k]));
	}
	printf("  %s\n", f->name);
}

/* Drops the functions whose calls all lay outside the window (--clip). */
static void drop_uncounted(struct report *r)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < r->nfuncs; i++) {
		if (r->funcs[i].calls)
			r->funcs[n++] = r->funcs[i];
		else
			free(r->funcs[i].durations);
	}
	r->nfuncs = n;
}

static int print_report(void *ctx, const struct reader_snapshot *snap)
{
	struct report *r = ctx;
	uint32_t rows;
	char buf[32], split[3][32];

	drop_uncounted(r);
	rows = r->nfuncs;
	for (uint32_t i = 0; i < r->nfuncs; i++)
		qsort(r->funcs[i].durations, r->funcs[i].calls, sizeof(uint64_t), by_u64);
	sort_key = r->sort;
	qsort(r->funcs, r->nfuncs, sizeof(*r->funcs), by_key);
	if (r->top >= 0 && (uint64_t)r->top < rows)
		rows = r->top;
	if (r->csv)
		printf("function,calls,total_ns,self_ns,min_ns,mean_ns,p50_ns,p99_ns,max_ns%s\n",
		       r->cpu ? ",on_cpu_ns,runnable_ns,blocked_ns" : "");
	else
		printf("%10s %11s %11s %7s%s %11s %11s %11s %11s %11s  %s\n", "calls",
		       "total", "self", "self%",
		       r->cpu ? "      on-cpu    runnable     blocked" : "",
		       "min", "mean", "p50", "p99", "max", "function");
	for (uint32_t i = 0; i < rows; i++) {
		if (r->csv)
			print_csv_row(r, &r->funcs[i]);
		else
			print_text_row(r, &r->funcs[i]);
	}
	if (!r->csv)
		printf("%llu calls of %u functions, traced time %s\n",
		       (unsigned long long)r->calls, r->nfuncs,
		       summary_format_ns(buf, r->traced_ns));
	if (!r->csv && r->cpu)
		printf("of which on-CPU %s, runnable %s, blocked %s\n",
		       summary_format_ns(split[0], r->traced_split[SPLIT_ON]),
		       summary_format_ns(split[1], r->traced_split[SPLIT_RUNNABLE]),
		       summary_format_ns(split[2], r->traced_split[SPLIT_BLOCKED]));
	/* the next snapshot starts afresh */
	for (uint32_t i = 0; i < r->nfuncs; i++)
		free(r->funcs[i].durations);
	r->nfuncs = 0;
	r->traced_ns = r->calls = 0;
	memset(r->traced_split, 0, sizeof(r->traced_split));
	if (r->slots)
		memset(r->slots, 0, r->nslots * sizeof(*r->slots));
	return 0;
}

static int snapshot_header(void *ctx, const struct reader_snapshot *snap,
			   size_t index, size_t count)
{
	const struct report *r = ctx;

	return r->csv ? 0 : summary_snapshot_header(ctx, snap, index, count);
}

static int parse_sort(const char *value, enum sort_key *key)
{
	static const char *const names[] = {
		[SORT_SELF] = "self", [SORT_TOTAL] = "total", [SORT_CALLS] = "calls",
		[SORT_MAX] = "max", [SORT_NAME] = "name",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(value, names[i])) {
			*key = i;
			return 0;
		}
	return -EINVAL;
}

static int report_option(void *ctx, const struct cli_command *cmd, int opt,
			 const char *value)
{
	struct report *r = ctx;
	char *end;

	switch (opt) {
	case OPT_SORT:
		if (parse_sort(value, &r->sort) < 0)
			return cli_usage_error(cmd, "--sort %s: expected self, total, calls, max or name", value);
		break;
	case OPT_TOP:
		r->top = strtol(value, &end, 10);
		if (*value < '0' || *value > '9' || *end)
			return cli_usage_error(cmd, "--top %s: expected a number", value);
		break;
	case OPT_CSV: r->csv = 1; break;
	case OPT_CPU: r->cpu = 1; break;
	}
	return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct summary_opts o = { .snapshot = -1 };
	struct report r = { .top = -1 };
	const struct summary_hooks hooks = { snapshot_header, print_report };
	int rc;

	lanes_init(&r.open, sizeof(struct open_call));
	rc = summary_parse(&o, cmd, argc, argv, report_option, &r);
	if (rc)
		return rc;
	summary_clip_window(&o, &r.clip_from_ns, &r.clip_to_ns);
	rc = summary_print(&o, "report", &report_ops, &r, &hooks);
	cpu_split_free(r.cs);
	for (uint32_t i = 0; i < r.nfuncs; i++)
		free(r.funcs[i].durations);
	free(r.funcs);
	free(r.slots);
	lanes_free(&r.open);
	return rc;
}

const struct cli_command cmd_report = {
	.name = "report",
	.synopsis = "[OPTIONS] TRACE.ctr",
	.summary = "per-function calls, total/self time and duration percentiles",
	.description =
		"Prints one line per function over the chosen threads of each snapshot:\n"
		"calls, total time (while the function was on the stack: a recursion\n"
		"counts its outermost call only), self time (not in its callees) and its\n"
		"share of the traced time, and the min, mean, p50, p99 and max of the\n"
		"durations of all its calls (exact: nearest-rank percentiles over every\n"
		"call).  Sorted by self time, largest first, unless --sort.  --csv gives\n"
		"function,calls,total_ns,self_ns,min_ns,mean_ns,p50_ns,p99_ns,max_ns.\n"
		"--cpu splits each total into on-CPU, runnable (waiting for a CPU) and\n"
		"blocked time from the scheduling events (record --sched), exactly, and\n"
		"adds on_cpu_ns,runnable_ns,blocked_ns to the CSV.  --clip counts only\n"
		"the time inside --since/--until.  Memory grows by 8 bytes per call.  TIME is a number with a unit: ns, us,\n"
		"ms or s.",
	.options = options,
	.run = run,
};

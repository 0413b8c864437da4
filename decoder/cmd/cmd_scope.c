/* cmd_scope.c - `ctrail scope TRACE.ctr -o scope.html`: FlameScope from
 * an exact trace.  A subsecond-offset heatmap of one snapshot: a column
 * per --span (1 s) of time from the first event, each cut into --rows (50)
 * cells, coloured by the traced time in the cell (with scheduling events,
 * the on-CPU time within traced calls, from cpu_split.c), per thread or
 * all threads; dragging over cells draws the flame graph of exactly that
 * time, calls cut to it (`ctrail flame --since --until --clip`).  The page
 * is written by scope_html.c.
 *
 * The walk keeps every call of the chosen threads: begin, duration (ns),
 * depth and a name id (20 bytes a call), ids given by a flat stack tree
 * used as the name table (one node per name under the root).  After the
 * walk the names are sorted, each thread's calls encoded as varints and
 * its cells summed from its outermost calls; with scheduling events also
 * its changes between running and not, for on-CPU flame graphs.  A context
 * or fiber of a thread (timeline.h) is listed like a thread of its own,
 * "NAME [TID]". */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cpu_split.h"
#include "scope_html.h"
#include "stack_tree.h"
#include "summary.h"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "output HTML (default: TRACE with .html for .ctr; - for stdout)" },
	{ "span", 0, "TIME", "time of one column (default 1s)" },
	{ "rows", 0, "N", "cells per column (default 50: 20 ms cells)" },
	{ "title", 0, "TEXT", "title (default: the program's name)" },
	CLI_OPT_THREADS,
	SUMMARY_OPT_SNAPSHOT,
	SUMMARY_OPT_REMAP,
	{ 0 },
};
enum { OPT_OUTPUT, OPT_SPAN, OPT_ROWS, OPT_TITLE };

struct call {
	uint64_t begin_ns, dur_ns;
	uint32_t name, depth;
};

struct scope_thread {
	const struct reader_thread *t;
	struct call *calls;
	size_t n, cap;
	size_t *open; /* indexes of the calls not ended */
	size_t nopen, open_cap;
	char label[48];
	uint8_t *bytes; /* the encoded calls */
	size_t nbytes;
	uint8_t *states; /* the encoded running / not running changes */
	size_t nstates_bytes, nstates;
	uint64_t *cells;
};

struct scope {
	const struct time_base *tb;
	struct cpu_split *cs; /* NULL: no scheduling events */
	struct stack_tree names; /* node i + 1 is name id i */
	struct scope_thread *threads;
	size_t nthreads;
	size_t cur;       /* the thread (or context) the calls go to */
	size_t *by_track; /* the current thread's, by track index */
	size_t ntracks;
	uint64_t last_ns;
	uint64_t span_ns;
	uint32_t rows;
	const char *title, *out_path;
	struct summary_output out;
};

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *grown;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	grown = realloc(*p, n * size);
	if (!grown)
		return -ENOMEM;
	*p = grown;
	*cap = n;
	return 0;
}

static int scope_begin_file(void *ctx, const struct reader_snapshot *snap,
			    const struct time_base *tb)
{
	struct scope *sc = ctx;

	sc->tb = tb;
	if (snap->sched_hdr && !(sc->cs = cpu_split_new(snap, tb)))
		return -errno;
	return stack_tree_begin_file(&sc->names, snap, tb);
}

/* A thread, or a context of it named name, listed; it is now current. */
static int add_thread(struct scope *sc, const struct reader_thread *t,
		      const char *name)
{
	struct scope_thread *grown = realloc(sc->threads, (sc->nthreads + 1) * sizeof(*grown));

	if (!grown)
		return -ENOMEM;
	sc->threads = grown;
	grown[sc->nthreads] = (struct scope_thread){ .t = t };
	snprintf(grown[sc->nthreads].label, sizeof(grown->label), "%s [%u]",
		 name ? name : t->name[0] ? t->name : "thread", t->hdr->tid);
	sc->cur = sc->nthreads++;
	return 0;
}

static int scope_thread(void *ctx, const struct reader_thread *t)
{
	struct scope *sc = ctx;

	if (grow((void **)&sc->by_track, &sc->ntracks, 1, sizeof(*sc->by_track)) ||
	    add_thread(sc, t, NULL))
		return -ENOMEM;
	sc->by_track[0] = sc->cur;
	return 0;
}

static int scope_track(void *ctx, const struct track *tr)
{
	struct scope *sc = ctx;

	if (tr->index && !tr->uses) {
		if (grow((void **)&sc->by_track, &sc->ntracks, tr->index + 1,
			 sizeof(*sc->by_track)) ||
		    add_thread(sc, sc->threads[sc->by_track[0]].t, tr->name))
			return -ENOMEM;
		sc->by_track[tr->index] = sc->cur;
	}
	sc->cur = sc->by_track[tr->index];
	return 0;
}

static int scope_slice_begin(void *ctx, const struct slice *s)
{
	struct scope *sc = ctx;
	struct scope_thread *th = &sc->threads[sc->cur];
	uint32_t name = stack_tree_find(&sc->names, 0, s->sym->name);

	if (!name && (stack_tree_add(&sc->names, 0, s->sym->name, 0) < 0 ||
		      !(name = stack_tree_find(&sc->names, 0, s->sym->name))))
		return -ENOMEM;
	if (grow((void **)&th->calls, &th->cap, th->n + 1, sizeof(*th->calls)) ||
	    grow((void **)&th->open, &th->open_cap, th->nopen + 1, sizeof(*th->open)))
		return -ENOMEM;
	th->calls[th->n] = (struct call){ .begin_ns = time_base_ns(sc->tb, s->begin_tsc),
					  .name = name - 1, .depth = s->depth };
	th->open[th->nopen++] = th->n++;
	return 0;
}

static int scope_slice_end(void *ctx, const struct slice *s)
{
	struct scope *sc = ctx;
	struct scope_thread *th = &sc->threads[sc->cur];
	struct call *c = &th->calls[th->open[--th->nopen]];
	uint64_t end = time_base_ns(sc->tb, s->end_tsc);

	c->dur_ns = end - c->begin_ns;
	if (end > sc->last_ns)
		sc->last_ns = end;
	return 0;
}

static const struct emitter_ops scope_ops = {
	.begin_file = scope_begin_file,
	.thread = scope_thread,
	.track = scope_track,
	.slice_begin = scope_slice_begin,
	.slice_end = scope_slice_end,
};

/* ---- after the walk ---- */

static const struct stack_tree *sort_names;

static int by_name(const void *a, const void *b)
{
	return strcmp(sort_names->nodes[*(const uint32_t *)a + 1].name,
		      sort_names->nodes[*(const uint32_t *)b + 1].name);
}

/* Each call as four varints (scope_html.h), names as their sorted rank. */
static int encode(struct scope_thread *th, const uint32_t *rank)
{
	uint64_t prev_begin = 0;
	uint32_t prev_depth = 0;

	th->bytes = malloc(th->n * 40 + 1);
	if (!th->bytes)
		return -ENOMEM;
	for (size_t i = 0; i < th->n; i++) {
		const struct call *c = &th->calls[i];
		int64_t step = (int64_t)c->depth - prev_depth;

		th->nbytes += scope_html_varint(th->bytes + th->nbytes, c->begin_ns - prev_begin);
		th->nbytes += scope_html_varint(th->bytes + th->nbytes, c->dur_ns);
		th->nbytes += scope_html_varint(th->bytes + th->nbytes,
						step < 0 ? (uint64_t)(-step) * 2 - 1 : (uint64_t)step * 2);
		th->nbytes += scope_html_varint(th->bytes + th->nbytes, rank[c->name]);
		prev_begin = c->begin_ns;
		prev_depth = c->depth;
	}
	return 0;
}

/* What [from, to] of an outermost call adds to its cell. */
static uint64_t cell_time(const struct scope *sc, const struct cpu_track *track,
			  uint64_t from, uint64_t to)
{
	uint64_t ns[CPU_STATES];

	if (!track)
		return to - from;
	cpu_track_range(track, from, to, ns);
	return ns[CPU_RUNNING];
}

/* The thread's changes between running and not (scope_html.h). */
static int encode_states(struct scope_thread *th, const struct cpu_track *track)
{
	size_t n = cpu_track_nchanges(track);
	uint64_t prev = 0;
	int prev_on = -1;

	th->states = malloc(n * 11 + 1);
	if (!th->states)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		enum cpu_state state;
		uint64_t ns;
		int on;

		cpu_track_change(track, i, &ns, &state);
		on = state == CPU_RUNNING;
		if (on == prev_on)
			continue; /* runnable to blocked: both off the CPU */
		th->nstates_bytes += scope_html_varint(th->states + th->nstates_bytes, ns - prev);
		th->states[th->nstates_bytes++] = on;
		th->nstates++;
		prev = ns;
		prev_on = on;
	}
	return 0;
}

static int fill_cells(const struct scope *sc, struct scope_thread *th, uint32_t columns)
{
	uint64_t cell = sc->span_ns / sc->rows, ncells = (uint64_t)columns * sc->rows;
	const struct cpu_track *track = sc->cs ? cpu_split_track(sc->cs, th->t->hdr->tid) : NULL;

	th->cells = calloc(ncells, sizeof(*th->cells));
	if (!th->cells)
		return -ENOMEM;
	for (size_t i = 0; i < th->n; i++) {
		const struct call *c = &th->calls[i];
		uint64_t end = c->begin_ns + c->dur_ns;

		if (c->depth)
			continue;
		for (uint64_t k = c->begin_ns / cell; k <= end / cell && k < ncells; k++) {
			uint64_t from = k * cell > c->begin_ns ? k * cell : c->begin_ns;
			uint64_t to = (k + 1) * cell < end ? (k + 1) * cell : end;

			th->cells[k] += cell_time(sc, track, from, to);
		}
	}
	return 0;
}

static int write_page(void *ctx, const struct reader_snapshot *snap)
{
	struct scope *sc = ctx;
	size_t nnames = sc->names.nnodes ? sc->names.nnodes - 1 : 0;
	uint32_t *order = malloc((nnames + 1) * sizeof(*order));
	uint32_t *rank = malloc((nnames + 1) * sizeof(*rank));
	const char **names = malloc((nnames + 1) * sizeof(*names));
	struct scope_html_thread *threads = calloc(sc->nthreads + 1, sizeof(*threads));
	uint32_t columns = (uint32_t)(sc->last_ns / sc->span_ns + 1);
	char *title = NULL;
	int err = order && rank && names && threads ? 0 : -ENOMEM;

	for (uint32_t i = 0; !err && i < nnames; i++)
		order[i] = i;
	sort_names = &sc->names;
	if (!err)
		qsort(order, nnames, sizeof(*order), by_name);
	for (uint32_t i = 0; !err && i < nnames; i++) {
		rank[order[i]] = i;
		names[i] = sc->names.nodes[order[i] + 1].name;
	}
	for (size_t i = 0; !err && i < sc->nthreads; i++) {
		struct scope_thread *th = &sc->threads[i];

		err = encode(th, rank);
		if (!err)
			err = fill_cells(sc, th, columns);
		if (!err && sc->cs)
			err = encode_states(th, cpu_split_track(sc->cs, th->t->hdr->tid));
		threads[i] = (struct scope_html_thread){
			.label = th->label, .tid = th->t->hdr->tid, .calls = th->bytes,
			.calls_size = th->nbytes, .ncalls = th->n, .cells = th->cells,
			.states = th->states, .states_size = th->nstates_bytes,
			.nstates = th->nstates };
	}
	if (!err && !sc->title) {
		const char *slash = memrchr(snap->exe, '/', snap->process->exe_size);
		const char *base = slash ? slash + 1 : snap->exe;

		title = strndup(base, snap->exe + snap->process->exe_size - base);
	}
	if (!err)
		scope_html_write(sc->out.file, &(struct scope_html){
			.title = sc->title ? sc->title : title ? title : "?",
			.what = sc->cs ? "on-CPU time within traced calls (scheduling events)" :
				"traced time (no scheduling events: record with --sched for on-CPU time)",
			.span_ns = sc->span_ns, .cell_ns = sc->span_ns / sc->rows,
			.rows = sc->rows, .columns = columns, .names = names, .nnames = nnames,
			.threads = threads, .nthreads = sc->nthreads });
	free(title);
	free(order);
	free(rank);
	free(names);
	free(threads);
	return err;
}

static void free_scope(struct scope *sc)
{
	for (size_t i = 0; i < sc->nthreads; i++) {
		free(sc->threads[i].calls);
		free(sc->threads[i].open);
		free(sc->threads[i].bytes);
		free(sc->threads[i].cells);
		free(sc->threads[i].states);
	}
	free(sc->threads);
	free(sc->by_track);
	stack_tree_free(&sc->names);
	cpu_split_free(sc->cs);
}

static int scope_option(void *ctx, const struct cli_command *cmd, int opt,
			const char *value)
{
	struct scope *sc = ctx;
	char *end;

	switch (opt) {
	case OPT_OUTPUT: sc->out_path = value; break;
	case OPT_TITLE: sc->title = value; break;
	case OPT_SPAN:
		if (parse_duration(value, &sc->span_ns) < 0 || sc->span_ns < 1000)
			return cli_usage_error(cmd, "--span %s: expected a time of 1us or more, like 1s or 100ms", value);
		break;
	case OPT_ROWS:
		sc->rows = strtoul(value, &end, 10);
		if (*value < '0' || *value > '9' || *end || sc->rows < 1 || sc->rows > 1000)
			return cli_usage_error(cmd, "--rows %s: expected 1 to 1000", value);
		break;
	}
	return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct summary_opts o = { .snapshot = 0 };
	struct scope sc = { .span_ns = 1000000000, .rows = 50 };
	const struct summary_hooks hooks = { .after = write_page };
	char *default_out = NULL;
	int rc = summary_parse(&o, cmd, argc, argv, scope_option, &sc);

	if (rc)
		return rc;
	if (sc.span_ns / sc.rows == 0)
		return cli_usage_error(cmd, "--span is shorter than --rows nanoseconds");
	sc.span_ns -= sc.span_ns % sc.rows; /* whole cells of span / rows ns */
	if (!sc.out_path)
		sc.out_path = default_out = summary_default_output(o.trace, ".html");
	if (!sc.out_path)
		return cli_error("out of memory");
	stack_tree_init(&sc.names, 0);
	if (summary_output_open(&sc.out, sc.out_path)) {
		free(default_out);
		return EXIT_ERROR;
	}
	rc = summary_run(&o, sc.out_path, &scope_ops, &sc, &hooks);
	rc = summary_output_close(&sc.out, rc == EXIT_OK);
	free_scope(&sc);
	free(default_out);
	return rc;
}

const struct cli_command cmd_scope = {
	.name = "scope",
	.synopsis = "[OPTIONS] TRACE.ctr [-o OUT.html]",
	.summary = "FlameScope: a subsecond heatmap with flame graphs of dragged ranges",
	.description =
		"Writes one self-contained HTML page for a snapshot (the first, or\n"
		"--snapshot N): a heatmap with a column per --span of time from the first\n"
		"event (1s), each cut into --rows cells (50, so 20ms each), coloured by the\n"
		"exact traced time in the cell (calls of the outermost frames, cut to the\n"
		"cell) or, when the snapshot has scheduling events (record --sched), by the\n"
		"on-CPU time within them; the page says which.  A thread selector shows one\n"
		"thread or all.  Drag over cells to draw the flame graph of exactly that\n"
		"time beside it (calls cut to the range, as `ctrail flame --since --until\n"
		"--clip` draws it; hover, click to zoom, Ctrl-F to search); with scheduling\n"
		"events it can count on-CPU time instead (flame --on-cpu --clip).\n"
		"OUT.html?drag=C1,R1,C2,R2 drags from cell (column C1, row R1) to (C2, R2)\n"
		"on load, &thread=I picks thread I (0 the first), &time=on-cpu the on-CPU\n"
		"flame graph.  TIME is a number with a unit: ns, us, ms or s.",
	.options = options,
	.run = run,
};

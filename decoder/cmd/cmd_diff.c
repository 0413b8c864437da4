/* cmd_diff.c - `ctrail diff A.ctr B.ctr`: what changed from A to B.  Per
 * function: calls, total and self time in A and in B, the change of its
 * self time and that change's share of the whole change (self times add
 * up to the traced time, so the shares add up to 100%), sorted by share;
 * a line naming the stack most of the change lies under; with -o, B's
 * flame graph coloured by change against A (red grew, blue shrank, the
 * deeper the larger), as Brendan Gregg's difffolded.pl and flamegraph.pl
 * do: a box's colour is the change of its stack's self time.
 * `ctrail diff --slowest FLOWS.ctr` takes B as the slowest kept occurrence
 * of a flow and A as the occurrence of median duration among the others.
 *
 * Each side is one stack tree (stack_tree.c), names copied out of its
 * symbolizer so both trees live at once.  Per-function figures come from
 * the trees: calls and self time sum over the function's nodes; total time
 * sums the nodes with no same-named ancestor, so a recursion counts its
 * outermost calls only, as in `ctrail report`.  Nodes of one tree are
 * matched to the other's by path (map[], parents before children).
 * --normalize scales A's times by B's traced time over A's, so the
 * comparison is of shares, not of lengths; the whole change is then the
 * sum of the growths. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "flame_svg.h"
#include "summary.h"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "also draw B's flame graph coloured by change against A (SVG)" },
	{ "csv", 0, NULL, "comma-separated values, times in ns, a header line" },
	{ "normalize", 0, NULL, "scale A's times to B's traced time before comparing" },
	{ "slowest", 0, NULL, "one FLOWS.ctr: its slowest occurrence against the median of the others" },
	{ "flow", 0, "NAME", "with --slowest: the flow (default: the first one in the file)" },
	{ "top", 'n', "N", "only the first N functions" },
	{ "width", 0, "PIXELS", "image width (default 1200)" },
	CLI_OPT_THREADS,
	SUMMARY_OPT_SINCE,
	SUMMARY_OPT_UNTIL,
	SUMMARY_OPT_CLIP,
	SUMMARY_OPT_SNAPSHOT,
	SUMMARY_OPT_REMAP,
	{ 0 },
};
enum { OPT_OUTPUT, OPT_CSV, OPT_NORMALIZE, OPT_SLOWEST, OPT_FLOW, OPT_TOP, OPT_WIDTH };

#define NO_MATCH UINT32_MAX

struct side {
	struct stack_tree tree; /* first: stack_tree_ops take it */
	char **names;           /* owned copies of the nodes' names */
	uint32_t *map;          /* node -> the other side's node, or NO_MATCH */
	char label[160];
};

struct row {
	const char *name;
	uint64_t calls[2], total[2], self[2]; /* A, B; A's times scaled */
	int64_t delta;                        /* self B - self A */
};

struct diff {
	struct side side[2]; /* A, B */
	struct row *rows;
	size_t nrows;
	uint64_t scale_num, scale_den; /* A's times * num / den */
	int64_t whole;                 /* the change the shares are of */
	int64_t max_delta;             /* largest |self change| of a node of B */
	const char *out_path, *flow;
	long top;
	unsigned width;
	int csv, normalize, slowest;
};

/* ---- walking one side ---- */

/* After the walk: the tree finished and its names copied, as the
 * symbolizer they point into is freed next. */
static int keep_names(void *ctx, const struct reader_snapshot *snap)
{
	struct side *s = ctx;
	int err = stack_tree_finish(&s->tree);

	if (err)
		return err;
	s->names = calloc(s->tree.nnodes, sizeof(*s->names));
	if (!s->names)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->tree.nnodes; i++) {
		s->names[i] = strdup(s->tree.nodes[i].name);
		if (!s->names[i])
			return -ENOMEM;
		s->tree.nodes[i].name = s->names[i];
	}
	return 0;
}

static int walk_side(struct side *s, const struct summary_opts *o, const char *trace,
		     long snapshot)
{
	struct summary_opts one = *o;
	const struct summary_hooks hooks = { .after = keep_names };

	one.trace = trace;
	one.snapshot = snapshot;
	stack_tree_init(&s->tree, 0);
	summary_clip_window(o, &s->tree.clip_from_ns, &s->tree.clip_to_ns);
	return summary_run(&one, "diff", &stack_tree_ops, s, &hooks);
}

static void free_side(struct side *s)
{
	for (uint32_t i = 0; s->names && i < s->tree.nnodes; i++)
		free(s->names[i]);
	free(s->names);
	free(s->map);
	stack_tree_free(&s->tree);
}

/* ---- --slowest: which snapshots ---- */

struct occurrence {
	size_t index;
	uint64_t duration_tsc;
};

static int by_duration(const void *a, const void *b)
{
	const struct occurrence *x = a, *y = b;

	if (x->duration_tsc != y->duration_tsc)
		return x->duration_tsc < y->duration_tsc ? -1 : 1;
	return x->index < y->index ? -1 : 1;
}

static int is_flow(const struct reader_snapshot *s, const char *name, size_t len)
{
	return s->hdr->reason == CTR_REASON_FLOW && s->hdr->name_size == len &&
	       !memcmp(s->name, name, len);
}

static void label_occurrence(char *buf, const struct reader_snapshot *s,
			     size_t index, const char *what)
{
	char d[32];

	snprintf(buf, 160, "snapshot %zu, \"%.*s\" taking %s, %s", index,
		 (int)s->hdr->name_size, s->name,
		 summary_format_ns(d, ns_from_ticks(s->clock->tsc_hz, s->hdr->duration_tsc)),
		 what);
}

/* Picks B (the slowest occurrence of the flow) and A (the median of the
 * others: the faster middle one of an even count) in the file. */
static int pick_occurrences(struct diff *d, const char *trace, long index[2])
{
	struct reader r;
	struct occurrence *others;
	size_t n = 0, slowest = SIZE_MAX, len;
	const char *name = d->flow;
	char what[64];

	if (cli_open_trace(&r, trace) < 0)
		return EXIT_ERROR;
	for (size_t i = 0; i < r.nsnapshots && !name; i++)
		if (r.snapshots[i].hdr->reason == CTR_REASON_FLOW)
			name = strndup(r.snapshots[i].name, r.snapshots[i].hdr->name_size);
	len = name ? strlen(name) : 0;
	others = calloc(r.nsnapshots + 1, sizeof(*others));
	for (size_t i = 0; name && others && i < r.nsnapshots; i++) {
		const struct reader_snapshot *s = &r.snapshots[i];

		if (!is_flow(s, name, len))
			continue;
		if (slowest == SIZE_MAX || s->hdr->duration_tsc > r.snapshots[slowest].hdr->duration_tsc) {
			if (slowest != SIZE_MAX)
				others[n++] = (struct occurrence){ slowest, r.snapshots[slowest].hdr->duration_tsc };
			slowest = i;
		} else
			others[n++] = (struct occurrence){ i, s->hdr->duration_tsc };
	}
	if (!others || !name || !n) {
		cli_error("%s: %s", trace, !others ? "out of memory" : !name ?
			  "no kept flow occurrences (ctrail_flow_end) to compare" :
			  slowest == SIZE_MAX ? "no occurrence of that flow" :
			  "only one occurrence of the flow kept: nothing to compare it with");
		free(others);
		if (name != d->flow)
			free((char *)name);
		reader_close(&r);
		return EXIT_ERROR;
	}
	qsort(others, n, sizeof(*others), by_duration);
	index[0] = others[(n - 1) / 2].index;
	index[1] = slowest;
	snprintf(what, sizeof(what), n == 1 ? "the only other" :
		 "the median of the %zu others", n);
	label_occurrence(d->side[1].label, &r.snapshots[slowest], slowest, "the slowest");
	label_occurrence(d->side[0].label, &r.snapshots[index[0]], index[0], what);
	free(others);
	if (name != d->flow)
		free((char *)name);
	reader_close(&r);
	return EXIT_OK;
}

/* ---- comparing ---- */

/* map[i] of side s: node i's path in the other side's tree. */
static int match(struct side *s, const struct side *other)
{
	const struct stack_tree *t = &s->tree;

	s->map = malloc(t->nnodes * sizeof(*s->map));
	if (!s->map)
		return -ENOMEM;
	s->map[0] = 0;
	for (uint32_t i = 1; i < t->nnodes; i++) {
		uint32_t p = s->map[t->nodes[i].parent];
		uint32_t m = p == NO_MATCH ? STACK_NONE :
			     stack_tree_find(&other->tree, p, t->nodes[i].name);

		s->map[i] = m == STACK_NONE ? NO_MATCH : m;
	}
	return 0;
}

static uint64_t scaled(const struct diff *d, int side, uint64_t v)
{
	if (side || !d->normalize || !d->scale_den)
		return v;
	return (uint64_t)((unsigned __int128)v * d->scale_num / d->scale_den);
}

/* 1 when node i of t has an ancestor of the same name (a recursion). */
static int inner_recursion(const struct stack_tree *t, uint32_t i)
{
	for (uint32_t p = t->nodes[i].parent; p; p = t->nodes[p].parent)
		if (!strcmp(t->nodes[p].name, t->nodes[i].name))
			return 1;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->name, ((const struct row *)b)->name);
}

/* One row per node of both trees, then merged by name. */
static int make_rows(struct diff *d)
{
	size_t n = d->side[0].tree.nnodes + d->side[1].tree.nnodes, out = 0;

	d->rows = calloc(n, sizeof(*d->rows));
	if (!d->rows)
		return -ENOMEM;
	for (int s = 0; s < 2; s++) {
		const struct stack_tree *t = &d->side[s].tree;

		for (uint32_t i = 1; i < t->nnodes; i++) {
			const struct stack_node *node = &t->nodes[i];
			struct row *r = &d->rows[d->nrows];

			if (!node->calls)
				continue; /* no call counted (all outside --clip) */
			d->nrows++;
			r->name = node->name;
			r->calls[s] = node->calls;
			r->self[s] = scaled(d, s, node->self_ns);
			if (!inner_recursion(t, i))
				r->total[s] = scaled(d, s, node->total_ns);
		}
	}
	qsort(d->rows, d->nrows, sizeof(*d->rows), by_name);
	for (size_t i = 0; i < d->nrows; i++) {
		struct row *r = &d->rows[i];

		if (out && !strcmp(d->rows[out - 1].name, r->name)) {
			struct row *into = &d->rows[out - 1];

			for (int s = 0; s < 2; s++) {
				into->calls[s] += r->calls[s];
				into->total[s] += r->total[s];
				into->self[s] += r->self[s];
			}
		} else
			d->rows[out++] = *r;
	}
	d->nrows = out;
	for (size_t i = 0; i < d->nrows; i++)
		d->rows[i].delta = (int64_t)(d->rows[i].self[1] - d->rows[i].self[0]);
	return 0;
}

static int64_t whole_change(const struct diff *d)
{
	int64_t grew = 0;

	if (!d->normalize)
		return (int64_t)(d->side[1].tree.nodes[0].total_ns -
				 scaled(d, 0, d->side[0].tree.nodes[0].total_ns));
	for (size_t i = 0; i < d->nrows; i++)
		if (d->rows[i].delta > 0)
			grew += d->rows[i].delta;
	return grew;
}

static int64_t whole_sign;

/* Largest share of the whole change first, then by name. */
static int by_share(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int64_t kx = whole_sign < 0 ? -x->delta : x->delta;
	int64_t ky = whole_sign < 0 ? -y->delta : y->delta;

	if (!whole_sign) {
		kx = kx < 0 ? -kx : kx;
		ky = ky < 0 ? -ky : ky;
	}
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* ---- printing ---- */

/* A signed duration: "+1.250ms", "-30ns". */
static char *signed_ns(char *buf, int64_t ns)
{
	buf[0] = ns < 0 ? '-' : '+';
	summary_format_ns(buf + 1, ns < 0 ? -(uint64_t)ns : (uint64_t)ns);
	return buf;
}

/* part's share of whole in percent, two decimals, into buf[32]; "-" when
 * whole is 0. */
static char *share(char *buf, int64_t part, int64_t whole)
{
	__int128 h;

	if (!whole) {
		strcpy(buf, "-");
		return buf;
	}
	h = (__int128)part * 10000 / whole;
	snprintf(buf, 32, "%s%lld.%02lld", h < 0 ? "-" : "", (long long)((h < 0 ? -h : h) / 100),
		 (long long)((h < 0 ? -h : h) % 100));
	return buf;
}

/* The path most of the change lies under: from the root of the side that
 * holds it (B for a growth, A for a shrink), the child carrying the most
 * change while it carries at least half of the whole. */
static void print_cause(const struct diff *d)
{
	int s = d->whole < 0 ? 0 : 1, depth = 0;
	const struct side *side = &d->side[s], *other = &d->side[!s];
	const struct stack_tree *t = &side->tree;
	char amount[32], whole[32], pct[32];
	int64_t carried = 0;
	uint32_t at = 0;

	if (!d->whole)
		return;
	for (;;) {
		uint32_t best = STACK_NONE;
		int64_t best_change = 0;

		for (uint32_t c = t->nodes[at].child; c != STACK_NONE; c = t->nodes[c].sibling) {
			uint64_t mine = scaled(d, s, t->nodes[c].total_ns);
			uint64_t theirs = side->map[c] == NO_MATCH ? 0 :
				scaled(d, !s, other->tree.nodes[side->map[c]].total_ns);
			int64_t change = (int64_t)(mine - theirs); /* grew, or shrank */

			if (change > best_change) {
				best = c;
				best_change = change;
			}
		}
		if (best == STACK_NONE || 2 * best_change < (d->whole < 0 ? -d->whole : d->whole))
			break;
		printf("%s%s", depth++ ? " > " : "most of the change is under ", t->nodes[best].name);
		at = best;
		carried = best_change;
	}
	if (depth)
		printf(" (%s of %s, %s%%)\n", signed_ns(amount, s ? carried : -carried),
		       signed_ns(whole, d->whole), share(pct, s ? carried : -carried, d->whole));
}

static void print_table(const struct diff *d)
{
	size_t rows = d->top >= 0 && (size_t)d->top < d->nrows ? (size_t)d->top : d->nrows;
	char b[8][32];

	if (d->csv) {
		printf("function,calls_a,calls_b,total_a_ns,total_b_ns,self_a_ns,self_b_ns,delta_ns,share_pct\n");
		for (size_t i = 0; i < rows; i++) {
			const struct row *r = &d->rows[i];

			summary_put_csv_name(r->name);
			printf(",%llu,%llu,%llu,%llu,%llu,%llu,%lld,%s\n",
			       (unsigned long long)r->calls[0], (unsigned long long)r->calls[1],
			       (unsigned long long)r->total[0], (unsigned long long)r->total[1],
			       (unsigned long long)r->self[0], (unsigned long long)r->self[1],
			       (long long)r->delta, share(b[0], r->delta, d->whole));
		}
		return;
	}
	printf("A: %s: traced time %s%s\n", d->side[0].label,
	       summary_format_ns(b[0], d->side[0].tree.nodes[0].total_ns),
	       d->normalize ? " (times below scaled to B's)" : "");
	printf("B: %s: traced time %s\n", d->side[1].label,
	       summary_format_ns(b[1], d->side[1].tree.nodes[0].total_ns));
	printf("%s %s\n", d->normalize ? "growths after scaling:" : "change:",
	       signed_ns(b[2], d->whole));
	printf("%9s %9s %11s %11s %11s %11s %12s %8s  %s\n", "calls A", "calls B",
	       "total A", "total B", "self A", "self B", "self change", "share%", "function");
	for (size_t i = 0; i < rows; i++) {
		const struct row *r = &d->rows[i];

		printf("%9llu %9llu %11s %11s %11s %11s %12s %8s  %s\n",
		       (unsigned long long)r->calls[0], (unsigned long long)r->calls[1],
		       summary_format_ns(b[0], r->total[0]), summary_format_ns(b[1], r->total[1]),
		       summary_format_ns(b[2], r->self[0]), summary_format_ns(b[3], r->self[1]),
		       signed_ns(b[4], r->delta), share(b[5], r->delta, d->whole), r->name);
	}
	print_cause(d);
}

/* ---- the differential flame graph ---- */

static int64_t node_delta(const struct diff *d, uint32_t i)
{
	const struct side *b = &d->side[1];
	uint32_t m = b->map[i];
	uint64_t a = m == NO_MATCH ? 0 : scaled(d, 0, d->side[0].tree.nodes[m].self_ns);

	return (int64_t)(b->tree.nodes[i].self_ns - a);
}

/* flamegraph.pl's differential colours: white when unchanged, to full
 * red (grew) or blue (shrank) for the largest change. */
static uint32_t diff_fill(void *ctx, uint32_t i)
{
	const struct diff *d = ctx;
	int64_t delta = node_delta(d, i);
	uint32_t fade = d->max_delta ? (uint32_t)(210 - 210 * (delta < 0 ? -delta : delta) /
						  d->max_delta) : 210;

	if (delta > 0)
		return 0xff0000 | fade << 8 | fade;
	if (delta < 0)
		return fade << 16 | fade << 8 | 0xff;
	return 0xf0f0f0;
}

static void diff_note(void *ctx, uint32_t i, char *buf, size_t n)
{
	const struct diff *d = ctx;
	uint32_t m = d->side[1].map[i];
	const struct stack_node *a = m == NO_MATCH ? NULL : &d->side[0].tree.nodes[m];
	char total[32], self[32], change[32];

	if (!a)
		snprintf(buf, n, "; not in A");
	else
		snprintf(buf, n, "; in A %s, self %s; self change %s",
			 summary_format_ns(total, scaled(d, 0, a->total_ns)),
			 summary_format_ns(self, scaled(d, 0, a->self_ns)),
			 signed_ns(change, node_delta(d, i)));
}

static int draw(struct diff *d)
{
	struct summary_output out;
	char subtitle[400];
	struct flame_style style = {
		.title = "Differential flame graph", .subtitle = subtitle,
		.width = d->width, .fill = diff_fill, .note = diff_note, .ctx = d,
	};
	int err;

	for (uint32_t i = 1; i < d->side[1].tree.nnodes; i++) {
		int64_t delta = node_delta(d, i);

		if ((delta < 0 ? -delta : delta) > d->max_delta)
			d->max_delta = delta < 0 ? -delta : delta;
	}
	snprintf(subtitle, sizeof(subtitle), "B (%s) against A (%s)%s: red grew, blue shrank (self time)",
		 d->side[1].label, d->side[0].label, d->normalize ? " normalized" : "");
	if (summary_output_open(&out, d->out_path))
		return EXIT_ERROR;
	err = flame_svg_write(out.file, &d->side[1].tree, &style);
	if (err)
		cli_error("%s: %s", d->out_path, strerror(-err));
	return summary_output_close(&out, !err);
}

/* ---- the command ---- */

static int diff_option(void *ctx, const struct cli_command *cmd, int opt,
		       const char *value)
{
	struct diff *d = ctx;
	char *end;

	switch (opt) {
	case OPT_OUTPUT: d->out_path = value; break;
	case OPT_CSV: d->csv = 1; break;
	case OPT_NORMALIZE: d->normalize = 1; break;
	case OPT_SLOWEST: d->slowest = 1; break;
	case OPT_FLOW: d->flow = value; break;
	case OPT_TOP:
		d->top = strtol(value, &end, 10);
		if (*value < '0' || *value > '9' || *end)
			return cli_usage_error(cmd, "--top %s: expected a number", value);
		break;
	case OPT_WIDTH:
		d->width = strtoul(value, &end, 10);
		if (*end || d->width < 100 || d->width > 100000)
			return cli_usage_error(cmd, "--width %s: expected 100 to 100000 pixels", value);
		break;
	}
	return 0;
}

/* Walks both sides and compares them; prints errors, returns the exit code. */
static int compare(struct diff *d, const struct summary_opts *o)
{
	long index[2] = { o->snapshot, o->snapshot };
	const char *trace[2] = { o->trace, d->slowest ? o->trace : o->trace_b };
	int rc = d->slowest ? pick_occurrences(d, o->trace, index) : EXIT_OK;

	for (int s = 0; s < 2 && rc == EXIT_OK; s++) {
		if (!d->slowest)
			snprintf(d->side[s].label, sizeof(d->side[s].label), "%s", trace[s]);
		rc = walk_side(&d->side[s], o, trace[s], index[s]);
	}
	if (rc != EXIT_OK)
		return rc;
	d->scale_num = d->side[1].tree.nodes[0].total_ns;
	d->scale_den = d->side[0].tree.nodes[0].total_ns;
	if (match(&d->side[0], &d->side[1]) || match(&d->side[1], &d->side[0]) || make_rows(d))
		return cli_error("out of memory");
	d->whole = whole_change(d);
	whole_sign = d->whole < 0 ? -1 : d->whole > 0;
	qsort(d->rows, d->nrows, sizeof(*d->rows), by_share);
	print_table(d);
	if (fflush(stdout) || ferror(stdout))
		return cli_error("stdout: %s", strerror(errno ? errno : EIO));
	return d->out_path ? draw(d) : EXIT_OK;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct summary_opts o = { .snapshot = 0, .two_traces = 1 };
	struct diff d = { .top = -1, .width = 1200 };
	int rc = summary_parse(&o, cmd, argc, argv, diff_option, &d);

	if (rc)
		return rc;
	if (d.slowest && o.trace_b)
		return cli_usage_error(cmd, "--slowest takes one FLOWS.ctr");
	if (!d.slowest && !o.trace_b)
		return cli_usage_error(cmd, "two TRACEs to compare (or --slowest FLOWS.ctr)");
	if (d.flow && !d.slowest)
		return cli_usage_error(cmd, "--flow goes with --slowest");
	rc = compare(&d, &o);
	free_side(&d.side[0]);
	free_side(&d.side[1]);
	free(d.rows);
	return rc;
}

const struct cli_command cmd_diff = {
	.name = "diff",
	.synopsis = "[OPTIONS] A.ctr B.ctr [-o DIFF.svg] | --slowest FLOWS.ctr",
	.summary = "what changed between two traces, per function and as a flame graph",
	.description =
		"Compares snapshot 0 (or --snapshot N) of A and of B.  One line per\n"
		"function: calls, total and self time in A and in B, the change of its\n"
		"self time from A to B and that change's share of the whole change of\n"
		"traced time (shares add up to 100%), largest share first; then the\n"
		"stack most of the change lies under.  --csv gives\n"
		"function,calls_a,calls_b,total_a_ns,total_b_ns,self_a_ns,self_b_ns,\n"
		"delta_ns,share_pct.  -o draws B's flame graph with each box coloured by\n"
		"the change of its stack's self time: red grew, blue shrank, white the\n"
		"same, deeper for larger changes (stacks only in A are not drawn).\n"
		"--normalize scales A's times so its traced time is B's, comparing\n"
		"shares; the shares are then of the sum of the growths.\n"
		"--slowest FLOWS.ctr compares the slowest kept occurrence of a flow (B)\n"
		"with the occurrence of median duration among the other kept ones (A).",
	.options = options,
	.run = run,
};

/* cmd_cull.c - `ctrail cull COUNTS.ctr`: turns a counting run (a program
 * built with `ctrail-cc --count`) into an exclusion list for `ctrail-cc
 * --exclude-file`: the fewest functions whose removal brings the estimated
 * tracing overhead, calls x cost per traced call, under a budget relative
 * to the program's untraced run time.
 *
 * Every traced call costs the same, so the overhead is proportional to the
 * calls still traced, and taking the most called functions first removes
 * the most calls per function excluded: the greedy choice is the smallest
 * list.  Functions named with --keep are passed over.  Functions are rows keyed by name with any " [clone ...]" suffix
 * cut off, since an exclusion list names a function with all its clones
 * (and in every module it was built into): the records' counts are gathered
 * in one array, sorted by name and summed, then sorted by calls.  Calls
 * whose address has no symbol cannot be excluded and always count as
 * traced.
 *
 * The untraced run time comes from --runtime, else from the counting run
 * itself: its CLOCK chunk holds the monotonic time at start and at the
 * snapshot, and the counting hooks' own cost (calls x COUNT_COST_NS) is
 * taken off. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "summary.h"
#include "timebase.h"

static const struct cli_option options[] = {
	{ "budget", 'b', "PERCENT", "allowed overhead in percent of the run time (default 5%)" },
	{ "cost-ns", 0, "NS", "cost of one traced call and return in ns (default 17)" },
	{ "runtime", 0, "TIME", "the program's untraced run time (default: from the counting run)" },
	{ "keep", 'k', "NAME", "never exclude NAME (repeatable; without a parameter list, every overload)" },
	{ "output", 'o', "FILE", "write the list to FILE (default: stdout)" },
	{ "remap", 0, "OLD=NEW", "read binaries under NEW instead of OLD (repeatable)" },
	{ 0 },
};
enum { OPT_BUDGET, OPT_COST, OPT_RUNTIME, OPT_KEEP, OPT_OUTPUT, OPT_REMAP };

/* Extra ns per traced call+return measured by bench/overhead (16.8-16.9
 * in every mode on the reference machine), and per counted call by
 * bench/count (4.7-5.1, one thread). */
#define TRACE_COST_NS 17.0
#define COUNT_COST_NS 5.0

struct func {
	char *name; /* without clone suffixes */
	uint64_t calls;
	int excluded;
};

struct funcs {
	struct func *v;
	size_t n, cap;
	uint64_t total;     /* every call counted, excludable or not */
	uint64_t anonymous; /* calls at addresses without a symbol */
};

static int funcs_add(struct funcs *fs, const char *name, uint64_t calls)
{
	const char *clone = strstr(name, " [clone ");

	if (fs->n == fs->cap) {
		size_t cap = fs->cap ? 2 * fs->cap : 256;
		void *p = realloc(fs->v, cap * sizeof(*fs->v));
		if (!p)
			return -ENOMEM;
		fs->v = p;
		fs->cap = cap;
	}
	fs->v[fs->n].name = clone ? strndup(name, clone - name) : strdup(name);
	if (!fs->v[fs->n].name)
		return -ENOMEM;
	fs->v[fs->n].excluded = 0;
	fs->v[fs->n++].calls = calls;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct func *)a)->name, ((const struct func *)b)->name);
}

static int by_calls(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Sums the rows of one name, then puts the most called first. */
static void funcs_merge(struct funcs *fs)
{
	size_t kept = 0;

	qsort(fs->v, fs->n, sizeof(*fs->v), by_name);
	for (size_t i = 0; i < fs->n; i++) {
		if (kept && !by_name(&fs->v[kept - 1], &fs->v[i])) {
			fs->v[kept - 1].calls += fs->v[i].calls;
			free(fs->v[i].name);
		} else {
			fs->v[kept++] = fs->v[i];
		}
	}
	fs->n = kept;
	qsort(fs->v, fs->n, sizeof(*fs->v), by_calls);
}

static void funcs_free(struct funcs *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->v[i].name);
	free(fs->v);
}

static int funcs_from_snapshot(struct funcs *fs, const struct reader_snapshot *snap,
			       struct symbolizer *syms)
{
	const struct ctr_counts *h = snap->counts_hdr;
	int err = 0;

	fs->anonymous = h->missed;
	fs->total = h->missed;
	for (uint64_t i = 0; i < h->nrecords && !err; i++) {
		const struct symbol *s = symbolizer_lookup(syms, snap->counts[i].address);
		uint64_t calls = snap->counts[i].calls;

		fs->total += calls;
		if (s->flags & SYMBOL_UNKNOWN)
			fs->anonymous += calls;
		else
			err = funcs_add(fs, s->name, calls);
	}
	if (!err)
		funcs_merge(fs);
	return err;
}

/* The last snapshot of the file that holds counts, or NULL after saying
 * there is none. */
static const struct reader_snapshot *find_counts(const struct reader *r,
						 const char *path)
{
	for (size_t i = r->nsnapshots; i-- > 0;)
		if (r->snapshots[i].counts_hdr)
			return &r->snapshots[i];
	cli_error("%s: no call counts in this file (it comes from a program built without ctrail-cc --count)",
		  path);
	return NULL;
}

/* A non-negative decimal number, with an optional suffix (e.g. "%"). */
static int parse_number(const char *s, const char *suffix, double *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || !isfinite(*v) || (strcmp(end, suffix) && *end))
		return -EINVAL;
	return 0;
}

struct plan {
	double budget_pct, cost_ns, runtime_ns;
	int has_runtime;
	char **keep; /* --keep names */
	int nkeep;
	char runtime_from[160]; /* how runtime_ns was found, for the summary */
};

/* The untraced run time of the counting run: its wall time less what its
 * counting hooks cost.  Returns 0, or -EINVAL after saying why it cannot
 * be told. */
static int runtime_from_counts(struct plan *p, const struct reader_snapshot *snap,
			       const struct funcs *fs, const char *path)
{
	const struct ctr_clock *c = snap->clock;
	double wall, counting = fs->total * COUNT_COST_NS;
	char w[32];

	wall = c && c->now.monotonic_ns > c->start.monotonic_ns
		       ? (double)(c->now.monotonic_ns - c->start.monotonic_ns) : 0;
	if (wall <= counting) {
		cli_error("%s: the counting run's time (%.0f ns for %llu calls) does not tell the program's run time: give --runtime",
			  path, wall, (unsigned long long)fs->total);
		return -EINVAL;
	}
	p->runtime_ns = wall - counting;
	snprintf(p->runtime_from, sizeof(p->runtime_from),
		 "the counting run's %s less %.0f ns per counted call",
		 summary_format_ns(w, (uint64_t)wall), COUNT_COST_NS);
	return 0;
}

/* Whether --keep names the function: exactly, or as "f" for "f(int)". */
static int kept(const struct plan *p, const char *name)
{
	size_t len = strcspn(name, "(");

	for (int i = 0; i < p->nkeep; i++)
		if (!strcmp(p->keep[i], name) ||
		    (strlen(p->keep[i]) == len && !strncmp(p->keep[i], name, len)))
			return 1;
	return 0;
}

/* Marks the most called functions, --keep ones passed over, until the
 * calls left cost at most the budget.  Returns how many. */
static size_t cull(struct funcs *fs, const struct plan *p, uint64_t *left)
{
	double allowed = p->budget_pct / 100 * p->runtime_ns / p->cost_ns;
	size_t n = 0;

	*left = fs->total;
	for (size_t i = 0; i < fs->n && *left > allowed; i++)
		if (!kept(p, fs->v[i].name)) {
			fs->v[i].excluded = 1;
			*left -= fs->v[i].calls;
			n++;
		}
	return n;
}

static void summarize(const struct funcs *fs, const struct plan *p, size_t n,
		      uint64_t left)
{
	double before = 100 * fs->total * p->cost_ns / p->runtime_ns;
	double after = 100 * left * p->cost_ns / p->runtime_ns;
	char rt[32];

	fprintf(stderr, "ctrail cull: excluded %zu of %zu functions; still traced: %llu of %llu calls (%.2f%%)\n",
		n, fs->n, (unsigned long long)left, (unsigned long long)fs->total,
		fs->total ? 100.0 * left / fs->total : 0.0);
	fprintf(stderr, "ctrail cull: estimated overhead %.2f%% before, %.2f%% after, budget %g%% (%g ns per call, run time %s from %s)\n",
		before, after, p->budget_pct, p->cost_ns,
		summary_format_ns(rt, (uint64_t)p->runtime_ns), p->runtime_from);
	if (after > p->budget_pct)
		fprintf(stderr, "ctrail cull: over budget: the calls left are to --keep functions and %llu calls at addresses without a symbol\n",
			(unsigned long long)fs->anonymous);
}

/* The instrumentation mode the counts were made in, from the modules'
 * flags (ctrail-cc's mode note): NULL, after a warning, when no module
 * says or they disagree. */
static const char *counts_mode(const struct reader_snapshot *snap, const char *path)
{
	unsigned mode = 0, other = 0;

	for (size_t i = 0; i < snap->nmodules; i++) {
		unsigned m = CTR_MODULE_MODE(snap->modules[i].hdr->flags);

		if (m && !mode)
			mode = m;
		else if (m && m != mode)
			other = m;
	}
	if (!mode)
		fprintf(stderr, "ctrail cull: %s does not say which instrumentation mode it was "
				"counted in (built by an older ctrail-cc?): ctrail-cc cannot check "
				"that the list is used in the same mode\n", path);
	else if (other)
		fprintf(stderr, "ctrail cull: %s was counted in modules built in different "
				"modes (%s, %s): the list is only right for builds mixing them alike\n",
			path, reader_mode_name(mode), reader_mode_name(other));
	return mode && !other ? reader_mode_name(mode) : NULL;
}

/* The list, after a "# ctrail-mode: MODE" line that ctrail-cc checks. */
static int write_list(const char *path, const struct funcs *fs, const char *mode)
{
	struct summary_output out;

	if (summary_output_open(&out, path ? path : "-"))
		return EXIT_ERROR;
	if (mode)
		fprintf(out.file, "# ctrail-mode: %s (counted so; ctrail-cc refuses the list "
				  "in another mode)\n", mode);
	for (size_t i = 0; i < fs->n; i++)
		if (fs->v[i].excluded)
			fprintf(out.file, "%s\n", fs->v[i].name);
	return summary_output_close(&out, 1);
}

static int parse_options(const struct cli_command *cmd, int argc, char **argv,
			 struct plan *p, const char **input, const char **output,
			 char **remaps, int *nremaps)
{
	struct cli_parser ps;
	const char *value;
	uint64_t ns;
	int opt;

	cli_parser_init(&ps, cmd, argc, argv);
	while ((opt = cli_next(&ps, &value)) != CLI_DONE) {
		if (opt == CLI_ARG && *input)
			return cli_usage_error(cmd, "one FILE only (merge counts first with ctrail count --merge)");
		if (opt == CLI_ARG)
			*input = value;
		else if (opt == OPT_BUDGET && parse_number(value, "%", &p->budget_pct))
			return cli_usage_error(cmd, "--budget %s: expected a percentage like 5%% or 0.5", value);
		else if (opt == OPT_COST && (parse_number(value, "", &p->cost_ns) || p->cost_ns <= 0))
			return cli_usage_error(cmd, "--cost-ns %s: expected a positive number of ns", value);
		else if (opt == OPT_RUNTIME && (parse_duration(value, &ns) || !ns))
			return cli_usage_error(cmd, "--runtime %s: expected a time like 2.5s or 800ms", value);
		else if (opt == OPT_RUNTIME) {
			p->runtime_ns = ns;
			p->has_runtime = 1;
			snprintf(p->runtime_from, sizeof(p->runtime_from), "--runtime");
		} else if (opt == OPT_KEEP)
			p->keep[p->nkeep++] = (char *)value;
		else if (opt == OPT_OUTPUT)
			*output = value;
		else if (opt == OPT_REMAP && cli_remap_check(cmd, value))
			return EXIT_USAGE;
		else if (opt == OPT_REMAP)
			remaps[(*nremaps)++] = (char *)value;
	}
	if (!*input)
		return cli_usage_error(cmd, "missing FILE");
	return EXIT_OK;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct plan p = { .budget_pct = 5, .cost_ns = TRACE_COST_NS };
	const char *input = NULL, *output = NULL;
	const struct reader_snapshot *snap;
	char **remaps = calloc(argc, sizeof(char *)), **keep = calloc(argc, sizeof(char *));
	struct symbolizer *syms = NULL;
	struct funcs fs = { 0 };
	struct reader r;
	int nremaps = 0, rc;
	uint64_t left;
	size_t n;

	if (!remaps || !keep) {
		free(remaps);
		free(keep);
		return cli_error("out of memory");
	}
	p.keep = keep;
	rc = parse_options(cmd, argc, argv, &p, &input, &output, remaps, &nremaps);
	if (rc != EXIT_OK || cli_open_trace(&r, input) < 0) {
		free(remaps);
		free(keep);
		return rc != EXIT_OK ? rc : EXIT_ERROR;
	}
	rc = EXIT_ERROR;
	if (!(snap = find_counts(&r, input)) ||
	    !(syms = cli_symbolizer(snap, remaps, nremaps)))
		goto out;
	if (funcs_from_snapshot(&fs, snap, syms) < 0) {
		cli_error("out of memory");
		goto out;
	}
	if (!p.has_runtime && runtime_from_counts(&p, snap, &fs, input) < 0)
		goto out;
	n = cull(&fs, &p, &left);
	rc = write_list(output, &fs, counts_mode(snap, input));
	if (rc == EXIT_OK)
		summarize(&fs, &p, n, left);
out:
	funcs_free(&fs);
	if (syms)
		symbolizer_free(syms);
	reader_close(&r);
	free(remaps);
	free(keep);
	return rc;
}

const struct cli_command cmd_cull = {
	.name = "cull",
	.synopsis = "[--budget PERCENT] [--cost-ns NS] [--runtime TIME] [--keep NAME]... [-o FILE] [--remap OLD=NEW]... COUNTS.ctr",
	.summary = "an exclusion list that brings tracing overhead under a budget",
	.description =
		"Reads the call counts of COUNTS.ctr (written by a program built with\n"
		"ctrail-cc --count) and prints the fewest functions, most called first,\n"
		"whose exclusion brings the estimated tracing overhead (calls still\n"
		"traced x --cost-ns) under --budget percent of the program's untraced\n"
		"run time, one name a line, for ctrail-cc --exclude-file.  The run time\n"
		"is --runtime, or the counting run's own (from its clock, less the\n"
		"counting cost).  Functions named with --keep are never excluded (the\n"
		"ones you need to see).  A summary goes to stderr: functions excluded,\n"
		"calls still traced, estimated overhead before and after.  The list's\n"
		"first line, \"# ctrail-mode: MODE\", names the instrumentation mode the\n"
		"counts were made in: ctrail-cc --exclude-file refuses the list in\n"
		"another mode (other functions are inlined there).",
	.options = options,
	.run = run,
};

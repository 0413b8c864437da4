/* summary.h - what the summary commands (flame, report, replay) share:
 * the options choosing what to summarize (threads, a time window, one
 * snapshot, path remaps), the walk of every chosen snapshot through the
 * timeline into a command's emitter_ops, and the way durations are printed.
 *
 * summary_parse() reads a command's whole command line: the TRACE operand
 * and the shared options, found by name, so each command lists only those
 * it offers in its own table (cli.h); the others go to the command's own
 * callback.  Threads and the window mean what they mean for
 * `ctrail convert`: thread ids or names, and calls running at some moment
 * in [first event + since, first event + until], kept whole. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdint.h>
#include "cli.h"
#include "timeline.h"

struct summary_opts {
	const char *trace;   /* the TRACE operand */
	const char *trace_b; /* a second one, taken when two_traces (diff) */
	int two_traces;
	const char *threads_arg; /* the last --threads as given */
	struct cli_threads threads; /* --threads items */
	char **remaps;  /* --remap OLD=NEW rules */
	int nremaps;
	uint64_t since_ns, until_ns;
	int has_since, has_until;
	int clip;       /* --clip: calls cut to the window */
	long snapshot;  /* --snapshot N, or -1 for every snapshot */
	int all;        /* --all: no default window */
};

/* The option table rows of the shared options, to copy into a command's
 * table by name: "threads" (CLI_OPT_THREADS, cli.h), "since", "until",
 * "snapshot", "remap", "all" (CLI_OPT_ALL). */
#define SUMMARY_OPT_SINCE { "since", 0, "TIME", "only calls running at or after TIME after the first event" }
#define SUMMARY_OPT_UNTIL { "until", 0, "TIME", "only calls running at or before TIME after the first event" }
#define SUMMARY_OPT_SNAPSHOT { "snapshot", 0, "N", "only snapshot N (0 is the first)" }
#define SUMMARY_OPT_CLIP { "clip", 0, NULL, "count only the time inside --since/--until (calls cut at its edges)" }
#define SUMMARY_OPT_REMAP { "remap", 0, "OLD=NEW", "read binaries and sources under NEW instead of OLD (repeatable)" }
/* All of them, in that order, for a table listing them last. */
#define SUMMARY_OPTS CLI_OPT_THREADS, SUMMARY_OPT_SINCE, SUMMARY_OPT_UNTIL, \
	SUMMARY_OPT_SNAPSHOT, SUMMARY_OPT_REMAP, CLI_OPT_ALL

/* The window calls are cut to with --clip, in output ns (time_base_ns,
 * from the first event): [since, until], or [0, UINT64_MAX] without
 * --clip (nothing cut).  A call counts when it has a moment in it
 * (end >= from and begin <= to), for the part inside it. */
void summary_clip_window(const struct summary_opts *o, uint64_t *from_ns,
			 uint64_t *to_ns);

/* Cuts [*begin_ns, *end_ns] to [from_ns, to_ns]; 0 if it lies outside. */
static inline int summary_clip(uint64_t from_ns, uint64_t to_ns,
			       uint64_t *begin_ns, uint64_t *end_ns)
{
	if (*end_ns < from_ns || *begin_ns > to_ns)
		return 0;
	if (*begin_ns < from_ns)
		*begin_ns = from_ns;
	if (*end_ns > to_ns)
		*end_ns = to_ns;
	return 1;
}

/* A command's own options: takes option `opt` of cmd's table (value is
 * its argument or NULL) into ctx; returns 0, or EXIT_USAGE from
 * cli_usage_error() when value is bad. */
typedef int summary_option_fn(void *ctx, const struct cli_command *cmd,
			      int opt, const char *value);

/* Parses argv into o (set o->snapshot's default first) and, through
 * option(ctx, ...), the options that are not shared.  Exactly one TRACE
 * (one or two with o->two_traces).
 * Returns 0, or EXIT_USAGE after printing the usage error. */
int summary_parse(struct summary_opts *o, const struct cli_command *cmd,
		  int argc, char **argv, summary_option_fn *option, void *ctx);

/* What a command does around each snapshot; any may be NULL.  before()
 * runs ahead of the snapshot's walk, after() once the timeline delivered
 * all of it (the symbols of its slices are still valid then).  Both
 * return 0 or a negative errno, which stops the run. */
struct summary_hooks {
	int (*before)(void *ctx, const struct reader_snapshot *snap,
		      size_t index, size_t count);
	int (*after)(void *ctx, const struct reader_snapshot *snap);
};

/* A summary_hooks.before for text on stdout: when there are several
 * snapshots, a line "snapshot N \"NAME\"" ahead of each (after a blank
 * line from the second on).  Returns 0. */
int summary_snapshot_header(void *ctx, const struct reader_snapshot *snap,
			    size_t index, size_t count);

/* Opens o->trace and walks each chosen snapshot's chosen threads through a
 * timeline into ops/ctx.  Prints its own errors (with cli_error) and
 * returns EXIT_OK or EXIT_ERROR; an error returned by ops or hooks is
 * reported as "what: strerror". */
int summary_run(const struct summary_opts *o, const char *what,
		const struct emitter_ops *ops, void *ctx,
		const struct summary_hooks *hooks);

/* summary_run() for a command printing on stdout: a failed write to
 * stdout is an error too ("stdout: strerror"). */
int summary_print(const struct summary_opts *o, const char *what,
		  const struct emitter_ops *ops, void *ctx,
		  const struct summary_hooks *hooks);

/* A duration for people: "850ns", "12.345us", "2.000ms", "1.250s" (three
 * decimals, rounded down, the units `--min` and `--since` read).  buf
 * needs 32 bytes; returns buf. */
char *summary_format_ns(char *buf, uint64_t ns);

/* A name as a CSV field on stdout: between double quotes, quotes doubled. */
void summary_put_csv_name(const char *name);

/* FNV-1a of a function name, for the name tables of the summaries. */
static inline uint64_t summary_name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

/* The default output of a command writing one file: trace without its
 * .ctr, plus suffix (".svg").  Malloc'ed; NULL when out of memory. */
char *summary_default_output(const char *trace, const char *suffix);

/* Output through out_file.h (NAME.tmp.PID renamed to NAME when complete,
 * or a device or FIFO written in place); "-" is stdout. */
struct out_file;
struct summary_output {
	const char *path;
	struct out_file *file_out; /* NULL for stdout */
	FILE *file;
};
/* Opens the temporary; returns 0 or EXIT_ERROR after printing why. */
int summary_output_open(struct summary_output *out, const char *path);
/* Closes it and renames it into place if ok, else removes it.  Returns
 * EXIT_OK, or EXIT_ERROR after printing a write error. */
int summary_output_close(struct summary_output *out, int ok);

/* The summary commands, one file each (cmd_flame.c, ...). */
extern const struct cli_command cmd_flame, cmd_report, cmd_replay, cmd_diff, cmd_scope;

#endif

/* cmd_flame.c - `ctrail flame TRACE.ctr -o flame.svg`: the calls of one
 * snapshot merged per call stack (stack_tree.c) and drawn as an
 * interactive SVG flame graph (flame_svg.c).  Widths are exact traced
 * time, not samples.  The SVG is written to OUT.tmp.PID and renamed into
 * place once complete. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cpu_split.h"
#include "flame_svg.h"
#include "summary.h"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "output SVG (default: TRACE with .svg for .ctr; - for stdout)" },
	CLI_OPT_THREADS,
	{ "per-thread", 0, NULL, "one tower per thread, under a frame naming it" },
	SUMMARY_OPT_SINCE,
	SUMMARY_OPT_UNTIL,
	SUMMARY_OPT_CLIP,
	{ "on-cpu", 0, NULL, "widths are time on a CPU (needs scheduling events: record --sched)" },
	{ "off-cpu", 0, NULL, "widths are time off the CPU, by the stack that waited, a leaf per state" },
	{ "inverted", 0, NULL, "icicle graph: callers on top, callees below" },
	{ "title", 0, "TEXT", "title (default: the program's name)" },
	{ "width", 0, "PIXELS", "image width (default 1200)" },
	SUMMARY_OPT_SNAPSHOT,
	SUMMARY_OPT_REMAP,
	CLI_OPT_ALL,
	{ 0 },
};
/* the shared options' places are named too, to number the others */
enum { OPT_OUTPUT, OPT_THREADS, OPT_PER_THREAD, OPT_SINCE, OPT_UNTIL,
       OPT_CLIP, OPT_ON_CPU, OPT_OFF_CPU, OPT_INVERTED, OPT_TITLE, OPT_WIDTH };

enum flame_time { TIME_TRACED, TIME_ON_CPU, TIME_OFF_CPU };

struct flame {
	struct stack_tree tree; /* first: stack_tree_ops take it */
	struct flame_style style;
	struct summary_output out;
	const char *threads; /* --threads as given, for the subtitle */
	const char *out_path; /* -o */
	int per_thread;
	enum flame_time time;
	struct cpu_flame cpu; /* TIME_ON_CPU, TIME_OFF_CPU */
};

static const char *const time_names[] = {
	[TIME_TRACED] = "exact traced time", [TIME_ON_CPU] = "on-CPU time",
	[TIME_OFF_CPU] = "off-CPU time (runnable and blocked, by state)",
};

/* The tree's begin_file, and the snapshot's scheduling tracks. */
static int flame_begin_file(void *ctx, const struct reader_snapshot *snap,
			    const struct time_base *tb)
{
	struct flame *f = ctx;

	if (f->time == TIME_TRACED)
		return stack_tree_begin_file(ctx, snap, tb);
	f->cpu.cs = cpu_split_new(snap, tb);
	if (!f->cpu.cs)
		return errno == ENODATA ? cpu_split_missing(f->time == TIME_ON_CPU ?
				"flame --on-cpu" : "flame --off-cpu") : -errno;
	f->cpu.off = f->time == TIME_OFF_CPU;
	f->tree.measure = cpu_flame_measure;
	f->tree.measure_ctx = &f->cpu;
	return stack_tree_begin_file(ctx, snap, tb);
}

static const struct emitter_ops flame_ops = {
	.begin_file = flame_begin_file,
	.thread = stack_tree_thread,
	.track = stack_tree_track,
	.slice_begin = stack_tree_slice_begin,
	.slice_end = stack_tree_slice_end,
};

static int draw(void *ctx, const struct reader_snapshot *snap)
{
	struct flame *f = ctx;
	char total[32], subtitle[256], *exe = NULL;
	int err = stack_tree_finish(&f->tree);

	if (err)
		return err;
	snprintf(subtitle, sizeof(subtitle), "%s %s%s%s%s", time_names[f->time],
		 summary_format_ns(total, f->tree.nodes[0].total_ns),
		 f->threads ? " in threads " : "", f->threads ? f->threads : "",
		 f->style.inverted ? " (inverted)" : "");
	f->style.subtitle = subtitle;
	if (!f->style.title) {
		const char *name = memrchr(snap->exe, '/', snap->process->exe_size);

		name = name ? name + 1 : snap->exe;
		exe = strndup(name, snap->exe + snap->process->exe_size - name);
		f->style.title = exe;
	}
	err = flame_svg_write(f->out.file, &f->tree, &f->style);
	if (exe)
		f->style.title = NULL;
	free(exe);
	return err;
}

static int flame_option(void *ctx, const struct cli_command *cmd, int opt,
			const char *value)
{
	struct flame *f = ctx;
	char *end;

	switch (opt) {
	case OPT_OUTPUT: f->out_path = value; break;
	case OPT_PER_THREAD: f->per_thread = 1; break;
	case OPT_ON_CPU:
	case OPT_OFF_CPU:
		if (f->time != TIME_TRACED)
			return cli_usage_error(cmd, "--on-cpu or --off-cpu, not both");
		f->time = opt == OPT_ON_CPU ? TIME_ON_CPU : TIME_OFF_CPU;
		break;
	case OPT_INVERTED: f->style.inverted = 1; break;
	case OPT_TITLE: f->style.title = value; break;
	case OPT_WIDTH:
		f->style.width = strtoul(value, &end, 10);
		if (*end || f->style.width < 100 || f->style.width > 100000)
			return cli_usage_error(cmd, "--width %s: expected 100 to 100000 pixels", value);
		break;
	}
	return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct summary_opts o = { .snapshot = 0 };
	struct flame f = { .style = { .width = 1200 } };
	const struct summary_hooks hooks = { .after = draw };
	char *default_out = NULL;
	int rc = summary_parse(&o, cmd, argc, argv, flame_option, &f);

	if (rc)
		return rc;
	f.threads = o.threads_arg;
	if (!f.out_path)
		f.out_path = default_out = summary_default_output(o.trace, ".svg");
	if (!f.out_path)
		return cli_error("out of memory");
	stack_tree_init(&f.tree, f.per_thread);
	summary_clip_window(&o, &f.tree.clip_from_ns, &f.tree.clip_to_ns);
	if (summary_output_open(&f.out, f.out_path))
		return EXIT_ERROR;
	rc = summary_run(&o, f.out_path, &flame_ops, &f, &hooks);
	rc = summary_output_close(&f.out, rc == EXIT_OK);
	stack_tree_free(&f.tree);
	cpu_split_free(f.cpu.cs);
	cpu_flame_free(&f.cpu);
	free(default_out);
	return rc;
}

const struct cli_command cmd_flame = {
	.name = "flame",
	.synopsis = "[OPTIONS] TRACE.ctr [-o OUT.svg]",
	.summary = "draw an interactive SVG flame graph of exact traced time",
	.description =
		"Merges every call of a snapshot (the first, or --snapshot N) per call\n"
		"stack and draws a flame graph: each box is a function called along the\n"
		"stack below it, as wide as the exact time spent in those calls, children\n"
		"in name order.  All threads are merged unless --per-thread.  The SVG\n"
		"needs nothing else: open it in a browser, hover for time and percent,\n"
		"click to zoom, Ctrl-F or Search to highlight functions matching a regular\n"
		"expression with their share of the total (OUT.svg?s=REGEX searches on\n"
		"load).  --since/--until keep the calls running in the window, whole;\n"
		"with --clip only their time inside it counts.  With scheduling events\n"
		"(record --sched), --on-cpu counts only the time the thread ran, and\n"
		"--off-cpu only the time it waited (runnable, or blocked), with a leaf\n"
		"per state over each stack that waited.  TIME is a number with a unit:\n"
		"ns, us, ms or s.",
	.options = options,
	.run = run,
};

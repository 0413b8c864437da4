/* cmd_convert.c - `ctrail convert TRACE.ctr -o OUT`: every snapshot of the
 * trace through the timeline into one of the output formats (formats.c),
 * chosen by --format or by OUT's suffix, JSON by default.
 *
 * A trace with one snapshot gives OUT itself; with several, snapshot N goes
 * to OUT with ".N" put before the format's suffix (out.json -> out.0.json,
 * out.1.json; a name without that suffix just gets ".N" appended).  Each
 * file is written as NAME.tmp.PID (out_file.h) and all are renamed into
 * place only once every snapshot converted; on any error the temporaries
 * are removed, so the output appears whole or not at all.  "-o -" writes
 * to stdout, and an OUT that is not a regular file (a device, a FIFO, a
 * link to one such as /dev/stdout) gets every snapshot in turn, like
 * stdout. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "emit.h"
#include "out_file.h"
#include "window.h"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "output file (default: TRACE with the format's suffix for .ctr; - for stdout)" },
	{ "format", 'f', "NAME", "output format (default: from OUT's suffix, else json); see --help" },
	CLI_OPT_THREADS,
	{ "since", 0, "TIME", "only calls running at or after TIME after the first event" },
	{ "until", 0, "TIME", "only calls running at or before TIME after the first event" },
	{ "max-age", 0, "TIME", "only calls running in the last TIME before the snapshot" },
	{ "wall-clock", 0, NULL, "wall-clock (CLOCK_REALTIME) times instead of relative ones" },
	{ "remap", 0, "OLD=NEW", "read binaries and sources under NEW instead of OLD (repeatable)" },
	{ "merge", 0, NULL, "several snapshots into one file, one process each (json only)" },
	CLI_OPT_ALL,
	{ 0 },
};
enum { OPT_OUTPUT, OPT_FORMAT, OPT_THREADS, OPT_SINCE, OPT_UNTIL, OPT_MAX_AGE,
       OPT_WALL_CLOCK, OPT_REMAP, OPT_MERGE, OPT_ALL };

struct convert {
	const char *trace, *out;
	const struct output_format *format;
	struct cli_threads threads;
	char **remaps;
	int nremaps;
	uint64_t since_ns, until_ns, max_age_ns;
	int has_since, has_until, has_max_age, wall_clock, merge, all;
	/* Outputs opened so far. */
	struct out_file *files;
	size_t nfiles;
};

static char *default_output(const char *trace, const char *suffix)
{
	size_t n = strlen(trace);
	char *out = malloc(n + strlen(suffix) + 1);

	if (n > 4 && !strcmp(trace + n - 4, ".ctr"))
		n -= 4;
	memcpy(out, trace, n);
	strcpy(out + n, suffix);
	return out;
}

/* OUT for snapshot `index` of `count`. */
static char *output_name(const char *out, const char *suffix, size_t index,
			 size_t count)
{
	size_t n = strlen(out), k = strlen(suffix);
	int has_suffix = n > k && !strcmp(out + n - k, suffix);
	char *name = malloc(n + 32);

	if (count == 1)
		strcpy(name, out);
	else if (has_suffix)
		sprintf(name, "%.*s.%zu%s", (int)(n - k), out, index, suffix);
	else
		sprintf(name, "%s.%zu", out, index);
	return name;
}

/* Slices to keep, in ticks, from the options; else the default window
 * (window.h) unless --all. */
static void set_window(const struct convert *c, const struct reader_snapshot *snap,
		       struct time_base *tb, struct timeline *tl)
{
	uint64_t hz = snap->clock->tsc_hz, taken = snap->hdr->taken_tsc, age;
	struct window w;

	if (!c->has_since && !c->has_until && !c->has_max_age && !c->all) {
		window_default(&w, snap, cli_keep_thread, (void *)&c->threads);
		window_apply(&w, tl, tb);
	}
	if (c->has_since)
		tl->from_tsc = tb->first_tsc + ticks_from_ns(hz, c->since_ns);
	if (c->has_until)
		tl->to_tsc = tb->first_tsc + ticks_from_ns(hz, c->until_ns);
	if (c->has_max_age) {
		age = ticks_from_ns(hz, c->max_age_ns);
		if (taken > age && taken - age > tl->from_tsc)
			tl->from_tsc = taken - age;
	}
}

/* One snapshot through the timeline into an open emitter. */
static int convert_snapshot(struct convert *c, const struct reader_snapshot *snap,
			    const struct emitter_ops *ops, void *emitter)
{
	struct symbolizer *syms = cli_symbolizer(snap, c->remaps, c->nremaps);
	struct time_base tb;
	struct timeline tl;
	int err;

	if (!syms)
		return -EINVAL;
	time_base_init(&tb, snap, c->wall_clock);
	timeline_init(&tl, syms, ops, emitter);
	set_window(c, snap, &tb, &tl);
	err = timeline_snapshot(&tl, snap, &tb, cli_keep_thread, &c->threads, NULL);
	timeline_free(&tl);
	symbolizer_free(syms);
	return err;
}

/* n snapshots into one output on fd: one normally, all of them with
 * --merge, where the file is ended once after the last and scheduling
 * events are left out (they end the JSON event list). */
static int convert_to_fd(struct convert *c, const struct reader_snapshot *snaps,
			 size_t n, int fd, const char *name)
{
	const struct emitter_ops *ops = c->format->ops;
	struct emitter_ops merged = *ops;
	void *emitter = c->format->open(fd);
	int err = 0, ferr;

	if (!emitter)
		return cli_error("out of memory"), -ENOMEM;
	if (n > 1) {
		merged.sched = NULL;
		merged.end_file = NULL;
		ops = &merged;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = convert_snapshot(c, &snaps[i], ops, emitter);
	if (!err && n > 1 && c->format->ops->end_file)
		err = c->format->ops->end_file(emitter);
	ferr = c->format->close(emitter);
	if (!err)
		err = ferr;
	if (err && err != -EINVAL)
		cli_error("%s: %s", name, strerror(-err));
	return err;
}

/* Writes snapshots [first, first + n) to output `index` of `count`. */
static int write_output(struct convert *c, const struct reader_snapshot *first,
			size_t n, size_t index, size_t count)
{
	char *name = output_name(c->out, c->format->suffix, index, count);
	struct out_file *o = &c->files[c->nfiles];
	int err = out_file_open(o, name, 0666);

	if (err)
		cli_error("%s: %s", name, strerror(-err));
	else {
		c->nfiles++;
		err = convert_to_fd(c, first, n, o->fd, name);
	}
	if (!err && (err = out_file_close(o)))
		cli_error("%s: %s", name, strerror(-err));
	free(name);
	return err;
}

/* Every output in turn to one descriptor (stdout, a device, a FIFO). */
static int convert_each(struct convert *c, const struct reader *r, size_t per,
			int fd, const char *name)
{
	int err = 0;

	for (size_t i = 0; i < r->nsnapshots / per && !err; i++)
		err = convert_to_fd(c, &r->snapshots[i * per], per, fd, name);
	return err;
}

static int convert_all(struct convert *c, const struct reader *r)
{
	/* with --merge, one output holding every snapshot */
	size_t per = c->merge ? r->nsnapshots : 1;
	size_t outputs = r->nsnapshots / per;
	struct out_file out;
	int err = 0;

	if (!strcmp(c->out, "-"))
		return convert_each(c, r, per, 1, "stdout");
	if (out_file_in_place(c->out)) {
		if ((err = out_file_open(&out, c->out, 0666)))
			return cli_error("%s: %s", c->out, strerror(-err)), err;
		err = convert_each(c, r, per, out.fd, c->out);
		if (!err && (err = out_file_close(&out)))
			cli_error("%s: %s", c->out, strerror(-err));
		out_file_discard(&out);
		return err;
	}
	if (!(c->files = calloc(outputs, sizeof(*c->files))))
		return cli_error("out of memory"), -ENOMEM;
	for (size_t i = 0; i < outputs && !err; i++)
		err = write_output(c, &r->snapshots[i * per], per, i, outputs);
	for (size_t i = 0; i < c->nfiles && !err; i++)
		if ((err = out_file_commit(&c->files[i])))
			cli_error("%s: %s", c->files[i].path, strerror(-err));
	for (size_t i = 0; i < c->nfiles; i++)
		out_file_discard(&c->files[i]);
	free(c->files);
	return err;
}

static int parse_time_option(const struct cli_command *cmd, const char *opt,
			     const char *value, uint64_t *ns, int *has)
{
	if (parse_duration(value, ns) < 0)
		return cli_usage_error(cmd, "--%s %s: expected a time like 250us, 1.5ms, 2s",
				       opt, value);
	*has = 1;
	return 0;
}

static void print_formats(FILE *out)
{
	fprintf(out, "\nformats:\n");
	for (const struct output_format *f = output_formats; f->name; f++)
		fprintf(out, "  %-12s %-18s %s\n", f->name, f->suffix, f->summary);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct convert c = { 0 };
	struct cli_parser p;
	const char *value;
	char *default_out = NULL;
	struct reader r;
	int opt, rc = EXIT_OK;

	c.remaps = calloc(argc, sizeof(char *));
	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		switch (opt) {
		case CLI_ARG:
			if (c.trace)
				return cli_usage_error(cmd, "one TRACE only");
			c.trace = value;
			break;
		case OPT_OUTPUT: c.out = value; break;
		case OPT_FORMAT:
			if (!(c.format = output_format_named(value)))
				return cli_usage_error(cmd, "--format %s: unknown format", value);
			break;
		case OPT_THREADS:
			if (cli_threads_add(&c.threads, value) < 0)
				return cli_error("out of memory");
			break;
		case OPT_SINCE: rc = parse_time_option(cmd, "since", value, &c.since_ns, &c.has_since); break;
		case OPT_UNTIL: rc = parse_time_option(cmd, "until", value, &c.until_ns, &c.has_until); break;
		case OPT_MAX_AGE: rc = parse_time_option(cmd, "max-age", value, &c.max_age_ns, &c.has_max_age); break;
		case OPT_WALL_CLOCK: c.wall_clock = 1; break;
		case OPT_REMAP:
			if ((rc = cli_remap_check(cmd, value)))
				return rc;
			c.remaps[c.nremaps++] = (char *)value;
			break;
		case OPT_MERGE: c.merge = 1; break;
		case OPT_ALL: c.all = 1; break;
		}
		if (rc)
			return rc;
	}
	if (!c.trace)
		return cli_usage_error(cmd, "missing TRACE");
	if (!c.format && c.out)
		c.format = output_format_of_path(c.out);
	if (!c.format)
		c.format = &output_formats[0];
	if (c.merge && !c.format->merges)
		return cli_usage_error(cmd, "--merge: format %s holds one snapshot per file",
				       c.format->name);
	if (!c.out)
		c.out = default_out = default_output(c.trace, c.format->suffix);
	if (cli_open_trace(&r, c.trace) < 0)
		return EXIT_ERROR;
	if ((rc = cli_threads_check(&c.threads, &r, c.trace)) == 0 &&
	    convert_all(&c, &r) < 0)
		rc = EXIT_ERROR;
	reader_close(&r);
	free(default_out);
	free(c.remaps);
	cli_threads_free(&c.threads);
	return rc;
}

const struct cli_command cmd_convert = {
	.name = "convert",
	.synopsis = "[OPTIONS] TRACE.ctr [-o OUT]",
	.summary = "convert a .ctr snapshot to a timeline (Chrome JSON, ...) for Perfetto UI",
	.description =
		"Rebuilds the calls of every thread and writes them in the format named\n"
		"by --format or by OUT's suffix (formats below; json by default), with\n"
		"each function's name, source file and line, for Perfetto UI\n"
		"(ui.perfetto.dev) and the other viewers named.  Times are exact\n"
		"nanoseconds from the snapshot's first event in every format, or\n"
		"wall-clock time with --wall-clock (JSON: the UTC time of day, which a\n"
		"double holds to the ns).  Calls the decoder had to repair say so (a \"repair\"\n"
		"argument).  A trace with several snapshots gives one file per snapshot:\n"
		"OUT.json becomes OUT.0.json, OUT.1.json, ...; with --merge, one file\n"
		"with one process per snapshot (kept flows are named with their rank\n"
		"and duration), without scheduling events.  The output appears whole\n"
		"or not at all.  TIME is a number with a unit: ns, us, ms or s.",
	.options = options,
	.run = run,
	.help_extra = print_formats,
};

/* summary.c - see summary.h.  The walk opens the trace once and, per
 * chosen snapshot, builds a symbolizer, a time base and a timeline, like
 * `ctrail convert` does for one output file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "out_file.h"
#include "summary.h"
#include "window.h"

static int add_remap(struct summary_opts *o, const char *value)
{
	char **grown = realloc(o->remaps, (o->nremaps + 1) * sizeof(char *));

	if (!grown)
		return -ENOMEM;
	o->remaps = grown;
	o->remaps[o->nremaps++] = (char *)value;
	return 0;
}

static void time_option(const struct cli_command *cmd, const char *name,
			const char *value, uint64_t *ns, int *has)
{
	if (parse_duration(value, ns) < 0)
		exit(cli_usage_error(cmd, "--%s %s: expected a time like 250us, 1.5ms, 2s",
				     name, value));
	*has = 1;
}

/* Takes option `opt` of cmd's table if it is a shared one: returns 1 when
 * taken, 0 when it is not shared, or exits 2 after a usage error. */
static int shared_option(struct summary_opts *o, const struct cli_command *cmd,
			 int opt, const char *value)
{
	const char *name = cmd->options[opt].name;
	char *end;
	int err = 0;

	if (!strcmp(name, "threads")) {
		o->threads_arg = value;
		err = cli_threads_add(&o->threads, value);
	} else if (!strcmp(name, "remap")) {
		if (cli_remap_check(cmd, value))
			exit(EXIT_USAGE);
		err = add_remap(o, value);
	}
	else if (!strcmp(name, "all"))
		o->all = 1;
	else if (!strcmp(name, "since"))
		time_option(cmd, name, value, &o->since_ns, &o->has_since);
	else if (!strcmp(name, "until"))
		time_option(cmd, name, value, &o->until_ns, &o->has_until);
	else if (!strcmp(name, "clip"))
		o->clip = 1;
	else if (!strcmp(name, "snapshot")) {
		o->snapshot = strtol(value, &end, 10);
		if (*value < '0' || *value > '9' || *end)
			exit(cli_usage_error(cmd, "--snapshot %s: expected a number", value));
	} else
		return 0;
	if (err)
		exit(cli_error("out of memory"));
	return 1;
}

int summary_parse(struct summary_opts *o, const struct cli_command *cmd,
		  int argc, char **argv, summary_option_fn *option, void *ctx)
{
	struct cli_parser p;
	const char *value;
	int opt, rc;

	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == CLI_ARG) {
			if (o->trace && o->two_traces && !o->trace_b)
				o->trace_b = value;
			else if (o->trace)
				return cli_usage_error(cmd, o->two_traces ? "two TRACEs at most"
								      : "one TRACE only");
			else
				o->trace = value;
		} else if (!shared_option(o, cmd, opt, value) &&
			   (rc = option(ctx, cmd, opt, value)))
			return rc;
	}
	if (!o->trace)
		return cli_usage_error(cmd, "missing TRACE");
	return 0;
}

static int walk_snapshot(const struct summary_opts *o,
			 const struct reader_snapshot *snap,
			 const struct emitter_ops *ops, void *ctx,
			 const struct summary_hooks *hooks)
{
	struct symbolizer *syms = cli_symbolizer(snap, o->remaps, o->nremaps);
	uint64_t hz = snap->clock->tsc_hz;
	struct time_base tb;
	struct timeline tl;
	struct window w;
	int err;

	if (!syms)
		return -EINVAL;
	time_base_init(&tb, snap, 0);
	timeline_init(&tl, syms, ops, ctx);
	if (!o->has_since && !o->has_until && !o->all) {
		window_default(&w, snap, cli_keep_thread, (void *)&o->threads);
		window_apply(&w, &tl, &tb);
	}
	if (o->has_since)
		tl.from_tsc = tb.first_tsc + ticks_from_ns(hz, o->since_ns);
	/* with --clip a call must begin at or before until in ns, which
	 * some ticks after first + ticks_from_ns(until) still do */
	if (o->has_until)
		tl.to_tsc = tb.first_tsc + ticks_from_ns(hz, o->until_ns + !!o->clip);
	err = timeline_snapshot(&tl, snap, &tb, cli_keep_thread, (void *)&o->threads, NULL);
	if (!err && hooks && hooks->after)
		err = hooks->after(ctx, snap);
	timeline_free(&tl);
	symbolizer_free(syms);
	return err;
}

void summary_clip_window(const struct summary_opts *o, uint64_t *from_ns,
			 uint64_t *to_ns)
{
	*from_ns = o->clip && o->has_since ? o->since_ns : 0;
	*to_ns = o->clip && o->has_until ? o->until_ns : UINT64_MAX;
}

int summary_snapshot_header(void *ctx, const struct reader_snapshot *snap,
			    size_t index, size_t count)
{
	if (count > 1)
		printf("%ssnapshot %zu \"%.*s\"\n", index ? "\n" : "", index,
		       (int)snap->hdr->name_size, snap->name);
	return 0;
}

int summary_run(const struct summary_opts *o, const char *what,
		const struct emitter_ops *ops, void *ctx,
		const struct summary_hooks *hooks)
{
	struct reader r;
	size_t first = 0, count;
	int err = 0;

	if (cli_open_trace(&r, o->trace) < 0)
		return EXIT_ERROR;
	if (cli_threads_check(&o->threads, &r, o->trace)) {
		reader_close(&r);
		return EXIT_ERROR;
	}
	count = r.nsnapshots;
	if (o->snapshot >= 0) {
		if ((size_t)o->snapshot >= r.nsnapshots) {
			cli_error("%s: no snapshot %ld (it has %zu)", o->trace,
				  o->snapshot, r.nsnapshots);
			reader_close(&r);
			return EXIT_ERROR;
		}
		first = o->snapshot;
		count = 1;
	}
	for (size_t i = first; i < first + count && !err; i++) {
		if (hooks && hooks->before)
			err = hooks->before(ctx, &r.snapshots[i], i, count);
		if (!err)
			err = walk_snapshot(o, &r.snapshots[i], ops, ctx, hooks);
	}
	reader_close(&r);
	/* -EINVAL: the symbolizer already said why */
	if (err && err != -EINVAL)
		cli_error("%s: %s", what, strerror(-err));
	return err ? EXIT_ERROR : EXIT_OK;
}

char *summary_format_ns(char *buf, uint64_t ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns >= units[i].ns) {
			uint64_t milli = ns / (units[i].ns / 1000);

			snprintf(buf, 32, "%llu.%03llu%s",
				 (unsigned long long)(milli / 1000),
				 (unsigned long long)(milli % 1000), units[i].unit);
			return buf;
		}
	snprintf(buf, 32, "%lluns", (unsigned long long)ns);
	return buf;
}

char *summary_default_output(const char *trace, const char *suffix)
{
	size_t n = strlen(trace);
	char *out = malloc(n + strlen(suffix) + 1);

	if (!out)
		return NULL;
	if (n > 4 && !strcmp(trace + n - 4, ".ctr"))
		n -= 4;
	memcpy(out, trace, n);
	strcpy(out + n, suffix);
	return out;
}

void summary_put_csv_name(const char *name)
{
	putchar('"');
	for (; *name; name++) {
		if (*name == '"')
			putchar('"');
		putchar(*name);
	}
	putchar('"');
}

int summary_output_open(struct summary_output *out, const char *path)
{
	int err;

	*out = (struct summary_output){ .path = path };
	if (!strcmp(path, "-")) {
		out->file = stdout;
		return 0;
	}
	if (!(out->file_out = malloc(sizeof(*out->file_out))))
		return cli_error("out of memory");
	if ((err = out_file_open(out->file_out, path, 0666)) ||
	    (!(out->file = fdopen(out->file_out->fd, "w")) && (err = -errno))) {
		cli_error("%s: %s", path, strerror(-err));
		out_file_discard(out->file_out);
		free(out->file_out);
		return EXIT_ERROR;
	}
	return 0;
}

int summary_print(const struct summary_opts *o, const char *what,
		  const struct emitter_ops *ops, void *ctx,
		  const struct summary_hooks *hooks)
{
	struct summary_output out;

	summary_output_open(&out, "-"); /* stdout: cannot fail */
	return summary_output_close(&out, summary_run(o, what, ops, ctx, hooks) == EXIT_OK);
}

int summary_output_close(struct summary_output *out, int ok)
{
	int failed = ferror(out->file) | fflush(out->file);
	int err = failed ? (errno ? -errno : -EIO) : 0;
	const char *name = out->file_out ? out->path : "stdout";
	int rc = EXIT_OK;

	if (out->file_out) {
		if (fclose(out->file) && !err)
			err = errno ? -errno : -EIO;
		out->file_out->fd = -1;
		if (ok && !err)
			err = out_file_commit(out->file_out);
		out_file_discard(out->file_out);
		free(out->file_out);
	}
	if (ok && err)
		rc = cli_error("%s: %s", name, strerror(-err));
	return ok ? rc : EXIT_ERROR;
}

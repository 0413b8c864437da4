/* cli.c - see cli.h.  The parser understands "--name value",
 * "--name=value", "-x value", "-xvalue" and "--"; options and operands may
 * be mixed (except for `record`, whose first operand starts the program's
 * own command line). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

void cli_parser_init(struct cli_parser *p, const struct cli_command *cmd,
		     int argc, char **argv)
{
	*p = (struct cli_parser){ .cmd = cmd, .argc = argc, .argv = argv,
				  .next = 1 };
}

char **cli_rest(struct cli_parser *p, int *n)
{
	*n = p->argc - p->next;
	return p->argv + p->next;
}

static int find_in(const struct cli_option *options, const char *name, size_t len)
{
	for (int i = 0; options[i].name; i++)
		if (strlen(options[i].name) == len && !strncmp(options[i].name, name, len))
			return i;
	return -1;
}

static int find_long(const struct cli_command *cmd, const char *name,
		     size_t len)
{
	return find_in(cmd->options, name, len);
}

/* Where symbols are looked up: options of every command that reads
 * binaries (those with --remap), handled here for all of them. */
static const struct cli_option symbol_options[] = {
	{ "debug-dir", 0, "DIR", "look up debug files by build id in DIR/.build-id/ first (repeatable)" },
	{ "no-debuginfod", 0, NULL, "do not ask debuginfod servers (DEBUGINFOD_URLS)" },
	{ 0 },
};
enum { OPT_DEBUG_DIR, OPT_NO_DEBUGINFOD };

static int reads_binaries(const struct cli_command *cmd)
{
	return find_long(cmd, "remap", 5) >= 0;
}

/* Takes a symbol option if `a` is one; returns 1 when it was. */
static int symbol_option(struct cli_parser *p, const char *name, size_t len,
			 const char *inline_value)
{
	int i = reads_binaries(p->cmd) ? find_in(symbol_options, name, len) : -1;
	const char *value = inline_value;

	if (i < 0)
		return 0;
	if (i == OPT_NO_DEBUGINFOD) {
		if (inline_value)
			exit(cli_usage_error(p->cmd, "--no-debuginfod takes no value"));
		symbols_no_debuginfod();
		return 1;
	}
	if (!value && p->next >= p->argc)
		exit(cli_usage_error(p->cmd, "--debug-dir needs DIR"));
	if (!value)
		value = p->argv[p->next++];
	if (symbols_add_debug_dir(value) < 0)
		exit(cli_error("out of memory"));
	return 1;
}

static int find_short(const struct cli_command *cmd, char c)
{
	for (int i = 0; cmd->options[i].name; i++)
		if (cmd->options[i].short_name == c)
			return i;
	return -1;
}

/* Fills *value for option i from the rest of this word or the next one. */
static int take_value(struct cli_parser *p, int i, const char *inline_value,
		      const char **value)
{
	const struct cli_option *o = &p->cmd->options[i];

	if (!o->arg) {
		if (inline_value)
			exit(cli_usage_error(p->cmd, "--%s takes no value", o->name));
		*value = NULL;
		return i;
	}
	if (inline_value) {
		*value = inline_value;
		return i;
	}
	if (p->next >= p->argc)
		exit(cli_usage_error(p->cmd, "--%s needs %s", o->name, o->arg));
	*value = p->argv[p->next++];
	return i;
}

int cli_next(struct cli_parser *p, const char **value)
{
	const char *a, *eq;
	int i;

	if (p->next >= p->argc)
		return CLI_DONE;
	a = p->argv[p->next];
	if (p->only_operands || a[0] != '-' || a[1] == '\0') {
		if (p->stop_at_operand)
			return CLI_DONE;
		*value = a;
		p->next++;
		return CLI_ARG;
	}
	p->next++;
	if (!strcmp(a, "--")) {
		p->only_operands = 1;
		return p->stop_at_operand ? CLI_DONE : cli_next(p, value);
	}
	if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
		cli_print_help(p->cmd, stdout);
		exit(EXIT_OK);
	}
	if (a[1] == '-') {
		eq = strchr(a + 2, '=');
		if (symbol_option(p, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2),
				  eq ? eq + 1 : NULL))
			return cli_next(p, value);
		i = find_long(p->cmd, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
		if (i < 0)
			exit(cli_usage_error(p->cmd, "unknown option %s", a));
		return take_value(p, i, eq ? eq + 1 : NULL, value);
	}
	i = find_short(p->cmd, a[1]);
	if (i < 0)
		exit(cli_usage_error(p->cmd, "unknown option %s", a));
	return take_value(p, i, a[2] ? a + 2 : NULL, value);
}

static void print_options(const struct cli_option *options, FILE *out)
{
	for (const struct cli_option *o = options; o->name; o++) {
		char head[64];
		int n = snprintf(head, sizeof(head), "%c%c%s--%s%s%s",
				 o->short_name ? '-' : ' ',
				 o->short_name ? o->short_name : ' ',
				 o->short_name ? ", " : "  ", o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(out, "  %s%*s%s\n", head, n < 26 ? 26 - n : 1, "", o->help);
	}
}

void cli_print_help(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "usage: ctrail %s %s\n\n%s\n", cmd->name, cmd->synopsis,
		cmd->description);
	if (!cmd->options[0].name)
		return;
	fprintf(out, "\noptions:\n");
	print_options(cmd->options, out);
	if (reads_binaries(cmd))
		print_options(symbol_options, out);
	fprintf(out, "  -h, --help%16s%s\n", "", "show this help");
	if (cmd->help_extra)
		cmd->help_extra(out);
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ctrail %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: ctrail %s %s (see ctrail %s --help)\n",
		cmd->name, cmd->synopsis, cmd->name);
	return EXIT_USAGE;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ctrail: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERROR;
}

int cli_open_trace(struct reader *r, const char *path)
{
	int err = reader_open(r, path);

	if (err == -EINVAL)
		cli_error("%s: offset %llu: %s", path,
			  (unsigned long long)r->err_offset, r->err);
	else if (err)
		cli_error("%s: %s", path, r->err);
	return err;
}

static int parse_trace_args(struct cli_trace *t, const struct cli_command *cmd,
			    int argc, char **argv, const char *operand)
{
	struct cli_parser p;
	const char *value;
	int opt;

	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == CLI_ARG && t->path)
			return cli_usage_error(cmd, "one %s only", operand);
		if (opt == CLI_ARG)
			t->path = value;
		else if (cli_remap_check(cmd, value))
			return EXIT_USAGE;
		else
			t->remaps[t->nremaps++] = (char *)value;
	}
	if (!t->path)
		return cli_usage_error(cmd, "missing %s", operand);
	return 0;
}

int cli_trace_open(struct cli_trace *t, const struct cli_command *cmd,
		   int argc, char **argv, const char *operand)
{
	int rc;

	/* at most one rule per argument */
	*t = (struct cli_trace){ .remaps = calloc(argc, sizeof(char *)) };
	if (!t->remaps)
		return cli_error("out of memory");
	rc = parse_trace_args(t, cmd, argc, argv, operand);
	if (!rc && cli_open_trace(&t->reader, t->path) < 0)
		rc = EXIT_ERROR;
	if (rc)
		free(t->remaps);
	return rc;
}

void cli_trace_close(struct cli_trace *t)
{
	reader_close(&t->reader);
	free(t->remaps);
}

int cli_threads_add(struct cli_threads *t, const char *list)
{
	char *copy = strdup(list);
	int err = copy ? 0 : -ENOMEM;

	for (char *item = copy ? strtok(copy, ",") : NULL; item && !err;
	     item = strtok(NULL, ",")) {
		char **grown = realloc(t->items, (t->n + 1) * sizeof(char *));

		if (!grown || !(grown[t->n] = strdup(item)))
			err = -ENOMEM;
		if (grown)
			t->items = grown;
		if (!err)
			t->n++;
	}
	free(copy);
	return err;
}

void cli_threads_free(struct cli_threads *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->items[i]);
	free(t->items);
	*t = (struct cli_threads){ 0 };
}

static int thread_listed(const char *item, const struct reader_thread *t)
{
	char tid[16];

	snprintf(tid, sizeof(tid), "%u", t->hdr->tid);
	return !strcmp(item, tid) || !strcmp(item, t->name);
}

/* Prints the threads of every snapshot, "tid name" once each. */
static void print_threads(const struct reader *r)
{
	int n = 0;

	for (size_t s = 0; s < r->nsnapshots; s++)
		for (size_t i = 0; i < r->snapshots[s].nthreads; i++, n++)
			fprintf(stderr, "%s%u %s", n ? ", " : "",
				r->snapshots[s].threads[i].hdr->tid,
				r->snapshots[s].threads[i].name);
	fprintf(stderr, n ? "\n" : "none\n");
}

int cli_threads_check(const struct cli_threads *t, const struct reader *r,
		      const char *trace)
{
	for (int k = 0; k < t->n; k++) {
		int found = 0;

		for (size_t s = 0; s < r->nsnapshots && !found; s++)
			for (size_t i = 0; i < r->snapshots[s].nthreads && !found; i++)
				found = thread_listed(t->items[k], &r->snapshots[s].threads[i]);
		if (!found) {
			fprintf(stderr, "ctrail: %s: --threads %s: no such thread; it has: ",
				trace, t->items[k]);
			print_threads(r);
			return EXIT_ERROR;
		}
	}
	return 0;
}

int cli_keep_thread(void *ctx, const struct reader_thread *t)
{
	const struct cli_threads *threads = ctx;

	if (!threads->n)
		return 1;
	for (int i = 0; i < threads->n; i++)
		if (thread_listed(threads->items[i], t))
			return 1;
	return 0;
}

int cli_remap_check(const struct cli_command *cmd, const char *rule)
{
	const char *eq = strchr(rule, '=');

	if (!eq || eq == rule)
		return cli_usage_error(cmd, "--remap %s: expected OLD=NEW", rule);
	return 0;
}

static int add_remap(struct symbolizer *s, const char *rule)
{
	const char *eq = strchr(rule, '=');
	char *from;
	int err;

	if (!eq || eq == rule)
		return cli_error("--remap %s: expected OLD=NEW", rule), -EINVAL;
	from = strndup(rule, eq - rule);
	if (!from)
		return -ENOMEM;
	err = symbolizer_add_remap(s, from, eq + 1);
	free(from);
	if (err)
		cli_error("--remap %s: %s", rule, strerror(-err));
	return err;
}

struct symbolizer *cli_symbolizer(const struct reader_snapshot *snap,
				  char **remaps, int nremaps)
{
	struct symbolizer *s = symbolizer_new();

	if (!s) {
		cli_error("out of memory");
		return NULL;
	}
	for (int i = 0; i < nremaps; i++)
		if (add_remap(s, remaps[i]) < 0)
			goto fail;
	symbolizer_add_packed(s, snap->packed, snap->npacked);
	for (size_t i = 0; i < snap->nmodules; i++) {
		const struct reader_module *m = &snap->modules[i];
		char *path = strndup(m->path, m->hdr->path_size);
		int err = path ? symbolizer_add_module(s, path, m->hdr->bias,
						       m->segs, m->hdr->nsegments,
						       m->build_id,
						       m->hdr->build_id_size)
			       : -ENOMEM;

		free(path);
		if (err < 0) {
			cli_error("module %.*s: %s", (int)m->hdr->path_size,
				  m->path, strerror(-err));
			goto fail;
		}
	}
	return s;
fail:
	symbolizer_free(s);
	return NULL;
}

void cli_print_quoted(FILE *out, const char *s, size_t n)
{
	if (n && s[n - 1] == '\0')
		n--;
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c == '\0')
			fputc(' ', out);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

char *cli_list_add(char *list, const char *item)
{
	size_t n = list ? strlen(list) : 0;
	char *grown = realloc(list, n + strlen(item) + 2);

	if (grown)
		sprintf(grown + n, "%s%s", n ? ";" : "", item);
	else
		free(list);
	return grown;
}

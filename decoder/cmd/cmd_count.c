/* cmd_count.c - `ctrail count FILE`: the call counts written by a program
 * built with `ctrail-cc --count` (a COUNTS chunk, format/ctr.h), as a table
 * of calls, function, module and file:line, most called first; as CSV
 * (--csv) that later runs can be merged with; as bare function names
 * (--names) for `ctrail-cc --exclude-file`.  --merge sums several inputs,
 * .ctr files and CSV files alike.
 *
 * Addresses differ from run to run, so every input becomes rows keyed by
 * (function, module file name): all rows are gathered in one array, sorted
 * by key and summed, then sorted by calls for printing.  Two functions of
 * one module with the same name (static functions in different files) are
 * one row. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

static const struct cli_option options[] = {
	{ "top", 'n', "N", "only the N most called functions" },
	{ "csv", 0, NULL, "CSV: calls,function,module,location (for --merge)" },
	{ "names", 0, NULL, "function names only, one a line (for ctrail-cc --exclude-file)" },
	{ "merge", 'm', NULL, "sum several FILEs (.ctr or CSV from --csv)" },
	{ "remap", 0, "OLD=NEW", "read binaries under NEW instead of OLD (repeatable)" },
	{ 0 },
};
enum { OPT_TOP, OPT_CSV, OPT_NAMES, OPT_MERGE, OPT_REMAP };

#define CSV_HEADER "calls,function,module,location"
#define MISSED_NAME "[code outside any module]"

struct row {
	uint64_t calls;
	char *function, *module, *location; /* location: "file:line" or "" */
	int known; /* a real symbol (not an address, not missed calls) */
};

struct rows {
	struct row *v;
	size_t n, cap;
};

static int row_add(struct rows *rs, uint64_t calls, const char *function,
		   const char *module, const char *location, int known)
{
	struct row *r;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 256;
		void *p = realloc(rs->v, cap * sizeof(*rs->v));
		if (!p)
			return -ENOMEM;
		rs->v = p;
		rs->cap = cap;
	}
	r = &rs->v[rs->n];
	*r = (struct row){ calls, strdup(function), strdup(module), strdup(location), known };
	if (!r->function || !r->module || !r->location) {
		free(r->function);
		free(r->module);
		free(r->location);
		return -ENOMEM;
	}
	rs->n++;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The last snapshot holding counts (a file has one unless concatenated). */
static const struct reader_snapshot *counts_snapshot(const struct reader *r)
{
	for (size_t i = r->nsnapshots; i-- > 0;)
		if (r->snapshots[i].counts_hdr)
			return &r->snapshots[i];
	return NULL;
}

static int rows_from_snapshot(struct rows *rs, const struct reader_snapshot *snap,
			      struct symbolizer *syms)
{
	const struct ctr_counts *h = snap->counts_hdr;
	int err = 0;

	for (uint64_t i = 0; i < h->nrecords && !err; i++) {
		const struct symbol *s = symbolizer_lookup(syms, snap->counts[i].address);
		char module[4096], location[4096 + 16] = "";

		snprintf(module, sizeof(module), "%.*s",
			 s->module >= 0 ? (int)snap->modules[s->module].hdr->path_size : 0,
			 s->module >= 0 ? snap->modules[s->module].path : "");
		if (s->file)
			snprintf(location, sizeof(location), "%s:%u", s->file, s->line);
		err = row_add(rs, snap->counts[i].calls, s->name, base_name(module),
			      location, !(s->flags & SYMBOL_UNKNOWN));
	}
	if (!err && h->missed)
		err = row_add(rs, h->missed, MISSED_NAME, "", "", 0);
	return err;
}

static int rows_from_ctr(struct rows *rs, const char *path, char **remaps,
			 int nremaps)
{
	const struct reader_snapshot *snap;
	struct symbolizer *syms;
	struct reader r;
	int err;

	if (cli_open_trace(&r, path) < 0)
		return -EINVAL;
	if (!(snap = counts_snapshot(&r))) {
		reader_close(&r);
		cli_error("%s: no call counts in this file (it comes from a program built without ctrail-cc --count)",
			  path);
		return -EINVAL;
	}
	if (!(syms = cli_symbolizer(snap, remaps, nremaps))) {
		reader_close(&r);
		return -EINVAL;
	}
	err = rows_from_snapshot(rs, snap, syms);
	symbolizer_free(syms);
	reader_close(&r);
	if (err)
		cli_error("%s: %s", path, strerror(-err));
	return err ? -EINVAL : 0;
}

/* Splits one CSV line (RFC 4180 quoting, no line breaks inside fields)
 * into n fields in place; returns how many there were. */
static int csv_split(char *line, char **fields, int n)
{
	int k = 0;
	char *out = line, *p = line;

	while (k < n) {
		fields[k++] = out;
		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++)
				*out++ = *p == '"' ? *++p : *p;
			if (*p == '"')
				p++;
		} else {
			while (*p && *p != ',')
				*out++ = *p++;
		}
		if (*p != ',') {
			*out = 0;
			return *p ? -1 : k;
		}
		*out++ = 0;
		p++;
	}
	return -1;
}

static int rows_from_csv(struct rows *rs, const char *path, FILE *f)
{
	char *line = NULL, *field[4], *end;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int err = 0;

	while (!err && (len = getline(&line, &cap, f)) > 0) {
		uint64_t calls;

		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (lineno == 1 && !strcmp(line, CSV_HEADER))
			continue;
		if (lineno == 1) {
			err = cli_error("%s: line 1: not a ctrail count CSV (expected header \"%s\")",
					path, CSV_HEADER);
			break;
		}
		if (csv_split(line, field, 4) != 4) {
			err = cli_error("%s: line %lu: expected 4 fields: %s", path,
					lineno, CSV_HEADER);
			break;
		}
		errno = 0;
		calls = strtoull(field[0], &end, 10);
		if (errno || end == field[0] || *end || !isdigit((unsigned char)field[0][0])) {
			err = cli_error("%s: line %lu: bad call count '%s'", path,
					lineno, field[0]);
			break;
		}
		if (row_add(rs, calls, field[1], field[2], field[3],
			    strcmp(field[1], MISSED_NAME) && strncmp(field[1], "0x", 2) &&
			    !strchr(field[1], '+')))
			err = cli_error("%s: out of memory", path);
	}
	if (!err && ferror(f))
		err = cli_error("%s: %s", path, strerror(errno));
	if (!err && lineno == 0)
		err = cli_error("%s: empty file", path);
	free(line);
	return err ? -EINVAL : 0;
}

/* A .ctr file starts with its magic; anything else is read as CSV. */
static int rows_from_file(struct rows *rs, const char *path, char **remaps,
			  int nremaps)
{
	char magic[CTR_MAGIC_SIZE] = "";
	FILE *f = fopen(path, "r");
	size_t n;
	int err;

	if (!f)
		return cli_error("%s: %s", path, strerror(errno)), -EINVAL;
	n = fread(magic, 1, sizeof(magic), f);
	if (n == sizeof(magic) && !memcmp(magic, CTR_MAGIC, CTR_MAGIC_SIZE)) {
		fclose(f);
		return rows_from_ctr(rs, path, remaps, nremaps);
	}
	rewind(f);
	err = rows_from_csv(rs, path, f);
	fclose(f);
	return err;
}

static int by_key(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->function, y->function);

	return c ? c : strcmp(x->module, y->module);
}

static int by_calls(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->calls != y->calls)
		return x->calls < y->calls ? 1 : -1;
	return by_key(a, b);
}

/* Sums rows of equal key into the first, keeping its location unless it
 * has none. */
static void rows_merge(struct rows *rs)
{
	size_t kept = 0;

	qsort(rs->v, rs->n, sizeof(*rs->v), by_key);
	for (size_t i = 0; i < rs->n; i++) {
		struct row *r = &rs->v[i], *k = kept ? &rs->v[kept - 1] : NULL;

		if (k && !by_key(k, r)) {
			k->calls += r->calls;
			if (!*k->location) {
				free(k->location);
				k->location = r->location;
				r->location = NULL;
			}
			free(r->function);
			free(r->module);
			free(r->location);
		} else {
			rs->v[kept++] = *r;
		}
	}
	rs->n = kept;
	qsort(rs->v, rs->n, sizeof(*rs->v), by_calls);
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void print_csv(FILE *out, const struct rows *rs, size_t n)
{
	fprintf(out, "%s\n", CSV_HEADER);
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rs->v[i];

		fprintf(out, "%llu,", (unsigned long long)r->calls);
		csv_field(out, r->function);
		fputc(',', out);
		csv_field(out, r->module);
		fputc(',', out);
		csv_field(out, r->location);
		fputc('\n', out);
	}
}

static void print_table(FILE *out, const struct rows *rs, size_t n)
{
	int wf = strlen("function"), wm = strlen("module");
	uint64_t total = 0;

	for (size_t i = 0; i < rs->n; i++)
		total += rs->v[i].calls;
	for (size_t i = 0; i < n; i++) {
		int f = strlen(rs->v[i].function), m = strlen(rs->v[i].module);
		wf = f > wf ? f : wf;
		wm = m > wm ? m : wm;
	}
	fprintf(out, "%12s  %-*s  %-*s  %s\n", "calls", wf, "function", wm,
		"module", "location");
	for (size_t i = 0; i < n; i++) {
		const struct row *r = &rs->v[i];

		fprintf(out, "%12llu  %-*s  %-*s  %s\n", (unsigned long long)r->calls,
			wf, r->function, wm, r->module, r->location);
	}
	fprintf(out, "%llu calls to %zu functions\n", (unsigned long long)total,
		rs->n);
}

/* Function names for an exclusion list: real symbols only. */
static void print_names(FILE *out, const struct rows *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rs->v[i].known)
			fprintf(out, "%s\n", rs->v[i].function);
}

static int parse_top(const struct cli_command *cmd, const char *s, size_t *top)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || *end || !isdigit((unsigned char)*s) || n == 0)
		return cli_usage_error(cmd, "--top needs a positive number, not '%s'", s);
	*top = n;
	return 0;
}

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].function);
		free(rs->v[i].module);
		free(rs->v[i].location);
	}
	free(rs->v);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_parser p;
	const char *value;
	char **remaps = calloc(argc, sizeof(char *));
	char **inputs = calloc(argc, sizeof(char *));
	int nremaps = 0, ninputs = 0, merge = 0, csv = 0, names = 0, opt;
	int rc = EXIT_OK;
	size_t top = (size_t)-1;
	struct rows rs = { 0 };

	if (!remaps || !inputs)
		return cli_error("out of memory");
	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == CLI_ARG)
			inputs[ninputs++] = (char *)value;
		else if (opt == OPT_TOP && parse_top(cmd, value, &top))
			return EXIT_USAGE;
		else if (opt == OPT_CSV)
			csv = 1;
		else if (opt == OPT_NAMES)
			names = 1;
		else if (opt == OPT_MERGE)
			merge = 1;
		else if (opt == OPT_REMAP && cli_remap_check(cmd, value))
			return EXIT_USAGE;
		else if (opt == OPT_REMAP)
			remaps[nremaps++] = (char *)value;
	}
	if (!ninputs)
		return cli_usage_error(cmd, "missing FILE");
	if (ninputs > 1 && !merge)
		return cli_usage_error(cmd, "several FILEs need --merge");
	if (csv && names)
		return cli_usage_error(cmd, "--csv and --names exclude each other");
	for (int i = 0; i < ninputs && rc == EXIT_OK; i++)
		if (rows_from_file(&rs, inputs[i], remaps, nremaps))
			rc = EXIT_ERROR;
	if (rc == EXIT_OK) {
		rows_merge(&rs);
		if (top > rs.n)
			top = rs.n;
		if (csv)
			print_csv(stdout, &rs, top);
		else if (names)
			print_names(stdout, &rs, top);
		else
			print_table(stdout, &rs, top);
		if (fflush(stdout) || ferror(stdout))
			rc = cli_error("writing the counts failed");
	}
	rows_free(&rs);
	free(remaps);
	free(inputs);
	return rc;
}

const struct cli_command cmd_count = {
	.name = "count",
	.synopsis = "[--top N] [--csv | --names] [--merge] [--remap OLD=NEW]... FILE...",
	.summary = "call counts of a program built with ctrail-cc --count",
	.description =
		"Prints the calls of each function that FILE (written by a program built\n"
		"with ctrail-cc --count) counted, most called first: calls, function\n"
		"(demangled), module and source file:line, then the total.  --csv prints\n"
		"the same rows as CSV; --names prints the function names alone, for\n"
		"ctrail-cc --exclude-file.  With --merge, FILEs may be several .ctr files\n"
		"and CSV files from --csv, and the calls of each (function, module) are\n"
		"summed across them: addresses differ between runs, names do not.",
	.options = options,
	.run = run,
};

/* cli.h - what every ctrail subcommand shares: its description as one table
 * (name, synopsis, options) from which both the option parser and --help
 * are driven, and the common steps of opening a trace and setting up a
 * symbolizer for one snapshot, with the house style of error messages.
 *
 * Exit codes of the ctrail command (docs/ctrail.md): */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>
#include <stdio.h>
#include "reader.h"
#include "symbols.h"

enum cli_exit {
	EXIT_OK = 0,
	EXIT_ERROR = 1, /* a damaged input, an I/O error, ... */
	EXIT_USAGE = 2, /* bad command line */
};

struct cli_option {
	const char *name; /* long name without dashes */
	char short_name;  /* 0 if none */
	const char *arg;  /* name of its argument, NULL for a flag */
	const char *help; /* one line */
};

struct cli_command {
	const char *name;
	const char *synopsis;    /* after "ctrail NAME " */
	const char *summary;     /* one line for `ctrail help` */
	const char *description; /* paragraph(s) for --help */
	const struct cli_option *options; /* ended by a zeroed entry */
	int (*run)(const struct cli_command *cmd, int argc, char **argv);
	void (*help_extra)(FILE *out); /* more --help from a table; may be NULL */
};

/* Walks argv like getopt_long, over the command's table.  Returns the
 * index of the option in cmd->options with *value set to its argument (or
 * NULL), CLI_ARG for an operand (in *value), CLI_DONE at the end.  Prints
 * help and exits 0 on --help; prints a usage error and exits 2 on an
 * unknown option or a missing argument.  "--" ends options; with
 * stop_at_operand, the first operand ends them too (for `record`). */
enum { CLI_ARG = -1, CLI_DONE = -2 };
struct cli_parser {
	const struct cli_command *cmd;
	int argc, next;
	char **argv;
	int only_operands;
	int stop_at_operand;
};
void cli_parser_init(struct cli_parser *p, const struct cli_command *cmd,
		     int argc, char **argv);
int cli_next(struct cli_parser *p, const char **value);
/* The arguments not read yet (after "--" for record). */
char **cli_rest(struct cli_parser *p, int *n);

void cli_print_help(const struct cli_command *cmd, FILE *out);
/* Prints "ctrail NAME: message" and a hint to --help; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "ctrail: message" on stderr; returns EXIT_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Appends item to a ';'-separated list (list may be NULL; freed on
 * failure), for repeated --probe SPEC options.  NULL if out of memory. */
char *cli_list_add(char *list, const char *item);

/* Opens a trace; on failure prints "ctrail: FILE: offset N: what". */
int cli_open_trace(struct reader *r, const char *path);

/* A command line "[--remap OLD=NEW]... OPERAND" (dump and info: their
 * option table has "remap" only) and the trace it names, opened. */
struct cli_trace {
	const char *path;
	char **remaps; /* nremaps "OLD=NEW" rules, for cli_symbolizer() */
	int nremaps;
	struct reader reader;
};
/* Parses argv into t and opens t->path.  Returns 0, EXIT_USAGE after
 * "one OPERAND only" or "missing OPERAND" (operand: "FILE", "TRACE"), or
 * EXIT_ERROR after cli_open_trace's message.  After 0, cli_trace_close(). */
int cli_trace_open(struct cli_trace *t, const struct cli_command *cmd,
		   int argc, char **argv, const char *operand);
void cli_trace_close(struct cli_trace *t);

/* The --threads LIST option (convert and the summary commands): the
 * threads to keep, by tid or name, from every LIST given. */
/* --all: no default window (decoder/timeline/window.h). */
#define CLI_OPT_ALL { "all", 0, NULL, "the whole snapshot, not only where the busy rings overlap (see --help)" }
#define CLI_OPT_THREADS { "threads", 0, "LIST", "only these threads: comma-separated tids or names" }
struct cli_threads {
	char **items; /* tids or names; none: every thread */
	int n;
};
/* Adds the comma-separated items of list (copied, until
 * cli_threads_free).  Returns 0 or -ENOMEM. */
int cli_threads_add(struct cli_threads *t, const char *list);
void cli_threads_free(struct cli_threads *t);
/* Every item must name a thread (by tid or name) of some snapshot of r:
 * else prints the item and the threads there are, returns EXIT_ERROR. */
int cli_threads_check(const struct cli_threads *t, const struct reader *r,
		      const char *trace);
/* timeline_snapshot()'s keep() for ctx a struct cli_threads *: 1 for a
 * thread whose tid or name is listed, or for every thread if none is. */
int cli_keep_thread(void *ctx, const struct reader_thread *t);

/* A --remap rule must read OLD=NEW: else a usage error (EXIT_USAGE). */
int cli_remap_check(const struct cli_command *cmd, const char *rule);

/* A symbolizer knowing the snapshot's modules and the --remap rules
 * (remaps: nremaps strings "OLD=NEW").  NULL after printing an error. */
struct symbolizer *cli_symbolizer(const struct reader_snapshot *snap,
				  char **remaps, int nremaps);

/* Writes n bytes of s between double quotes, with \" \\ and \xHH escapes
 * for quotes, backslashes and unprintable bytes; NUL bytes (argument
 * separators) become spaces, a trailing NUL is dropped. */
void cli_print_quoted(FILE *out, const char *s, size_t n);

/* The commands, one file each. */
extern const struct cli_command cmd_dump, cmd_convert, cmd_info, cmd_record;
extern const struct cli_command cmd_attach;
extern const struct cli_command cmd_count;
extern const struct cli_command cmd_cull;
extern const struct cli_command cmd_core;
extern const struct cli_command cmd_pack;
extern const struct cli_command cmd_ingest;

#endif

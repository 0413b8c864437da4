/* main.c - the ctrail command: picks the subcommand from the table below and
 * runs it.  Each subcommand lives in its own cmd_*.c file and describes its
 * options in one table (cli.h) that drives both parsing and --help. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "summary.h"

static const struct cli_command *const commands[] = {
	&cmd_record, &cmd_attach, &cmd_convert, &cmd_info, &cmd_dump,
	&cmd_count,
	&cmd_cull,
	&cmd_flame,
	&cmd_report,
	&cmd_diff,
	&cmd_scope,
	&cmd_replay,
	&cmd_core,
	&cmd_pack,
	&cmd_ingest,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_overview(FILE *out)
{
	fprintf(out, "usage: ctrail COMMAND [OPTIONS] ARGS...\n\n"
		     "Decodes .ctr snapshots written by programs built with "
		     "ctrail-cc / ctrail-c++.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i]->name,
			commands[i]->summary);
	fprintf(out, "  %-9s %s\n", "help", "show this list, or a command's help");
	fprintf(out, "\n`ctrail COMMAND --help` describes a command.\n"
		     "Exit status: 0 success, 1 error (bad input, I/O), "
		     "2 usage error; `record` exits with the program's status.\n");
}

/* At exit, whichever way the command ends (cli_next exits after --help):
 * output that did not reach stdout (a full disk, a closed pipe's reader)
 * is an error, exit status 1, never a silent success. */
static void close_stdout(void)
{
	int failed = ferror(stdout);

	errno = 0;
	if (fclose(stdout) != 0 || failed) {
		fprintf(stderr, "ctrail: writing standard output: %s\n",
			errno ? strerror(errno) : "write error");
		_exit(EXIT_ERROR);
	}
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc < 3) {
		print_overview(stdout);
		return EXIT_OK;
	}
	cmd = find_command(argv[2]);
	if (!cmd) {
		fprintf(stderr, "ctrail: no command named '%s'\n", argv[2]);
		print_overview(stderr);
		return EXIT_USAGE;
	}
	cli_print_help(cmd, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd;

	atexit(close_stdout);
	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "-h"))
		return help(argc, argv);
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "ctrail: unknown command '%s'\n", argv[1]);
		print_overview(stderr);
		return EXIT_USAGE;
	}
	return cmd->run(cmd, argc - 1, argv + 1);
}

/* cmd_record.c - `ctrail record [-o OUT.ctr] -- PROG ARGS...`: runs a program
 * built with ctrail-cc / ctrail-c++ so that it writes its snapshot to OUT at
 * exit (and on SIGTRAP), then says how to convert it.  Only the environment
 * is involved: CTRAIL_OUTPUT (made absolute, so a program that changes
 * directory still writes where asked), CTRAIL_WRITE_AT_EXIT=1,
 * CTRAIL_RING_SIZE and CTRAIL_STACK_BYTES.  SIGINT and SIGTERM sent to ctrail are passed on to the
 * program; ctrail exits with the program's status (128 + signal number if
 * a signal killed it; 127 if it could not be started). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cli.h"

#define DEFAULT_OUTPUT "ctrail.ctr"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "where the program writes its snapshot (default " DEFAULT_OUTPUT ")" },
	{ "ring-size", 0, "SIZE", "bytes of ring per thread, K/M/G suffix allowed (CTRAIL_RING_SIZE)" },
	{ "sched", 0, NULL, "also record the kernel's scheduling events (CTRAIL_FTRACE=1)" },
	{ "stack-bytes", 0, "SIZE", "stack kept per thread at a snapshot, 0 for none (CTRAIL_STACK_BYTES, default 64K)" },
	{ 0 },
};
enum { OPT_OUTPUT, OPT_RING_SIZE, OPT_SCHED, OPT_STACK_BYTES };

static volatile pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

static int valid_size(const char *s)
{
	char *end;

	errno = 0;
	if (strtoull(s, &end, 10) == 0 || errno || end == s)
		return 0;
	return !*end || (strchr("kKmMgG", *end) && !end[1]);
}

static char *absolute(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return strdup(path);
	abs = malloc(strlen(cwd) + strlen(path) + 2);
	if (abs)
		sprintf(abs, "%s/%s", cwd, path);
	return abs;
}

/* In the child: set the environment and become the program. */
static void start(char **prog, const char *out, const char *ring_size,
		  const char *stack_bytes, int sched)
{
	if (stack_bytes)
		setenv("CTRAIL_STACK_BYTES", stack_bytes, 1);
	setenv("CTRAIL_OUTPUT", out, 1);
	setenv("CTRAIL_WRITE_AT_EXIT", "1", 1);
	if (sched)
		setenv("CTRAIL_FTRACE", "1", 1);
	if (ring_size)
		setenv("CTRAIL_RING_SIZE", ring_size, 1);
	execvp(prog[0], prog);
	fprintf(stderr, "ctrail: %s: %s\n", prog[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int wait_for(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cli_error("waiting for the program: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Did the run leave a new file at path (the runtime renames a new file
 * into place, so a new inode or time tells)? */
static int fresh(const char *path, const struct stat *before, int existed)
{
	struct stat now;

	if (stat(path, &now) < 0)
		return 0;
	return !existed || now.st_ino != before->st_ino ||
	       now.st_mtim.tv_sec != before->st_mtim.tv_sec ||
	       now.st_mtim.tv_nsec != before->st_mtim.tv_nsec;
}

static void report(const char *out)
{
	size_t n = strlen(out);
	int ctr = n > 4 && !strcmp(out + n - 4, ".ctr");

	fprintf(stderr, "ctrail: wrote %s (convert: ctrail convert %s -o %.*s.json)\n",
		out, out, (int)(ctr ? n - 4 : n), out);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_parser p;
	const char *value, *out = DEFAULT_OUTPUT, *ring_size = NULL, *stack_bytes = NULL;
	struct sigaction sa = { .sa_handler = forward };
	struct stat before;
	char **prog, *abs_out;
	int opt, nprog, existed, rc, sched = 0;
	pid_t pid;

	cli_parser_init(&p, cmd, argc, argv);
	p.stop_at_operand = 1;
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == OPT_OUTPUT)
			out = value;
		else if (opt == OPT_SCHED)
			sched = 1;
		else if (opt == OPT_STACK_BYTES && strcmp(value, "0") && !valid_size(value))
			return cli_usage_error(cmd, "--stack-bytes %s: expected bytes, e.g. 0, 32K, 64K",
					       value);
		else if (opt == OPT_STACK_BYTES)
			stack_bytes = value;
		else if (!valid_size(value))
			return cli_usage_error(cmd, "--ring-size %s: expected bytes, e.g. 65536, 64K, 4M",
					       value);
		else
			ring_size = value;
	}
	prog = cli_rest(&p, &nprog);
	if (nprog == 0)
		return cli_usage_error(cmd, "missing PROG");
	abs_out = absolute(out);
	if (!abs_out)
		return cli_error("out of memory");
	existed = stat(abs_out, &before) == 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(abs_out);
		return cli_error("cannot start %s: %s", prog[0], strerror(errno));
	}
	if (pid == 0)
		start(prog, abs_out, ring_size, stack_bytes, sched);
	child = pid;
	rc = wait_for(pid);
	if (fresh(abs_out, &before, existed))
		report(out);
	else if (rc != 127 && rc != 126)
		fprintf(stderr, "ctrail: %s wrote no snapshot to %s; was it built with "
				"ctrail-cc or ctrail-c++ (and did it exit normally)?\n",
			prog[0], out);
	free(abs_out);
	return rc;
}

const struct cli_command cmd_record = {
	.name = "record",
	.synopsis = "[-o OUT.ctr] [--ring-size SIZE] [--stack-bytes SIZE] [--] PROG [ARGS...]",
	.summary = "run a program built with ctrail-cc and save its trace",
	.description =
		"Runs PROG with ARGS so that it writes its snapshot to OUT (default\n"
		DEFAULT_OUTPUT ") when it exits or gets SIGTRAP, then prints the command\n"
		"that converts it.  PROG must be built with ctrail-cc / ctrail-c++.\n"
		"SIGINT and SIGTERM are passed on to PROG.  Exit status: PROG's own,\n"
		"128 + N if signal N killed it, 127 if it could not be found.",
	.options = options,
	.run = run,
};

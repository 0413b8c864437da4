/* cmd_record.c - `ctrail record [-o OUT.ctr] -- PROG ARGS...`: runs a program
 * built with ctrail-cc / ctrail-c++ so that every process of its tree
 * writes a snapshot at exit (and on SIGTRAP, and when SIGHUP, SIGINT or
 * SIGTERM would kill it), waits for them, then names each file written.
 *
 * Only the environment is involved (runtime/record.c reads it):
 * CTRAIL_OUTPUT (made absolute, so a program that changes directory still
 * writes where asked) with CTRAIL_OUTPUT_PID, the program's pid: that
 * process writes OUT, every other one of the tree OUT with "-PID" before
 * its suffix; CTRAIL_WRITE_AT_EXIT=1, CTRAIL_WRITE_ON_SIGNAL=1,
 * CTRAIL_RING_SIZE, CTRAIL_STACK_BYTES (--stack-bytes), CTRAIL_FTRACE
 * (--sched), CTRAIL_PROBES (every --probe SPEC, joined by ';': the runtime
 * resolves and probes them as it starts, since the libraries they name are
 * mapped by then; it exits 1 after saying why if it cannot), and
 * CTRAIL_STATUS, a file in TMPDIR where each traced
 * process appends a line when it starts and after each file it writes or
 * fails to write.  ctrail becomes the subreaper of the tree, so daemons
 * whose parent exited are waited for too: it returns when the program has
 * exited and no traced process of the tree is left (an untraced child
 * left running is given two seconds to turn out traced).
 *
 * ctrail blocks the signals it forwards and takes them with sigtimedwait:
 * SIGTRAP goes to every traced process alive (a snapshot of the whole
 * tree), the others (HUP INT QUIT USR1 USR2 ALRM TERM WINCH) to its
 * children, that is the program and orphans handed to it; from a terminal
 * they reached ctrail's process group, the program's too, so then only
 * to children in another group (daemons that made a session).  ctrail exits with the program's status (128 + signal number
 * if a signal killed it; 127 if it could not be started). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"

#define DEFAULT_OUTPUT "ctrail.ctr"

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "where the program writes its snapshot (default " DEFAULT_OUTPUT ")" },
	{ "ring-size", 0, "SIZE", "bytes of ring per thread, K/M/G suffix allowed (CTRAIL_RING_SIZE)" },
	{ "stack-bytes", 0, "SIZE", "stack kept per thread at a snapshot, 0 for none (CTRAIL_STACK_BYTES, default 64K)" },
	{ "sched", 0, NULL, "also record the kernel's scheduling events (CTRAIL_FTRACE=1)" },
	{ "probe", 0, "SPEC", "also record calls of [MODULE:]FUNC,... with uprobes (CTRAIL_PROBES); repeatable" },
	{ 0 },
};
enum { OPT_OUTPUT, OPT_RING_SIZE, OPT_STACK_BYTES, OPT_SCHED, OPT_PROBE };

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTRAP, SIGUSR1,
				 SIGUSR2, SIGALRM, SIGTERM, SIGWINCH };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* One traced process, from the status file. */
struct proc {
	pid_t pid;
	int wrote, failed; /* lines seen */
};

/* What the status file said, read again after each wait. */
struct status {
	struct proc *procs;
	size_t nprocs;
	char **wrote;       /* distinct paths written, in order */
	size_t nwrote;
	char **failures;    /* "PATH: reason" of failed writes */
	size_t nfailures;
};

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

/* In the child: the signal mask ctrail started with, the environment, and
 * the program. */
static void start(char **prog, const char *out, const char *status,
		  const char *ring_size, int sched, const char *probes, const sigset_t *mask)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("CTRAIL_OUTPUT", out, 1);
	setenv("CTRAIL_OUTPUT_PID", pid, 1);
	setenv("CTRAIL_STATUS", status, 1);
	setenv("CTRAIL_WRITE_AT_EXIT", "1", 1);
	setenv("CTRAIL_WRITE_ON_SIGNAL", "1", 1);
	if (sched)
		setenv("CTRAIL_FTRACE", "1", 1);
	if (probes)
		setenv("CTRAIL_PROBES", probes, 1);
	if (ring_size)
		setenv("CTRAIL_RING_SIZE", ring_size, 1);
	sigprocmask(SIG_SETMASK, mask, NULL);
	execvp(prog[0], prog);
	fprintf(stderr, "ctrail: %s: %s\n", prog[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static void status_free(struct status *st)
{
	for (size_t i = 0; i < st->nwrote; i++)
		free(st->wrote[i]);
	for (size_t i = 0; i < st->nfailures; i++)
		free(st->failures[i]);
	free(st->wrote);
	free(st->failures);
	free(st->procs);
	memset(st, 0, sizeof(*st));
}

static struct proc *proc_of(struct status *st, pid_t pid)
{
	struct proc *p;

	for (size_t i = 0; i < st->nprocs; i++)
		if (st->procs[i].pid == pid)
			return &st->procs[i];
	p = realloc(st->procs, (st->nprocs + 1) * sizeof(*p));
	if (!p)
		return NULL;
	st->procs = p;
	p += st->nprocs++;
	*p = (struct proc){ .pid = pid };
	return p;
}

/* Appends s to a list of strings, unless it is there already. */
static void list_add(char ***list, size_t *n, const char *s)
{
	char **grown;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*list)[i], s))
			return;
	grown = realloc(*list, (*n + 1) * sizeof(char *));
	if (!grown)
		return;
	*list = grown;
	if ((grown[*n] = strdup(s)))
		(*n)++;
}

/* One line: "start PID", "wrote PID PATH" or "failed PID ERRNO PATH". */
static void status_line(struct status *st, char *line)
{
	char *kind = strtok(line, "\t"), *pid = strtok(NULL, "\t");
	char *rest = strtok(NULL, "\n"), msg[PATH_MAX + 128];
	struct proc *p = kind && pid ? proc_of(st, atoi(pid)) : NULL;
	char *path;
	int err;

	if (!p || !strcmp(kind, "start"))
		return;
	if (!strcmp(kind, "wrote") && rest) {
		p->wrote++;
		list_add(&st->wrote, &st->nwrote, rest);
	} else if (!strcmp(kind, "failed") && rest && (path = strchr(rest, '\t'))) {
		err = atoi(rest);
		p->failed++;
		snprintf(msg, sizeof(msg), "%s (pid %s): %s", path + 1, pid, strerror(err));
		list_add(&st->failures, &st->nfailures, msg);
	}
}

static void status_read(struct status *st, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[PATH_MAX + 64];

	status_free(st);
	while (f && fgets(line, sizeof(line), f))
		status_line(st, line);
	if (f)
		fclose(f);
}

/* Is pid a process that has not exited (a zombie has)? */
static int alive(pid_t pid)
{
	char path[64], buf[512], *close_paren;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && !strchr("ZX", close_paren[2]);
}

static int any_traced_alive(const struct status *st)
{
	for (size_t i = 0; i < st->nprocs; i++)
		if (alive(st->procs[i].pid))
			return 1;
	return 0;
}

/* Sends sig to ctrail's own children: the program and the orphans of the
 * tree, whom the kernel hands to a subreaper; with others_only, to those
 * outside ctrail's process group (a daemon's new session). */
static void signal_children(int sig, int others_only)
{
	char path[64];
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
	if (!(f = fopen(path, "r")))
		return;
	while (fscanf(f, "%d", &pid) == 1)
		if (!others_only || getpgid(pid) != getpgrp())
			kill(pid, sig);
	fclose(f);
}

static void forward(const siginfo_t *si, pid_t main_pid, int main_done,
		    struct status *st, const char *status_path)
{
	/* a terminal's signals (si_code > 0) reached ctrail's process group,
	 * the program's too, already; SIGTRAP is for every traced process */
	if (si->si_signo != SIGTRAP) {
		signal_children(si->si_signo, si->si_code > 0);
		return;
	}
	status_read(st, status_path);
	if (!main_done)
		kill(main_pid, SIGTRAP);
	for (size_t i = 0; i < st->nprocs; i++)
		if (st->procs[i].pid != main_pid && alive(st->procs[i].pid))
			kill(st->procs[i].pid, SIGTRAP);
}

static int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Waits until the program has exited and no traced process is left,
 * forwarding signals meanwhile; returns the program's exit code.  A
 * process forked just before its parent exited may not have written its
 * start line yet: while ctrail has children (orphans of the tree are
 * handed to it), it waits GRACE_S more for them to say they are traced. */
#define GRACE_S 2.0
static int supervise(pid_t pid, const sigset_t *set, const char *status_path,
		     struct status *st)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	int rc = 0, main_done = 0, no_children, wstatus;
	struct timespec done_at;
	siginfo_t si;
	pid_t w;

	for (;;) {
		if (sigtimedwait(set, &si, &tick) > 0 && si.si_signo != SIGCHLD)
			forward(&si, pid, main_done, st, status_path);
		while ((w = waitpid(-1, &wstatus, WNOHANG)) > 0)
			if (w == pid) {
				rc = exit_code(wstatus);
				main_done = 1;
				clock_gettime(CLOCK_MONOTONIC, &done_at);
			}
		no_children = w < 0 && errno == ECHILD;
		if (no_children && !main_done)
			return cli_error("waiting for the program: %s", strerror(ECHILD));
		if (!main_done)
			continue;
		status_read(st, status_path);
		if (!any_traced_alive(st) &&
		    (no_children || seconds_since(&done_at) >= GRACE_S))
			return rc;
	}
}

/* The path as the user would name it: relative to the working directory
 * when it lies below it. */
static const char *shown(const char *path, const char *abs_out, const char *out)
{
	static char cwd[PATH_MAX];
	size_t n;

	if (!strcmp(path, abs_out))
		return out;
	if (!cwd[0] && !getcwd(cwd, sizeof(cwd)))
		return path;
	n = strlen(cwd);
	return !strncmp(path, cwd, n) && path[n] == '/' ? path + n + 1 : path;
}

static void report_file(const char *out)
{
	size_t n = strlen(out);
	int ctr = n > 4 && !strcmp(out + n - 4, ".ctr");

	fprintf(stderr, "ctrail: wrote %s (convert: ctrail convert %s -o %.*s.json)\n",
		out, out, (int)(ctr ? n - 4 : n), out);
}

/* Every file written, every failure, and why nothing was written (the
 * runtime said why when probes asked for could not be set up: status 1). */
static void report(const struct status *st, const char *prog, const char *abs_out,
		   const char *out, int rc, int probes)
{
	for (size_t i = 0; i < st->nwrote; i++)
		report_file(shown(st->wrote[i], abs_out, out));
	for (size_t i = 0; i < st->nfailures; i++)
		fprintf(stderr, "ctrail: could not write %s\n", st->failures[i]);
	if (st->nwrote || st->nfailures || rc == 127 || rc == 126 || (probes && rc == 1))
		return;
	if (!st->nprocs)
		fprintf(stderr, "ctrail: %s wrote no snapshot to %s: it does not run the "
				"ctrail runtime (was it built with ctrail-cc or ctrail-c++?)\n",
			prog, out);
	else if (rc > 128)
		fprintf(stderr, "ctrail: %s was killed by signal %d (%s) before it wrote "
				"a snapshot\n", prog, rc - 128, strsignal(rc - 128));
	else
		fprintf(stderr, "ctrail: %s is traced but wrote no snapshot (did it "
				"leave through _exit?)\n", prog);
}

static int make_status_file(char *path, size_t size)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/ctrail-record-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return cli_error("cannot make a status file %s: %s", path, strerror(errno));
	close(fd);
	return 0;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_parser p;
	const char *value, *out = DEFAULT_OUTPUT, *ring_size = NULL;
	char **prog, *abs_out, status_path[PATH_MAX], *probes = NULL;
	struct status st = { 0 };
	sigset_t set, old;
	int opt, nprog, rc, sched = 0;
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
		else if (opt == OPT_STACK_BYTES) /* inherited by the program */
			setenv("CTRAIL_STACK_BYTES", value, 1);
		else if (opt == OPT_PROBE && !*value)
			return cli_usage_error(cmd, "--probe: empty SPEC");
		else if (opt == OPT_PROBE && !(probes = cli_list_add(probes, value)))
			return cli_error("out of memory");
		else if (opt == OPT_PROBE)
			continue;
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
	if (make_status_file(status_path, sizeof(status_path))) {
		free(abs_out);
		free(probes);
		return EXIT_ERROR;
	}
	sigemptyset(&set);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		start(prog, abs_out, status_path, ring_size, sched, probes, &old);
	if (pid < 0)
		rc = cli_error("cannot start %s: %s", prog[0], strerror(errno));
	else {
		rc = supervise(pid, &set, status_path, &st);
		report(&st, prog[0], abs_out, out, rc, probes != NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	unlink(status_path);
	status_free(&st);
	free(abs_out);
	free(probes);
	return rc;
}

const struct cli_command cmd_record = {
	.name = "record",
	.synopsis = "[-o OUT.ctr] [--ring-size SIZE] [--stack-bytes SIZE] [--sched] [--probe SPEC]... [--] PROG [ARGS...]",
	.summary = "run a program built with ctrail-cc and save its trace",
	.description =
		"Runs PROG with ARGS so that it writes its snapshot to OUT (default\n"
		DEFAULT_OUTPUT ") when it exits, gets SIGTRAP, or is stopped by SIGHUP,\n"
		"SIGINT or SIGTERM; the other processes of its tree write OUT with\n"
		"-PID before the suffix (out-4242.ctr).  Waits until PROG and every\n"
		"traced process of its tree have exited, then names each file written.\n"
		"PROG must be built with ctrail-cc / ctrail-c++.  Signals sent to ctrail\n"
		"are passed on (SIGTRAP to every traced process).  Exit status: PROG's\n"
		"own, 128 + N if signal N killed it, 127 if it could not be found.\n"
		"--probe SPEC adds functions of any ELF file PROG maps, recorded with\n"
		"uprobes: \"libc.so.6:malloc,free\", \"/path/libssl.so.3:SSL_*\" (a glob\n"
		"may match 64 functions), \"work\" (PROG's own); see docs/ctrail.md.",
	.options = options,
	.run = run,
};

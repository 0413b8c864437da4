/* cmd_attach.c - `ctrail attach PID [--probe SPEC]... [--duration D] [-o
 * OUT.ctr]`: a trace of a process that is already running.
 *
 * Built with ctrail (libctrail is mapped, or the executable has the
 * ctrail_state symbol): after the duration (if any) the process gets
 * SIGTRAP, which makes its runtime write a snapshot to its CTRAIL_OUTPUT
 * (read from /proc/PID/environ, default ctrail-%p.ctr, relative to its
 * working directory; %n is matched as any number); we wait for that file
 * to appear whole and copy it to OUT.
 *
 * Any other process: the SPEC's functions are probed with uprobes and
 * uretprobes (runtime/uprobes.c, as CTRAIL_PROBES does) whose events an
 * ftrace instance of our own (instances/ctrail-OURPID, x86-tsc clock,
 * set_event_pid = the process's threads, event-fork for their children)
 * records.  We read its text trace_pipe until the duration ends, Ctrl-C,
 * or the process exits (what was recorded is kept), then write OUT: a
 * snapshot (reason attach) with the process, a clock measured against
 * CLOCK_MONOTONIC_RAW over the attachment, one MODULE per ELF file in
 * /proc/PID/maps (segments from its program headers, its build id), one
 * event-less THREAD per thread seen (names from /proc/PID/task/N/comm) and
 * the PROBES chunk, which readers merge into the threads.  The events are
 * held in one growing array (struct events) until the end. */
#define _GNU_SOURCE
#include <dirent.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include "cli.h"
#include "ctr_write.h"
#include "out_file.h"
#include "timebase.h"
#include "uprobes.h"

#define DEFAULT_OUTPUT "ctrail.ctr"
#define SNAPSHOT_WAIT_MS 30000 /* for a ctrail-built process's file */
#define POLL_MS 50
#define BUFFER_KB "4096" /* per CPU */
#define MAX_THREADS 4096
#define MAX_MODULES 1024

static const struct cli_option options[] = {
	{ "output", 'o', "OUT", "where the trace goes (default " DEFAULT_OUTPUT ")" },
	{ "probe", 0, "SPEC", "functions to probe, [MODULE:]FUNC,...; repeatable (required for a process not built with ctrail)" },
	{ "duration", 0, "TIME", "how long to stay attached, e.g. 5s, 500ms (default: until Ctrl-C or the process exits)" },
	{ 0 },
};
enum { OPT_OUTPUT, OPT_PROBE, OPT_DURATION };

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * UINT64_C(1000000000) + ts.tv_nsec;
}

static void pair_read(struct ctr_clock_pair *p)
{
	p->monotonic_ns = now_ns(CLOCK_MONOTONIC_RAW);
	p->tsc = __rdtsc();
	p->realtime_ns = now_ns(CLOCK_REALTIME);
}

/* A whole small /proc file into buf (NUL added); its length or -1. */
static ssize_t proc_read(pid_t pid, const char *name, char *buf, size_t size)
{
	char path[128];
	ssize_t n = 0, r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (n < (ssize_t)size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* Gone, or a zombie nobody reaped yet. */
static int exited(pid_t pid)
{
	char stat[512], *paren;

	if (proc_read(pid, "stat", stat, sizeof(stat)) <= 0 || !(paren = strrchr(stat, ')')))
		return 1;
	return paren[2] == 'Z' || paren[2] == 'X';
}

static int elf_has_symbol(const char *path, const char *want)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;

	while (e && !found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    !sh.sh_entsize || !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && !found; i++) {
			GElf_Sym sym;
			const char *name;

			found = gelf_getsym(d, i, &sym) && sym.st_shndx != SHN_UNDEF &&
				(name = elf_strptr(e, sh.sh_link, sym.st_name)) && !strcmp(name, want);
		}
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return found;
}

/* Is libctrail in the process: mapped as a library, or linked in whole? */
static int built_with_ctrail(pid_t pid)
{
	char maps[64], line[4352], file[4096], exe[4096];
	FILE *f;
	int found = 0;
	ssize_t n;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	if ((f = fopen(maps, "re"))) {
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "%*s %*s %*s %*s %*s %4095s", file) == 1 &&
				strstr(file, "/libctrail");
		fclose(f);
	}
	snprintf(maps, sizeof(maps), "/proc/%d/exe", (int)pid);
	if (!found && (n = readlink(maps, exe, sizeof(exe) - 1)) > 0) {
		exe[n] = 0;
		found = elf_has_symbol(exe, "ctrail_state");
	}
	return found;
}

/* ---- a process built with ctrail: SIGTRAP and its own snapshot ---- */

/* The process's CTRAIL_OUTPUT as a glob: %p its pid, %n any number,
 * relative to its working directory. */
static int output_pattern(pid_t pid, char *pat, size_t size)
{
	static char env[1 << 16];
	char cwd[4096], path[64];
	const char *out = "ctrail-%p.ctr";
	ssize_t n = proc_read(pid, "environ", env, sizeof(env));
	size_t k = 0;

	for (ssize_t i = 0; i < n; i += strlen(env + i) + 1)
		if (!strncmp(env + i, "CTRAIL_OUTPUT=", 14) && env[i + 14])
			out = env + i + 14;
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	if (out[0] != '/') {
		if ((n = readlink(path, cwd, sizeof(cwd) - 1)) < 0)
			return -errno;
		cwd[n] = 0;
		k = snprintf(pat, size, "%s/", cwd);
	}
	for (const char *p = out; *p && k + 16 < size; p++) {
		if (p[0] == '%' && p[1] == 'p')
			k += snprintf(pat + k, size - k, "%d", (int)pid), p++;
		else if (p[0] == '%' && p[1] == 'n')
			pat[k++] = '*', p++;
		else if (p[0] == '%' && p[1] == '%')
			pat[k++] = '%', p++;
		else
			pat[k++] = *p;
	}
	pat[k] = 0;
	return 0;
}

/* The newest whole .ctr file matching pat written after `after`. */
static int fresh_file(const char *pat, const struct timespec *after, char *found, size_t size)
{
	glob_t g;
	int ok = 0;

	if (glob(pat, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct stat st;
		struct reader r;

		if (stat(g.gl_pathv[i], &st) || st.st_mtim.tv_sec < after->tv_sec ||
		    (st.st_mtim.tv_sec == after->tv_sec && st.st_mtim.tv_nsec < after->tv_nsec))
			continue;
		if (reader_open(&r, g.gl_pathv[i]) == 0) {
			snprintf(found, size, "%s", g.gl_pathv[i]);
			ok = 1;
		}
		reader_close(&r);
	}
	globfree(&g);
	return ok;
}

/* Through out_file.h, as every ctrail output. */
static int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	struct out_file o;
	int in = open(from, O_RDONLY | O_CLOEXEC), rc;
	ssize_t n = 0;

	if (in < 0)
		return -errno;
	if ((rc = out_file_open(&o, to, 0666))) {
		close(in);
		return rc;
	}
	while (!rc && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(o.fd, buf, n) != n)
			rc = -EIO;
	if (n < 0)
		rc = -errno;
	close(in);
	if (!rc)
		return out_file_commit(&o);
	out_file_discard(&o);
	return rc;
}

static void wait_ms(uint64_t ms)
{
	uint64_t end = now_ns(CLOCK_MONOTONIC) + ms * 1000000;

	while (!stop && now_ns(CLOCK_MONOTONIC) < end)
		poll(NULL, 0, POLL_MS);
}

static int attach_ctrail(pid_t pid, uint64_t duration_ns, const char *out)
{
	char pat[4200], found[4200];
	struct timespec before;
	uint64_t waited = 0;
	int rc;

	if ((rc = output_pattern(pid, pat, sizeof(pat))))
		return cli_error("process %d: cannot read its working directory: %s", (int)pid,
				 strerror(-rc));
	if (duration_ns)
		wait_ms(duration_ns / 1000000);
	clock_gettime(CLOCK_REALTIME, &before);
	before.tv_sec -= 1; /* file times are coarser than the clock */
	if (kill(pid, SIGTRAP))
		return cli_error("process %d: cannot signal it: %s", (int)pid, strerror(errno));
	while (!fresh_file(pat, &before, found, sizeof(found))) {
		if (waited >= SNAPSHOT_WAIT_MS || exited(pid))
			return cli_error("process %d wrote no snapshot to %s after SIGTRAP", (int)pid, pat);
		poll(NULL, 0, POLL_MS);
		waited += POLL_MS;
	}
	if (strcmp(found, out) && (rc = copy_file(found, out)))
		return cli_error("%s: %s", out, strerror(-rc));
	fprintf(stderr, "ctrail: process %d wrote %s%s%s\n", (int)pid, found,
		strcmp(found, out) ? ", copied to " : "", strcmp(found, out) ? out : "");
	return EXIT_OK;
}

/* ---- any other process: uprobes in an ftrace instance of our own ---- */

struct events {
	struct ctr_probe_event *e;
	size_t n, cap;
	uint64_t lost;
};

struct threads {
	struct ctr_thread t[MAX_THREADS];
	size_t n;
};

/* Adds the process's threads not listed yet, with their names. */
static void threads_scan(pid_t pid, struct threads *th, char *pids, size_t size)
{
	char dir[64], name[64], comm[32];
	struct dirent *d;
	DIR *dp;
	size_t k = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	if (!(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		uint32_t tid = strtoul(d->d_name, NULL, 10);
		size_t i = 0;

		if (!tid)
			continue;
		if (pids && k + 16 < size)
			k += snprintf(pids + k, size - k, "%u ", tid);
		while (i < th->n && th->t[i].tid != tid)
			i++;
		if (i < th->n || th->n == MAX_THREADS)
			continue;
		th->t[i] = (struct ctr_thread){ .tid = tid, .flags = tid == (uint32_t)pid ? CTR_THREAD_MAIN : 0 };
		snprintf(name, sizeof(name), "task/%u/comm", tid);
		if (proc_read(pid, name, comm, sizeof(comm)) > 0) {
			comm[strcspn(comm, "\n")] = 0;
			memcpy(th->t[i].name, comm, strnlen(comm, sizeof(th->t[i].name) - 1));
		}
		th->n++;
	}
	closedir(dp);
}

/* One line of trace_pipe: "COMM-TID [CPU] [FLAGS] TSC: eN: (0xADDR)" or
 * "... rN: (0xRET <- 0xFUNC)"; or "CPU:N [LOST M EVENTS]". */
static void line_parse(const char *line, struct events *ev)
{
	const char *br = line, *p;
	unsigned long long tsc, addr, lost;
	unsigned cpu, index;
	char kind, *end;
	struct ctr_probe_event *e;

	if (sscanf(line, "CPU:%u [LOST %llu EVENTS]", &cpu, &lost) == 2) {
		ev->lost += lost;
		return;
	}
	while ((br = strchr(br + 1, '[')) && (sscanf(br, "[%u]", &cpu) != 1 || br[-1] != ' '))
		;
	if (!br)
		return;
	for (p = br - 1; p > line && *p == ' '; p--)
		;
	while (p > line && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p == line || p[-1] != '-')
		return;
	uint32_t tid = strtoul(p, NULL, 10);
	p = strchr(br, ']') + 1;
	p += strspn(p, " ");
	if (!(*p >= '0' && *p <= '9'))
		p += strcspn(p, " "); /* irq flags */
	tsc = strtoull(p, &end, 10);
	if (*end != ':' || sscanf(end, ": %c%u: (0x%llx", &kind, &index, &addr) != 3 ||
	    (kind != 'e' && kind != 'r'))
		return;
	/* a return prints the return address first, then the function */
	if (kind == 'r' && !((p = strstr(end, " <- 0x")) && sscanf(p, " <- 0x%llx", &addr) == 1))
		return;
	if (ev->n == ev->cap) {
		size_t cap = ev->cap ? 2 * ev->cap : 4096;
		struct ctr_probe_event *grown = realloc(ev->e, cap * sizeof(*grown));

		if (!grown) {
			ev->lost++;
			return;
		}
		ev->e = grown;
		ev->cap = cap;
	}
	e = &ev->e[ev->n++];
	*e = (struct ctr_probe_event){ .tsc = tsc, .tid = tid, .cpu = cpu,
		.word = CTR_EVENT_WORD(kind == 'e' ? CTR_KIND_CALL : CTR_KIND_RETURN, addr) };
}

/* Reads what trace_pipe has now; keeps a partial last line in buf. */
static void pipe_drain(int fd, char *buf, size_t size, size_t *have, struct events *ev)
{
	ssize_t n;

	while ((n = read(fd, buf + *have, size - 1 - *have)) > 0) {
		char *line = buf, *nl;

		*have += n;
		buf[*have] = 0;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			line_parse(line, ev);
			line = nl + 1;
		}
		*have -= line - buf;
		memmove(buf, line, *have);
		if (*have == size - 1)
			*have = 0; /* a line longer than the buffer: not ours */
	}
}

static int put(const char *dir, const char *name, const char *text)
{
	char path[1400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return tracefs_write(path, text, 0);
}

static int by_tsc(const void *a, const void *b)
{
	const struct ctr_probe_event *x = a, *y = b;

	return x->tsc < y->tsc ? -1 : x->tsc > y->tsc;
}

/* One MODULE chunk for an ELF file mapped at base (its offset-0 page). */
static int module_write(struct ctr_writer *w, const char *path, uint64_t base, int main_exe)
{
	struct ctr_segment segs[16];
	struct ctr_module m = { .flags = main_exe ? CTR_MODULE_MAIN : 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	const void *id = NULL;
	ssize_t idlen = 0;
	size_t n = 0;
	int have_bias = 0;

	if (e && !elf_getphdrnum(e, &n)) {
		for (size_t i = 0; i < n && m.nsegments < 16; i++) {
			GElf_Phdr ph;

			if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (!have_bias) { /* the first PT_LOAD is at the mapping's start */
				m.bias = base - (ph.p_vaddr & ~(uint64_t)(getpagesize() - 1));
				have_bias = 1;
			}
			segs[m.nsegments++] = (struct ctr_segment){
				.start = m.bias + ph.p_vaddr, .end = m.bias + ph.p_vaddr + ph.p_memsz,
				.file_offset = ph.p_offset, .prot = ph.p_flags };
		}
		if ((idlen = dwelf_elf_gnu_build_id(e, &id)) < 0)
			idlen = 0;
	}
	if (have_bias) {
		m.build_id_size = idlen;
		m.path_size = strlen(path);
		rc = ctr_write_module(w, &m, segs, id, path);
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return rc;
}

struct modules {
	struct { char path[256]; uint64_t base; } m[MAX_MODULES];
	size_t n;
};

/* Adds every ELF file mapped from offset 0 in /proc/PID/maps not listed
 * yet (read while the process lives: a zombie has no maps). */
static void modules_scan(pid_t pid, struct modules *mods)
{
	char maps[64], line[4352], file[4096];
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	if (!(f = fopen(maps, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, off;
		size_t i = 0;

		if (sscanf(line, "%llx-%*x %*s %llx %*s %*s %4095s", &start, &off, file) != 3 ||
		    file[0] != '/' || off != 0 || strlen(file) >= sizeof(mods->m[0].path))
			continue;
		while (i < mods->n && strcmp(mods->m[i].path, file))
			i++;
		if (i < mods->n || mods->n == MAX_MODULES)
			continue;
		strcpy(mods->m[i].path, file);
		mods->m[mods->n++].base = start;
	}
	fclose(f);
}

struct attach_run {
	pid_t pid;
	struct uprobe_set set;
	char root[1024], instance[1200];
	struct events ev;
	struct threads th;
	struct modules mods;
	struct ctr_clock clock;
	uint32_t ppid;
	char exe[4096], cmdline[8192];
	ssize_t cmdline_len;
	int gone; /* the process exited while attached */
};

static int trace_write(struct attach_run *a, const char *out)
{
	struct ctr_snapshot snap = { .since_tsc = a->clock.start.tsc, .taken_tsc = a->clock.now.tsc,
				     .reason = CTR_REASON_ATTACH };
	struct ctr_process proc = { .pid = a->pid, .exe_size = strlen(a->exe),
				    .cmdline_size = a->cmdline_len > 0 ? a->cmdline_len - 1 : 0 };
	struct ctr_probes ph = { .nevents = a->ev.n, .lost = a->ev.lost, .nprobes = a->set.n };
	struct out_file o;
	struct ctr_writer w;
	struct iovec v[2];
	int rc;

	proc.ppid = a->ppid;
	if ((rc = out_file_open(&o, out, 0666)))
		return rc;
	v[0] = (struct iovec){ &snap, sizeof(snap) };
	v[1] = (struct iovec){ NULL, 0 };
	if (!(rc = ctr_writer_start(&w, o.fd)) && !(rc = ctr_write_chunk(&w, CTR_CHUNK_SNAPSHOT, v, 2)) &&
	    !(rc = ctr_write_process(&w, &proc, a->exe, a->cmdline))) {
		v[0] = (struct iovec){ &a->clock, sizeof(a->clock) };
		rc = ctr_write_chunk(&w, CTR_CHUNK_CLOCK, v, 1);
	}
	for (size_t i = 0; i < a->mods.n && !rc; i++)
		rc = module_write(&w, a->mods.m[i].path, a->mods.m[i].base,
				  !strcmp(a->mods.m[i].path, a->exe));
	for (size_t i = 0; i < a->th.n && !rc; i++)
		rc = ctr_write_thread(&w, &a->th.t[i], NULL);
	if (!rc) {
		v[0] = (struct iovec){ &ph, sizeof(ph) };
		v[1] = (struct iovec){ a->ev.e, a->ev.n * sizeof(*a->ev.e) };
		rc = ctr_write_chunk(&w, CTR_CHUNK_PROBES, v, 2);
	}
	if (!rc)
		rc = ctr_writer_end(&w);
	if (!rc)
		return out_file_commit(&o);
	out_file_discard(&o);
	return rc;
}

/* The instance: x86-tsc clock, the process's threads, our probes on. */
static int instance_setup(struct attach_run *a, const char **what)
{
	char pids[MAX_THREADS * 12];
	int rc;

	*what = "no usable tracefs at";
	if ((rc = tracefs_root(getenv("CTRAIL_TRACEFS"), a->root, sizeof(a->root))))
		return rc;
	tracefs_stale_remove(a->root);
	snprintf(a->instance, sizeof(a->instance), "%s/instances/ctrail-%d", a->root, (int)getpid());
	*what = "cannot create";
	if (mkdir(a->instance, 0700))
		return -errno;
	*what = "cannot set up";
	threads_scan(a->pid, &a->th, pids, sizeof(pids));
	if ((rc = put(a->instance, "trace_clock", "x86-tsc")) ||
	    (rc = put(a->instance, "buffer_size_kb", BUFFER_KB)) ||
	    (rc = put(a->instance, "options/event-fork", "1")) ||
	    (rc = put(a->instance, "set_event_pid", pids)))
		return rc;
	*what = NULL; /* the rest says what went wrong itself */
	if ((rc = uprobes_define(&a->set, a->root, getpid())) ||
	    (rc = uprobes_enable(&a->set, a->instance)))
		return rc;
	return 0;
}

static void collect(struct attach_run *a, uint64_t duration_ns)
{
	static char buf[1 << 16];
	char path[1300];
	size_t have = 0;
	uint64_t end = duration_ns ? now_ns(CLOCK_MONOTONIC) + duration_ns : UINT64_MAX;
	int fd;

	snprintf(path, sizeof(path), "%s/trace_pipe", a->instance);
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		return;
	while (!stop && now_ns(CLOCK_MONOTONIC) < end && !(a->gone = exited(a->pid))) {
		pipe_drain(fd, buf, sizeof(buf), &have, &a->ev);
		threads_scan(a->pid, &a->th, NULL, 0);
		modules_scan(a->pid, &a->mods);
		poll(NULL, 0, POLL_MS);
	}
	put(a->instance, "tracing_on", "0");
	pipe_drain(fd, buf, sizeof(buf), &have, &a->ev);
	close(fd);
}

static int attach_probes(pid_t pid, const char *spec, uint64_t duration_ns, const char *out)
{
	static struct attach_run a;
	const char *what = NULL;
	char link[64], stat[512];
	ssize_t n;
	int rc;

	a.pid = pid;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	if ((n = readlink(link, a.exe, sizeof(a.exe) - 1)) < 0)
		return cli_error("process %d: %s", (int)pid, strerror(errno));
	a.exe[n] = 0;
	a.cmdline_len = proc_read(pid, "cmdline", a.cmdline, sizeof(a.cmdline));
	if (proc_read(pid, "stat", stat, sizeof(stat)) > 0 && strrchr(stat, ')'))
		sscanf(strrchr(stat, ')') + 2, "%*c %u", &a.ppid);
	modules_scan(pid, &a.mods);
	if ((rc = uprobes_resolve(&a.set, spec, pid)))
		return cli_error("%s", a.set.err);
	pair_read(&a.clock.start);
	rc = instance_setup(&a, &what);
	if (!rc) {
		fprintf(stderr, "ctrail: attached to %d, probing %zu function(s)%s\n", (int)pid, a.set.n,
			duration_ns ? "" : "; Ctrl-C to stop");
		collect(&a, duration_ns);
	}
	if (a.instance[0])
		rmdir(a.instance);
	uprobes_remove(&a.set);
	if (rc && what)
		rc = cli_error("%s %s: %s", what, a.instance[0] ? a.instance : a.root, strerror(-rc));
	else if (rc)
		rc = cli_error("%s", a.set.err);
	if (rc)
		return rc;
	pair_read(&a.clock.now);
	a.clock.source = CTR_CLOCK_MEASURED;
	a.clock.tsc_hz = (double)(a.clock.now.tsc - a.clock.start.tsc) * 1e9 /
			 (double)(a.clock.now.monotonic_ns - a.clock.start.monotonic_ns);
	qsort(a.ev.e, a.ev.n, sizeof(*a.ev.e), by_tsc);
	if ((rc = trace_write(&a, out)))
		return cli_error("%s: %s", out, strerror(-rc));
	if (a.gone)
		fprintf(stderr, "ctrail: process %d exited while attached; kept what was recorded\n",
			(int)pid);
	fprintf(stderr, "ctrail: wrote %s (%zu probe events, %llu lost)\n", out, a.ev.n,
		(unsigned long long)a.ev.lost);
	free(a.ev.e);
	uprobes_free(&a.set);
	return EXIT_OK;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct cli_parser p;
	struct sigaction sa = { .sa_handler = on_stop };
	const char *value, *out = DEFAULT_OUTPUT, *pid_arg = NULL;
	char *spec = NULL, *end;
	uint64_t duration_ns = 0;
	int opt, rc;
	long pid;

	cli_parser_init(&p, cmd, argc, argv);
	while ((opt = cli_next(&p, &value)) != CLI_DONE) {
		if (opt == OPT_OUTPUT)
			out = value;
		else if (opt == OPT_PROBE && (!*value || !(spec = cli_list_add(spec, value))))
			return *value ? cli_error("out of memory") : cli_usage_error(cmd, "--probe: empty SPEC");
		else if (opt == OPT_DURATION && (parse_duration(value, &duration_ns) || !duration_ns))
			return cli_usage_error(cmd, "--duration %s: expected a time, e.g. 5s, 500ms", value);
		else if (opt == CLI_ARG && pid_arg)
			return cli_usage_error(cmd, "one PID only");
		else if (opt == CLI_ARG)
			pid_arg = value;
	}
	if (!pid_arg)
		return cli_usage_error(cmd, "missing PID");
	pid = strtol(pid_arg, &end, 10);
	if (*end || pid <= 0)
		return cli_usage_error(cmd, "%s: not a process id", pid_arg);
	if (exited(pid))
		return cli_error("no process %ld", pid);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	elf_version(EV_CURRENT);
	if (built_with_ctrail(pid))
		rc = spec ? cli_usage_error(cmd, "process %ld is built with ctrail: start it with "
					    "CTRAIL_PROBES=SPEC to probe functions", pid)
			  : attach_ctrail(pid, duration_ns, out);
	else
		rc = !spec ? cli_usage_error(cmd, "process %ld is not built with ctrail: name the "
					     "functions to trace with --probe SPEC", pid)
			   : attach_probes(pid, spec, duration_ns, out);
	free(spec);
	return rc;
}

const struct cli_command cmd_attach = {
	.name = "attach",
	.synopsis = "PID [--probe SPEC]... [--duration TIME] [-o OUT.ctr]",
	.summary = "trace a running process (its snapshot, or uprobes)",
	.description =
		"A process built with ctrail gets SIGTRAP after TIME (default: at once)\n"
		"and writes its snapshot to its CTRAIL_OUTPUT; it is copied to OUT.\n"
		"Any other process: the functions SPEC names ([MODULE:]FUNC,FUNC...;\n"
		"globs match at most 64) are probed with uprobes until TIME has passed,\n"
		"Ctrl-C, or the process exits, and OUT gets a trace of their calls with\n"
		"the process's modules and threads.  Needs a writable tracefs (root).\n"
		"Uprobes trap: each probed call costs microseconds.",
	.options = options,
	.run = run,
};

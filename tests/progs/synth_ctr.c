/* synth_ctr.c - writes synthetic .ctr files with exact, chosen times, for
 * the tests of ctrail diff (tests/e2e/views.sh) and the scope benchmark
 * (bench/scope.sh).  Built by tests/build.mk with the plain compiler (not
 * a traced program).  The events' addresses are functions of this very
 * binary, described by a MODULE chunk made from dl_iterate_phdr, so
 * `ctrail` resolves them to the names in funcs[] below.
 *
 *   synth_ctr OUT.ctr < DESCRIPTION
 *   synth_ctr --random EVENTS THREADS SECONDS OUT.ctr
 *
 * A description is lines of words:
 *   hz N                  the TSC rate (default 1000000000: ticks are ns)
 *   snapshot NAME [RANK TICKS]  starts a snapshot; with RANK, a kept flow
 *                         occurrence of that rank lasting TICKS
 *   thread TID NAME       the events that follow are this thread's
 *   call FUNC TSC         a call of FUNC (a name of funcs[]) at TSC
 *   return FUNC TSC       its return
 * Events before any snapshot line go to an unnamed first snapshot.
 * --random writes one snapshot of EVENTS call/return events in THREADS
 * threads, nested like a program (depth <= 12) and spread over SECONDS at
 * 2.5 GHz, busy and idle in turns so a heatmap shows a pattern. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ctr_write.h"

#define FUNC(n) __attribute__((noinline, used)) void n(void) { __asm__ volatile(""); }
FUNC(main_loop) FUNC(handle) FUNC(grow) FUNC(shrink) FUNC(same) FUNC(gone)
FUNC(fresh) FUNC(parse) FUNC(lookup) FUNC(insert) FUNC(flush) FUNC(leaf)
static const struct { const char *name; void (*fn)(void); } funcs[] = {
	{ "main_loop", main_loop }, { "handle", handle }, { "grow", grow },
	{ "shrink", shrink }, { "same", same }, { "gone", gone }, { "fresh", fresh },
	{ "parse", parse }, { "lookup", lookup }, { "insert", insert },
	{ "flush", flush }, { "leaf", leaf },
};
#define NFUNCS (sizeof(funcs) / sizeof(funcs[0]))

struct thread {
	struct ctr_thread hdr;
	struct ctr_event *events;
	size_t cap;
	uint64_t last_tsc;
};

struct snapshot {
	struct ctr_snapshot hdr;
	char name[64];
	struct thread threads[16];
	int nthreads;
};

static struct ctr_module module;
static struct ctr_segment segs[8];
static char exe[4096];
static uint64_t hz = 1000000000;

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	module.bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum && module.nsegments < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD)
			segs[module.nsegments++] = (struct ctr_segment){
				info->dlpi_addr + ph->p_vaddr,
				info->dlpi_addr + ph->p_vaddr + ph->p_memsz,
				ph->p_offset, ph->p_flags, 0 };
	}
	return 1; /* the first object is the executable */
}

static void die(const char *what)
{
	fprintf(stderr, "synth_ctr: %s\n", what);
	exit(1);
}

static void add_event(struct thread *t, unsigned kind, size_t func, uint64_t tsc)
{
	uintptr_t addr = (uintptr_t)funcs[func].fn + (kind == CTR_KIND_RETURN);

	if (t->hdr.nevents == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 1024;
		t->events = realloc(t->events, t->cap * sizeof(*t->events));
		if (!t->events)
			die("out of memory");
	}
	t->events[t->hdr.nevents++] = (struct ctr_event){ CTR_EVENT_WORD(kind, addr), tsc };
	if (tsc > t->last_tsc)
		t->last_tsc = tsc;
}

static void write_snapshot(struct ctr_writer *w, struct snapshot *s)
{
	struct ctr_process proc = { .pid = getpid(), .ppid = getppid(),
				    .exe_size = strlen(exe) };
	struct ctr_clock clk = { .tsc_hz = hz, .source = CTR_CLOCK_MEASURED };
	uint64_t last = 0;
	int err;

	for (int i = 0; i < s->nthreads; i++)
		if (s->threads[i].last_tsc > last)
			last = s->threads[i].last_tsc;
	s->hdr.taken_tsc = last + 1;
	s->hdr.name_size = strlen(s->name);
	err = ctr_write_chunk(w, CTR_CHUNK_SNAPSHOT, (struct iovec[]){
			{ &s->hdr, sizeof(s->hdr) }, { s->name, s->hdr.name_size } }, 2) ||
	      ctr_write_process(w, &proc, exe, "") ||
	      ctr_write_chunk(w, CTR_CHUNK_CLOCK, &(struct iovec){ &clk, sizeof(clk) }, 1) ||
	      ctr_write_module(w, &module, segs, NULL, exe);
	for (int i = 0; i < s->nthreads && !err; i++) {
		struct thread *t = &s->threads[i];

		t->hdr.written = t->hdr.capacity = t->hdr.nevents;
		err = ctr_write_thread(w, &t->hdr, t->events);
		free(t->events);
	}
	if (err)
		die("cannot write the file");
	memset(s, 0, sizeof(*s));
}

static size_t func_named(const char *name)
{
	for (size_t i = 0; i < NFUNCS; i++)
		if (!strcmp(funcs[i].name, name))
			return i;
	die("unknown function in the description");
	return 0;
}

static void describe(struct ctr_writer *w)
{
	static struct snapshot s;
	struct thread *t = NULL;
	char line[256], word[64], name[64];
	unsigned long long a, b;
	int started = 0;

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "hz %llu", &a) == 1)
			hz = a;
		else if (sscanf(line, "snapshot %63s", name) == 1) {
			if (started)
				write_snapshot(w, &s);
			started = 1;
			snprintf(s.name, sizeof(s.name), "%s", name);
			if (sscanf(line, "snapshot %*s %llu %llu", &a, &b) == 2)
				s.hdr = (struct ctr_snapshot){ .reason = CTR_REASON_FLOW,
							       .rank = a, .duration_tsc = b };
			t = NULL;
		} else if (sscanf(line, "thread %llu %15s", &a, name) == 2) {
			if (s.nthreads == 16)
				die("too many threads");
			started = 1;
			t = &s.threads[s.nthreads++];
			t->hdr.tid = a;
			t->hdr.flags = s.nthreads == 1 ? CTR_THREAD_MAIN : 0;
			memcpy(t->hdr.name, name, strlen(name));
		} else if (sscanf(line, "%63s %63s %llu", word, name, &a) == 3 && t &&
			   (!strcmp(word, "call") || !strcmp(word, "return"))) {
			add_event(t, word[0] == 'c' ? CTR_KIND_CALL : CTR_KIND_RETURN,
				  func_named(name), a);
		} else if (line[strspn(line, " \t\n")])
			die("bad description line");
	}
	write_snapshot(w, &s);
}

/* One thread's share of --random: a walk over the call tree that returns
 * to depth 0 every so often, busy for a while and then idle. */
static void random_thread(struct thread *t, uint64_t n, uint64_t span, uint64_t seed)
{
	uint64_t tsc = 1000000000000ULL, gap = span / (n + 1) / 2;
	int stack[16], depth = 0;

	for (uint64_t i = 0; i < n; i++) {
		int call;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		call = depth == 0 || (depth < 12 && (seed >> 40) % 2 == 0);
		if (n - i <= (uint64_t)depth)
			call = 0; /* end with everything returned */
		/* idle a quarter of the time, in stretches of 16 Ki events */
		tsc += depth == 0 && (i >> 14) % 4 == 3 ? 4 * gap : (seed >> 33) % (2 * gap + 1);
		if (call) {
			stack[depth] = 1 + (seed >> 20) % (NFUNCS - 1);
			add_event(t, CTR_KIND_CALL, stack[depth++], tsc);
		} else
			add_event(t, CTR_KIND_RETURN, stack[--depth], tsc);
	}
}

static void random_trace(struct ctr_writer *w, char **argv)
{
	static struct snapshot s;
	uint64_t events = strtoull(argv[0], NULL, 10);
	int threads = atoi(argv[1]);
	double seconds = atof(argv[2]);

	if (threads < 1 || threads > 16 || events < 2 || seconds <= 0)
		die("--random EVENTS THREADS SECONDS: bad numbers");
	hz = 2500000000ULL;
	snprintf(s.name, sizeof(s.name), "random");
	for (int i = 0; i < threads; i++) {
		struct thread *t = &s.threads[s.nthreads++];

		t->hdr.tid = 1000 + i;
		snprintf(t->hdr.name, sizeof(t->hdr.name), "worker-%d", i & 15);
		random_thread(t, events / threads / 2 * 2, (uint64_t)(seconds * hz), 12345 + i);
	}
	write_snapshot(w, &s);
}

int main(int argc, char **argv)
{
	int random = argc == 6 && !strcmp(argv[1], "--random");
	const char *out = argv[argc - 1];
	struct ctr_writer w;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int fd;

	if (argc != 2 && !random) {
		fprintf(stderr, "usage: synth_ctr OUT.ctr < DESCRIPTION\n"
				"       synth_ctr --random EVENTS THREADS SECONDS OUT.ctr\n");
		return 2;
	}
	if (n < 0)
		die("cannot read /proc/self/exe");
	dl_iterate_phdr(find_self, NULL);
	module.path_size = n;
	module.flags = CTR_MODULE_MAIN;
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || ctr_writer_start(&w, fd))
		die("cannot create the output");
	if (random)
		random_trace(&w, argv + 2);
	else
		describe(&w);
	if (ctr_writer_end(&w) || close(fd))
		die("cannot write the file");
	return 0;
}

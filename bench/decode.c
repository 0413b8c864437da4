/* decode.c - decode throughput of `ctrail convert`, per output format.
 *
 * Writes a synthetic .ctr snapshot with format/ctr_write.c: one thread of
 * call/return events nested like a real program, whose addresses are
 * functions of this very binary, described by a MODULE chunk made from
 * dl_iterate_phdr, so symbolization resolves real symbols with files and
 * lines.  Then, for the same snapshot, times reader + symbolizer +
 * timeline + emitter into a temporary file for JSON, FXT and Perfetto
 * protobuf in turn, and prints a line per format: events per second,
 * output bytes per call (call + return) and MB, and the peak RSS.
 * Figures only: nothing is asserted (goals: JSON 5 M events/s; FXT and
 * protobuf 20 M events/s, at most 24 bytes per call).
 *
 * usage: decode [EVENTS] (default 4000000) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "ctr_write.h"
#include "emit.h"
#include "reader.h"

/* The functions whose addresses the events carry; never called. */
#define FUNC(n) __attribute__((noinline, used)) void bench_f##n(void) { __asm__ volatile(""); }
FUNC(0) FUNC(1) FUNC(2) FUNC(3) FUNC(4) FUNC(5) FUNC(6) FUNC(7)
static void (*const funcs[])(void) = { bench_f0, bench_f1, bench_f2, bench_f3,
				       bench_f4, bench_f5, bench_f6, bench_f7 };

struct self {
	uint64_t bias;
	struct ctr_segment segs[8];
	uint32_t nsegs;
};

static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct self *s = arg;

	s->bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum && s->nsegs < 8; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD)
			continue;
		s->segs[s->nsegs++] = (struct ctr_segment){
			info->dlpi_addr + ph->p_vaddr,
			info->dlpi_addr + ph->p_vaddr + ph->p_memsz,
			ph->p_offset, ph->p_flags, 0 };
	}
	return 1; /* the first object is the executable */
}

/* Calls and returns of a random walk over the call tree, depth <= 12. */
static struct ctr_event *make_events(uint64_t n, uint64_t tsc)
{
	struct ctr_event *ev = malloc(n * sizeof(*ev));
	int stack[16], depth = 0;
	uint64_t seed = 12345;

	for (uint64_t i = 0; i < n; i++) {
		int call;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		call = depth == 0 || (depth < 12 && (seed >> 40) % 2 == 0);
		if (n - i <= (uint64_t)depth)
			call = 0; /* end with everything returned */
		tsc += 20 + (seed >> 60);
		if (call) {
			int f = (seed >> 33) % 8;

			stack[depth++] = f;
			ev[i] = (struct ctr_event){
				CTR_EVENT_WORD(CTR_KIND_CALL, (uintptr_t)funcs[f]), tsc };
		} else {
			int f = stack[--depth];

			ev[i] = (struct ctr_event){
				CTR_EVENT_WORD(CTR_KIND_RETURN, (uintptr_t)funcs[f] + 1), tsc };
		}
	}
	return ev;
}

static void write_trace(const char *path, uint64_t nevents)
{
	struct self self = { 0 };
	char exe[4096];
	ssize_t exe_len = readlink("/proc/self/exe", exe, sizeof(exe));
	uint64_t start = 1000000000000ULL;
	struct ctr_event *ev = make_events(nevents, start);
	struct ctr_snapshot snap = { .taken_tsc = ev[nevents - 1].tsc + 10,
				     .reason = CTR_REASON_API };
	struct ctr_process proc = { .pid = getpid(), .ppid = getppid(),
				    .exe_size = exe_len };
	struct ctr_clock clk = { .tsc_hz = 2500000000ULL, .source = CTR_CLOCK_MEASURED };
	struct ctr_module mod;
	struct ctr_thread th = { .tid = getpid(), .flags = CTR_THREAD_MAIN,
				 .name = "bench", .capacity = nevents,
				 .written = nevents, .nevents = nevents };
	struct ctr_writer w;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	dl_iterate_phdr(find_self, &self);
	mod = (struct ctr_module){ .bias = self.bias, .nsegments = self.nsegs,
				   .path_size = exe_len, .flags = CTR_MODULE_MAIN };
	if (fd < 0 || exe_len < 0 || ctr_writer_start(&w, fd) ||
	    ctr_write_chunk(&w, CTR_CHUNK_SNAPSHOT, &(struct iovec){ &snap, sizeof(snap) }, 1) ||
	    ctr_write_process(&w, &proc, exe, "") ||
	    ctr_write_chunk(&w, CTR_CHUNK_CLOCK, &(struct iovec){ &clk, sizeof(clk) }, 1) ||
	    ctr_write_module(&w, &mod, self.segs, NULL, exe) ||
	    ctr_write_thread(&w, &th, ev) ||
	    ctr_writer_end(&w) || close(fd)) {
		perror("bench: writing the trace");
		exit(1);
	}
	free(ev);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Converts the trace to `format`, timing it from opening the trace. */
static void run(const char *trace, const struct output_format *format,
		uint64_t nevents)
{
	char out[64];
	struct reader r;
	struct symbolizer *syms;
	struct time_base tb;
	struct timeline tl;
	struct stat st;
	double t0, t1;
	void *emitter;
	int fd;

	snprintf(out, sizeof(out), "%s%s", trace, format->suffix);
	t0 = seconds();
	if (reader_open(&r, trace)) {
		fprintf(stderr, "bench: %s: offset %llu: %s\n", trace,
			(unsigned long long)r.err_offset, r.err);
		exit(1);
	}
	syms = symbolizer_new();
	for (size_t i = 0; i < r.snapshots[0].nmodules; i++) {
		const struct reader_module *m = &r.snapshots[0].modules[i];
		char *path = strndup(m->path, m->hdr->path_size);

		symbolizer_add_module(syms, path, m->hdr->bias, m->segs,
				      m->hdr->nsegments, m->build_id,
				      m->hdr->build_id_size);
		free(path);
	}
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	emitter = format->open(fd);
	time_base_init(&tb, &r.snapshots[0], 0);
	timeline_init(&tl, syms, format->ops, emitter);
	if (timeline_snapshot(&tl, &r.snapshots[0], &tb, NULL, NULL, NULL) ||
	    format->close(emitter)) {
		fprintf(stderr, "bench: decoding to %s failed\n", format->name);
		exit(1);
	}
	t1 = seconds();
	fstat(fd, &st);
	close(fd);
	timeline_free(&tl);
	symbolizer_free(syms);
	reader_close(&r);
	printf("decode: %-8s %6.3f s %6.2f M events/s %6.1f bytes/call %7.1f MB\n",
	       format->name, t1 - t0, nevents / (t1 - t0) / 1e6,
	       st.st_size / (nevents / 2.0), st.st_size / 1e6);
	unlink(out);
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "json", "fxt", "perfetto" };
	uint64_t nevents = argc > 1 ? strtoull(argv[1], NULL, 10) : 4000000;
	char trace[] = "/tmp/ctrail-bench-XXXXXX";
	struct rusage ru;

	if (nevents < 2)
		nevents = 2;
	close(mkstemp(trace));
	write_trace(trace, nevents);
	getrusage(RUSAGE_SELF, &ru);
	printf("decode: %llu events (%llu calls), trace %s; RSS after making it %ld MB\n",
	       (unsigned long long)nevents, (unsigned long long)nevents / 2,
	       trace, ru.ru_maxrss / 1024);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		run(trace, output_format_named(names[i]), nevents);
	getrusage(RUSAGE_SELF, &ru);
	printf("decode: goals: json 5 M events/s; fxt and perfetto 20 M events/s, <= 24 bytes/call\n");
	printf("decode: peak RSS %ld MB (includes the %llu MB event array made for the trace)\n",
	       ru.ru_maxrss / 1024, (unsigned long long)(nevents * 16 >> 20));
	unlink(trace);
	return 0;
}

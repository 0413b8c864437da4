/* test_reader.c - the .ctr reader against files made with format/ctr_write.c:
 * a good file must come back as the model that was written; damaged ones
 * (cut at every length, bad magic, wrong version, oversized sizes, empty,
 * no END, counts past their chunk) must be rejected at the right offset;
 * unknown chunk tags must be skipped.  Files are built in a memfd and read
 * back into an 8-byte aligned buffer, then patched in place for damage. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ctr_write.h"
#include "reader.h"

static int failures;

#define CHECK(name, cond, ...)                                      \
	do {                                                        \
		if (cond)                                           \
			printf("PASS %s\n", name);                  \
		else {                                              \
			printf("FAIL %s: ", name);                  \
			printf(__VA_ARGS__);                        \
			printf("\n");                               \
			failures++;                                 \
		}                                                   \
	} while (0)

/* A file under construction: the writer, and where each chunk started. */
struct build {
	struct ctr_writer w;
	int fd;
	uint64_t starts[64];
	int nchunks;
};

struct file {
	uint64_t *words; /* aligned storage */
	size_t size;
	uint64_t starts[64]; /* chunk header offsets, END's included */
	int nchunks;
};

static void chunk(struct build *b, uint32_t tag, const void *a, size_t alen,
		  const void *c, size_t clen, const void *d, size_t dlen)
{
	struct iovec parts[3] = { { (void *)a, alen }, { (void *)c, clen },
				  { (void *)d, dlen } };

	b->starts[b->nchunks++] = lseek(b->fd, 0, SEEK_CUR);
	if (ctr_write_chunk(&b->w, tag, parts, 3))
		abort();
}

/* Ends the file and reads it back into aligned storage. */
static struct file finish(struct build *b)
{
	struct file f = { 0 };

	ctr_writer_end(&b->w);
	f.size = lseek(b->fd, 0, SEEK_CUR);
	f.words = calloc(1, f.size + 8);
	if (pread(b->fd, f.words, f.size, 0) != (ssize_t)f.size)
		abort();
	close(b->fd);
	memcpy(f.starts, b->starts, sizeof(b->starts));
	f.nchunks = b->nchunks;
	return f;
}

static const struct ctr_event events0[] = {
	{ CTR_EVENT_WORD(CTR_KIND_CALL, 0x401000), 100 },
	{ CTR_EVENT_WORD(CTR_KIND_CALL, 0x401100), 110 },
	{ CTR_EVENT_WORD(CTR_KIND_RETURN, 0x401104), 120 },
	{ CTR_EVENT_WORD(CTR_KIND_RETURN, 0x401010), 130 },
};

static const struct ctr_event events1[] = {
	{ CTR_EVENT_WORD(CTR_KIND_CATCH, 0x7f0000001234), 200 },
};

/* One snapshot (or two), with every chunk type and one unknown tag. */
static struct file make_file(int nsnapshots)
{
	struct build b = { .fd = memfd_create("ctr", 0) };

	ctr_writer_start(&b.w, b.fd);
	for (int s = 0; s < nsnapshots; s++) {
		struct ctr_snapshot snap = { .since_tsc = 5, .taken_tsc = 1000,
					     .reason = CTR_REASON_EXIT,
					     .name_size = 3, .dropped_threads = 1,
					     .dropped_events = 7 };
		struct ctr_process proc = { .pid = 42, .ppid = 1, .exe_size = 8,
					    .cmdline_size = 9 };
		struct ctr_clock clk = { .tsc_hz = 1000000000,
					 .source = CTR_CLOCK_KERNEL };
		struct ctr_module mod = { .bias = 0x400000, .nsegments = 1,
					  .build_id_size = 2, .path_size = 8,
					  .flags = CTR_MODULE_MAIN };
		struct ctr_segment seg = { 0x401000, 0x402000, 0x1000, 5, 0 };
		uint8_t idpath[10] = { 0xab, 0xcd, '/', 'b', 'i', 'n', '/', 'p', 'r', 'g' };
		struct ctr_thread t0 = { .tid = 42, .flags = CTR_THREAD_MAIN,
					 .name = "prog", .capacity = 256,
					 .written = 4, .nevents = 4 };
		struct ctr_thread t1 = { .tid = 43, .flags = CTR_THREAD_EXITED,
					 .name = "worker", .capacity = 256,
					 .written = 300, .overwritten = 44,
					 .nevents = 1 };
		uint64_t unknown = 0x1234;

		chunk(&b, CTR_CHUNK_SNAPSHOT, &snap, sizeof(snap), "big", 3, NULL, 0);
		chunk(&b, CTR_CHUNK_PROCESS, &proc, sizeof(proc), "/bin/prg", 8,
		      "prg\0-x\0y\0", 9);
		chunk(&b, CTR_CHUNK_CLOCK, &clk, sizeof(clk), NULL, 0, NULL, 0);
		chunk(&b, CTR_CHUNK_MODULE, &mod, sizeof(mod), &seg, sizeof(seg),
		      idpath, sizeof(idpath));
		chunk(&b, 99, &unknown, 5, NULL, 0, NULL, 0);
		chunk(&b, CTR_CHUNK_THREAD, &t0, sizeof(t0), events0,
		      sizeof(events0), NULL, 0);
		chunk(&b, CTR_CHUNK_THREAD, &t1, sizeof(t1), events1,
		      sizeof(events1), NULL, 0);
	}
	b.starts[b.nchunks++] = lseek(b.fd, 0, SEEK_CUR);
	return finish(&b);
}

static uint8_t *bytes(struct file *f) { return (uint8_t *)f->words; }

/* Loads f (or its first size bytes) and says whether it failed at offset. */
static int rejected_at(struct file *f, size_t size, uint64_t offset,
		       struct reader *r)
{
	int err = reader_load(r, f->words, size);

	reader_close(r);
	return err != 0 && r->err_offset == offset;
}

static void test_good(void)
{
	struct file f = make_file(1);
	struct reader r;
	int err = reader_load(&r, f.words, f.size);
	const struct reader_snapshot *s = &r.snapshots[0];

	CHECK("good file loads", err == 0, "offset %llu: %s",
	      (unsigned long long)r.err_offset, r.err);
	if (err)
		return;
	CHECK("one snapshot, chunks counted", r.nsnapshots == 1 && r.chunks == 7,
	      "%zu snapshots, %llu chunks", r.nsnapshots,
	      (unsigned long long)r.chunks);
	CHECK("snapshot fields", s->hdr->taken_tsc == 1000 &&
	      s->hdr->reason == CTR_REASON_EXIT && !memcmp(s->name, "big", 3) &&
	      s->hdr->dropped_events == 7, "bad snapshot");
	CHECK("process fields", s->process->pid == 42 &&
	      !memcmp(s->exe, "/bin/prg", 8) && !memcmp(s->cmdline, "prg\0-x", 6),
	      "bad process");
	CHECK("clock fields", s->clock->tsc_hz == 1000000000 &&
	      s->clock->source == CTR_CLOCK_KERNEL, "bad clock");
	CHECK("module fields", s->nmodules == 1 &&
	      s->modules[0].segs[0].end == 0x402000 &&
	      s->modules[0].build_id[1] == 0xcd &&
	      !memcmp(s->modules[0].path, "/bin/prg", 8), "bad module");
	CHECK("unknown chunk tag skipped, threads kept", s->nthreads == 2,
	      "%zu threads", s->nthreads);
	CHECK("thread events point into the file",
	      s->threads[0].hdr->nevents == 4 &&
	      s->threads[0].events[2].tsc == 120 &&
	      CTR_EVENT_KIND(s->threads[1].events[0].word) == CTR_KIND_CATCH &&
	      !strcmp(s->threads[1].name, "worker"), "bad threads");
	reader_close(&r);
	free(f.words);
}

static void test_two_snapshots(void)
{
	struct file f = make_file(2);
	struct reader r;
	int err = reader_load(&r, f.words, f.size);

	CHECK("two snapshots", err == 0 && r.nsnapshots == 2 &&
	      r.snapshots[1].nthreads == 2 && r.snapshots[1].nmodules == 1 &&
	      r.snapshots[1].offset == f.starts[7], "err %d: %s", err, r.err);
	reader_close(&r);
	free(f.words);
}

/* Where a file cut to len bytes must be reported. */
static uint64_t cut_offset(const struct file *f, size_t len)
{
	if (len == 0)
		return 0;
	if (len < sizeof(struct ctr_file_header))
		return len;
	for (int i = 0; i < f->nchunks; i++) {
		uint64_t at = f->starts[i];
		const struct ctr_chunk_header *h = (const void *)((const uint8_t *)f->words + at);
		uint64_t padded = (h->size + 7) & ~7ull;

		if (len == at)
			return at;                /* no END chunk */
		if (len < at + 16)
			return at;                /* header cut short */
		if (len < at + 16 + h->size)
			return at + 8;            /* size runs past the end */
		if (len < at + 16 + padded)
			return len;               /* padding cut short */
	}
	abort();
}

static void test_truncated(void)
{
	struct file f = make_file(1);
	struct reader r;
	size_t bad = 0;
	uint64_t first_bad = 0, want = 0;

	for (size_t len = 0; len < f.size; len++) {
		uint64_t *copy = malloc(len + 8);

		memcpy(copy, f.words, len);
		want = cut_offset(&f, len);
		if (reader_load(&r, copy, len) == 0 || r.err_offset != want) {
			if (!bad++)
				first_bad = len;
		}
		reader_close(&r);
		free(copy);
	}
	CHECK("cut at every length: rejected at the right offset", bad == 0,
	      "%zu lengths wrong, first %llu", bad, (unsigned long long)first_bad);
	free(f.words);
}

static void test_damage(void)
{
	struct reader r;
	struct file f = make_file(1);
	struct ctr_chunk_header *thread_h =
		(void *)(bytes(&f) + f.starts[5]);
	struct ctr_thread *thread = (void *)(thread_h + 1);
	uint64_t saved;

	CHECK("zero-length file", rejected_at(&f, 0, 0, &r), "%s", r.err);

	bytes(&f)[3] ^= 0xff;
	CHECK("bad magic", rejected_at(&f, f.size, 0, &r), "%s", r.err);
	bytes(&f)[3] ^= 0xff;

	((struct ctr_file_header *)f.words)->version = 2;
	CHECK("wrong version", rejected_at(&f, f.size, 8, &r) &&
	      strstr(r.err, "version 2"), "%s", r.err);
	((struct ctr_file_header *)f.words)->version = CTR_VERSION;

	saved = thread_h->size;
	thread_h->size = UINT64_MAX - 3;
	CHECK("oversized chunk size", rejected_at(&f, f.size, f.starts[5] + 8, &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	thread_h->size = saved;

	thread->nevents = 5;
	CHECK("event count past its chunk",
	      rejected_at(&f, f.size, f.starts[5] + 16 + offsetof(struct ctr_thread, nevents), &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	thread->nevents = UINT64_MAX / 8;
	CHECK("huge event count does not wrap",
	      rejected_at(&f, f.size, f.starts[5] + 16 + offsetof(struct ctr_thread, nevents), &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	thread->nevents = 3;
	CHECK("event count short of its chunk", rejected_at(&f, f.size, f.starts[5] + 8, &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	thread->nevents = 4;

	{
		struct ctr_module *m = (void *)(bytes(&f) + f.starts[3] + 16);

		m->path_size = 1000;
		CHECK("module path past its chunk",
		      rejected_at(&f, f.size, f.starts[3] + 16 + offsetof(struct ctr_module, nsegments), &r),
		      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
		m->path_size = 8;
	}
	{
		struct ctr_process *p = (void *)(bytes(&f) + f.starts[1] + 16);

		p->cmdline_size = 0xffffffff;
		CHECK("process strings past their chunk",
		      rejected_at(&f, f.size, f.starts[1] + 16 + offsetof(struct ctr_process, exe_size), &r),
		      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
		p->cmdline_size = 9;
	}
	{
		struct ctr_end *e = (void *)(bytes(&f) + f.starts[7] + 16);

		e->chunks = 3;
		CHECK("END chunk count mismatch", rejected_at(&f, f.size, f.starts[7] + 16, &r),
		      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
		e->chunks = 7;
	}
	{
		struct ctr_chunk_header *end = (void *)(bytes(&f) + f.starts[7]);

		end->tag = 77; /* END becomes an unknown chunk: no END left */
		CHECK("missing END chunk", rejected_at(&f, f.size, f.size, &r) &&
		      strstr(r.err, "no END"), "offset %llu: %s",
		      (unsigned long long)r.err_offset, r.err);
		end->tag = CTR_CHUNK_END;
	}
	bytes(&f)[f.starts[4] + 16 + 6] = 1; /* the unknown chunk's padding */
	CHECK("non-zero padding", rejected_at(&f, f.size, f.starts[4] + 16 + 6, &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	bytes(&f)[f.starts[4] + 16 + 6] = 0;

	CHECK("the repaired file loads again", reader_load(&r, f.words, f.size) == 0,
	      "%s", r.err);
	reader_close(&r);
	free(f.words);
}

static void test_structure(void)
{
	struct reader r;
	struct file f = make_file(1);
	struct ctr_chunk_header *clock_h = (void *)(bytes(&f) + f.starts[2]);
	struct ctr_chunk_header *snap_h = (void *)(bytes(&f) + f.starts[0]);

	clock_h->tag = 98; /* the snapshot loses its CLOCK */
	CHECK("snapshot without CLOCK", rejected_at(&f, f.size, f.starts[0], &r) &&
	      strstr(r.err, "CLOCK"), "offset %llu: %s",
	      (unsigned long long)r.err_offset, r.err);
	clock_h->tag = CTR_CHUNK_PROCESS;
	CHECK("second PROCESS chunk", rejected_at(&f, f.size, f.starts[2], &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	clock_h->tag = CTR_CHUNK_CLOCK;
	((struct ctr_clock *)(clock_h + 1))->tsc_hz = 0;
	CHECK("zero clock rate", rejected_at(&f, f.size, f.starts[2] + 16, &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	((struct ctr_clock *)(clock_h + 1))->tsc_hz = 1000000000;
	snap_h->tag = 97;
	CHECK("chunks before any SNAPSHOT", rejected_at(&f, f.size, f.starts[1], &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	snap_h->tag = CTR_CHUNK_SNAPSHOT;
	free(f.words);
}

/* A PACKED chunk (ctrail pack) after the snapshot: the model holds it,
 * every snapshot points at it, and sizes past the chunk are refused. */
static void test_packed(void)
{
	struct build b = { .fd = memfd_create("ctr", 0) };
	struct ctr_snapshot snap = { .taken_tsc = 1000, .reason = CTR_REASON_EXIT };
	struct ctr_process proc = { .pid = 1 };
	struct ctr_clock clk = { .tsc_hz = 1000000000 };
	struct ctr_packed pk = { .elf_size = 100, .data_size = 4, .build_id_size = 2,
				 .path_size = 3, .compression = CTR_PACKED_ZLIB };
	struct file f;
	struct reader r;
	struct ctr_packed *in_file;

	ctr_writer_start(&b.w, b.fd);
	chunk(&b, CTR_CHUNK_SNAPSHOT, &snap, sizeof(snap), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_PROCESS, &proc, sizeof(proc), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_CLOCK, &clk, sizeof(clk), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_PACKED, &pk, sizeof(pk), "\xab\xcd/ab", 5, "zlib", 4);
	f = finish(&b);
	CHECK("packed chunk read", reader_load(&r, f.words, f.size) == 0 && r.npacked == 1 &&
	      r.snapshots[0].npacked == 1 && r.snapshots[0].packed == r.packed &&
	      r.packed[0].build_id[1] == 0xcd && !memcmp(r.packed[0].path, "/ab", 3) &&
	      !memcmp(r.packed[0].data, "zlib", 4) && r.packed[0].hdr->elf_size == 100,
	      "%s", r.err);
	reader_close(&r);
	in_file = (void *)(bytes(&f) + f.starts[3] + 16);
	in_file->data_size = UINT64_MAX - 2;
	CHECK("packed data past its chunk",
	      rejected_at(&f, f.size, f.starts[3] + 16 + offsetof(struct ctr_packed, data_size), &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	in_file->data_size = 4;
	((struct ctr_chunk_header *)(bytes(&f) + f.starts[3]))->size = 8;
	CHECK("packed chunk too small", rejected_at(&f, f.size, f.starts[3] + 8, &r) &&
	      strstr(r.err, "PACKED chunk too small"), "offset %llu: %s",
	      (unsigned long long)r.err_offset, r.err);
	free(f.words);
}

/* STACK chunks: linked to their live thread, not to an exited one of the
 * same tid; a second one for a tid, or bytes past the chunk, rejected. */
static struct file make_stack_file(int second)
{
	struct build b = { .fd = memfd_create("ctr", 0) };
	struct ctr_snapshot snap = { .taken_tsc = 1000 };
	struct ctr_process proc = { .pid = 42 };
	struct ctr_clock clk = { .tsc_hz = 1000000000 };
	struct ctr_thread live = { .tid = 42, .capacity = 256 };
	struct ctr_thread gone = { .tid = 43, .flags = CTR_THREAD_EXITED, .capacity = 256 };
	struct ctr_stack st = { .tid = 42, .written = 7, .start = 0x7ff000, .size = 16 };
	struct ctr_stack st43 = { .tid = 43 }, again = { .tid = 42 };
	uint64_t stack_bytes[2] = { 0x401234, 0 };

	st.regs[16] = 0x401000;
	ctr_writer_start(&b.w, b.fd);
	chunk(&b, CTR_CHUNK_SNAPSHOT, &snap, sizeof(snap), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_PROCESS, &proc, sizeof(proc), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_CLOCK, &clk, sizeof(clk), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_STACK, &st, sizeof(st), stack_bytes, sizeof(stack_bytes), NULL, 0);
	chunk(&b, CTR_CHUNK_THREAD, &live, sizeof(live), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_THREAD, &gone, sizeof(gone), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_STACK, second ? &again : &st43, sizeof(st), NULL, 0, NULL, 0);
	b.starts[b.nchunks++] = lseek(b.fd, 0, SEEK_CUR);
	return finish(&b);
}

static void test_stacks(void)
{
	struct reader r;
	struct file f = make_stack_file(0);
	const struct reader_snapshot *snap;
	int err = reader_load(&r, f.words, f.size);

	snap = err ? NULL : &r.snapshots[0];
	CHECK("stack linked to its live thread", snap && snap->nstacks == 2 &&
	      snap->threads[0].stack && snap->threads[0].stack->hdr->written == 7 &&
	      snap->threads[0].stack->hdr->regs[16] == 0x401000 &&
	      snap->threads[0].stack->bytes[0] == 0x34 && !snap->threads[1].stack,
	      "err %d: %s", err, r.err);
	reader_close(&r);
	/* the first STACK's size field says 17 bytes follow: one past the chunk */
	((struct ctr_stack *)(bytes(&f) + f.starts[3] + 16))->size = 17;
	CHECK("stack bytes past the chunk",
	      rejected_at(&f, f.size, f.starts[3] + 16 + offsetof(struct ctr_stack, size), &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	free(f.words);
	f = make_stack_file(1);
	CHECK("second STACK chunk of a thread", rejected_at(&f, f.size, f.starts[6], &r) &&
	      strstr(r.err, "second STACK"), "offset %llu: %s",
	      (unsigned long long)r.err_offset, r.err);
	free(f.words);
}

/* A snapshot with one THREAD and a PROBES chunk of 4 events: two of the
 * thread's, two of a tid with no THREAD chunk. */
static struct file make_probes_file(const struct ctr_probe_event *pe, size_t npe)
{
	struct build b = { .fd = memfd_create("ctr", 0) };
	struct ctr_snapshot snap = { .taken_tsc = 1000 };
	struct ctr_process proc = { .pid = 42 };
	struct ctr_clock clk = { .tsc_hz = 1000000000 };
	struct ctr_thread t0 = { .tid = 42, .name = "prog", .nevents = 4 };
	struct ctr_probes ph = { .nevents = npe, .nprobes = 1 };

	ctr_writer_start(&b.w, b.fd);
	chunk(&b, CTR_CHUNK_SNAPSHOT, &snap, sizeof(snap), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_PROCESS, &proc, sizeof(proc), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_CLOCK, &clk, sizeof(clk), NULL, 0, NULL, 0);
	chunk(&b, CTR_CHUNK_THREAD, &t0, sizeof(t0), events0, sizeof(events0), NULL, 0);
	chunk(&b, CTR_CHUNK_PROBES, &ph, sizeof(ph), pe, npe * sizeof(*pe), NULL, 0);
	return finish(&b);
}

static void test_probes(void)
{
	struct ctr_probe_event pe[4] = {
		{ 105, CTR_EVENT_WORD(CTR_KIND_CALL, 0x7f0000001000), 42, 0 },
		{ 107, CTR_EVENT_WORD(CTR_KIND_RETURN, 0x7f0000001000), 42, 0 },
		{ 115, CTR_EVENT_WORD(CTR_KIND_CALL, 0x7f0000002000), 99, 1 },
		{ 116, CTR_EVENT_WORD(CTR_KIND_RETURN, 0x7f0000002000), 99, 1 },
	};
	static const uint64_t want[6] = { 100, 105, 107, 110, 120, 130 };
	struct file f = make_probes_file(pe, 4);
	struct reader r;
	int err = reader_load(&r, f.words, f.size), merged = 1;
	const struct reader_snapshot *s = &r.snapshots[0];
	uint64_t at = f.starts[4] + 16 + sizeof(struct ctr_probes);

	CHECK("probes file loads", err == 0, "offset %llu: %s",
	      (unsigned long long)r.err_offset, r.err);
	if (err)
		return;
	for (int i = 0; i < 6 && s->threads[0].hdr->nevents == 6; i++)
		merged &= s->threads[0].events[i].tsc == want[i];
	CHECK("probe events merged into their thread by time",
	      s->threads[0].hdr->nevents == 6 && merged &&
	      CTR_EVENT_ADDR(s->threads[0].events[1].word) == 0x7f0000001000 &&
	      !strcmp(s->threads[0].name, "prog"), "%llu events",
	      (unsigned long long)s->threads[0].hdr->nevents);
	CHECK("a tid without THREAD chunk gets a thread", s->nthreads == 2 &&
	      s->threads[1].hdr->tid == 99 && s->threads[1].hdr->nevents == 2 &&
	      s->threads[1].events[1].tsc == 116, "%zu threads", s->nthreads);
	reader_close(&r);
	free(f.words);
	pe[2].tsc = 100;
	f = make_probes_file(pe, 4);
	CHECK("probe events out of time order", rejected_at(&f, f.size, at + 2 * sizeof(pe[0]), &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	free(f.words);
	pe[2].tsc = 115;
	pe[1].word = CTR_EVENT_WORD(CTR_KIND_CATCH, 0x7f0000001000);
	f = make_probes_file(pe, 4);
	CHECK("probe event neither call nor return", rejected_at(&f, f.size, at + sizeof(pe[0]), &r),
	      "offset %llu: %s", (unsigned long long)r.err_offset, r.err);
	free(f.words);
}

int main(void)
{
	test_good();
	test_two_snapshots();
	test_truncated();
	test_damage();
	test_structure();
	test_stacks();
	test_packed();
	test_probes();
	return failures != 0;
}

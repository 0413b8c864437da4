/* emit_fxt.c - the Fuchsia trace format (FXT), as published in Fuchsia's
 * "trace-format" reference and read by Perfetto UI and trace_processor.
 *
 * The file is a sequence of 64-bit little-endian words grouped in records:
 *   magic number record (0x0016547846040010);
 *   initialization record: the TSC rate in ticks per second, so every
 *     timestamp is the raw TSC value, written as is;
 *   string records: each distinct string once, then referred to by its
 *     15-bit index (function names, source locations, thread names...);
 *   thread records: each thread's (pid, tid) once, then an 8-bit index;
 *   kernel object records naming the process and its threads (a thread's
 *     "process" koid argument ties it to the process);
 *   event records, one per call: a duration complete event (header word,
 *     begin tick, end tick: 24 bytes) written when the call ends.
 * The event's category is the function's source location "file:line" (an
 * interned string, so it costs nothing per call); calls the timeline
 * repaired carry a "repair" string argument (8 bytes more).
 *
 * Readers sort events by begin time and keep file order for equal times.
 * A call beginning on the same tick as its caller would then come before
 * the caller (complete events are written at the end), so when a call
 * begins on its caller's begin tick the caller is written as a duration
 * begin record right then and closed by a duration end record: nesting
 * stays exact and memory stays the stack depth.
 *
 * Past 32767 strings or 255 threads, strings and threads are written
 * inline in the records that use them, as the format allows. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "outbuf.h"

#define MAGIC UINT64_C(0x0016547846040010)
#define MAX_STRINGS 0x7fff
#define MAX_THREADS 0xff
#define MAX_STRING 32000 /* the spec's practical limit */
#define INLINE_REF 0x8000

enum { REC_INIT = 1, REC_STRING = 2, REC_THREAD = 3, REC_EVENT = 4,
       REC_KOBJ = 7 };
enum { EV_BEGIN = 2, EV_END = 3, EV_COMPLETE = 4 };
enum { ARG_STRING = 6, ARG_KOID = 8 };
enum { ZX_OBJ_TYPE_PROCESS = 1, ZX_OBJ_TYPE_THREAD = 2 };

/* A string as a record refers to it: an index, 0 (empty), or inline. */
struct sref {
	uint16_t ref;
	const char *s; /* the bytes to write when ref is inline */
	size_t n;
};

/* An open call, by depth. */
struct open_call {
	const struct symbol *sym;
	uint64_t begin_tsc;
	int as_begin; /* written as a duration begin record */
};

struct fxt {
	struct intern strings; /* string -> index */
	struct intern syms;    /* symbol -> name ref | category ref << 16 */
	uint64_t pid, tid;
	uint8_t thread_ref;    /* the current thread's index, 0 if inline */
	unsigned nthreads;
	struct open_call *stack;
	size_t cap;
	struct outbuf out;
};

static inline void put_word(uint8_t **p, uint64_t w)
{
	memcpy(*p, &w, 8);
	*p += 8;
}

static size_t words(size_t bytes)
{
	return (bytes + 7) / 8;
}

/* A string padded with zeros to a word boundary. */
static void put_stream(uint8_t **p, const char *s, size_t n)
{
	memcpy(*p, s, n);
	memset(*p + n, 0, 8 * words(n) - n);
	*p += 8 * words(n);
}

/* The ref of a string, writing its string record the first time. */
static struct sref string_ref(struct fxt *f, const char *s, size_t n)
{
	uint32_t index;
	uint8_t *p;

	n = utf8_prefix(s, n, MAX_STRING);
	if (n == 0)
		return (struct sref){ 0, s, 0 };
	if ((index = intern_str_find(&f->strings, s, n)))
		return (struct sref){ index, s, n };
	if (f->strings.count >= MAX_STRINGS ||
	    outbuf_reserve(&f->out, 8 + 8 * words(n)) ||
	    !(index = intern_str_add(&f->strings, s, n)))
		return (struct sref){ INLINE_REF | n, s, n };
	p = outbuf_tail(&f->out);
	put_word(&p, REC_STRING | (uint64_t)(1 + words(n)) << 4 |
		 (uint64_t)index << 16 | (uint64_t)n << 32);
	put_stream(&p, s, n);
	outbuf_commit(&f->out, p);
	return (struct sref){ index, s, n };
}

static size_t sref_words(struct sref r)
{
	return r.ref & INLINE_REF ? words(r.n) : 0;
}

static void put_sref_stream(uint8_t **p, struct sref r)
{
	if (r.ref & INLINE_REF)
		put_stream(p, r.s, r.n);
}

static int fxt_begin_file(void *ctx, const struct reader_snapshot *snap,
			  const struct time_base *tb)
{
	struct fxt *f = ctx;
	uint8_t *p;

	if (outbuf_reserve(&f->out, 24))
		return f->out.err;
	p = outbuf_tail(&f->out);
	put_word(&p, MAGIC);
	put_word(&p, REC_INIT | 2 << 4);
	put_word(&p, snap->clock->tsc_hz);
	outbuf_commit(&f->out, p);
	f->pid = snap->process->pid;
	return 0;
}

/* A kernel object record naming koid, with a "process" koid argument for
 * a thread. */
static int kernel_object(struct fxt *f, unsigned type, uint64_t koid,
			 const char *name, size_t n)
{
	struct sref nref = string_ref(f, name, n);
	struct sref aref = type == ZX_OBJ_TYPE_THREAD ?
			   string_ref(f, "process", 7) : (struct sref){ 0 };
	unsigned nargs = type == ZX_OBJ_TYPE_THREAD;
	size_t size = 2 + sref_words(nref) +
		      (nargs ? 2 + sref_words(aref) : 0);
	uint8_t *p;

	if (outbuf_reserve(&f->out, 8 * size))
		return f->out.err;
	p = outbuf_tail(&f->out);
	put_word(&p, REC_KOBJ | (uint64_t)size << 4 | (uint64_t)type << 16 |
		 (uint64_t)nref.ref << 24 | (uint64_t)nargs << 40);
	put_word(&p, koid);
	put_sref_stream(&p, nref);
	if (nargs) {
		put_word(&p, ARG_KOID | (uint64_t)(2 + sref_words(aref)) << 4 |
			 (uint64_t)aref.ref << 16);
		put_sref_stream(&p, aref);
		put_word(&p, f->pid);
	}
	outbuf_commit(&f->out, p);
	return 0;
}

static int fxt_process(void *ctx, const struct reader_snapshot *snap)
{
	struct fxt *f = ctx;
	const char *exe = snap->exe;
	size_t n = snap->process->exe_size;
	const char *slash = memrchr(exe, '/', n);

	if (slash) {
		n -= slash + 1 - exe;
		exe = slash + 1;
	}
	return kernel_object(f, ZX_OBJ_TYPE_PROCESS, f->pid, exe, n);
}

static int fxt_thread(void *ctx, const struct reader_thread *t)
{
	struct fxt *f = ctx;
	char name[32];
	uint8_t *p;

	f->tid = t->hdr->tid;
	f->thread_ref = 0;
	if (f->nthreads < MAX_THREADS && !outbuf_reserve(&f->out, 24)) {
		f->thread_ref = ++f->nthreads;
		p = outbuf_tail(&f->out);
		put_word(&p, REC_THREAD | 3 << 4 | (uint64_t)f->thread_ref << 16);
		put_word(&p, f->pid);
		put_word(&p, f->tid);
		outbuf_commit(&f->out, p);
	}
	if (t->name[0])
		return kernel_object(f, ZX_OBJ_TYPE_THREAD, f->tid, t->name,
				     strlen(t->name));
	return kernel_object(f, ZX_OBJ_TYPE_THREAD, f->tid, name,
			     snprintf(name, sizeof(name), "thread %llu",
				      (unsigned long long)f->tid));
}

/* The source location of a function, "file:line", "file" or "". */
static struct sref location_ref(struct fxt *f, const struct symbol *sym)
{
	char text[MAX_STRING + 16];
	int n;

	if (!sym->file)
		return (struct sref){ 0 };
	n = sym->line ? snprintf(text, sizeof(text), "%.*s:%u", MAX_STRING,
				 sym->file, sym->line) :
			snprintf(text, sizeof(text), "%.*s", MAX_STRING, sym->file);
	return string_ref(f, text, n);
}

/* A function's name and category refs.  Indexed ones are remembered per
 * symbol, so the common case is one pointer lookup. */
static void symbol_refs(struct fxt *f, const struct symbol *sym,
			struct sref *name, struct sref *cat)
{
	uint32_t v = intern_ptr_find(&f->syms, sym);

	if (v) {
		*name = (struct sref){ v & 0xffff, NULL, 0 };
		*cat = (struct sref){ v >> 16, NULL, 0 };
		return;
	}
	*name = string_ref(f, sym->name, strlen(sym->name));
	*cat = location_ref(f, sym);
	/* the name is never empty, so a stored value is never 0 */
	if (!(name->ref & INLINE_REF) && !(cat->ref & INLINE_REF) && name->ref)
		intern_ptr_add(&f->syms, sym, name->ref | (uint32_t)cat->ref << 16);
}

/* The "repair" argument's value: the begin's and the end's reasons. */
static struct sref repair_ref(struct fxt *f, const struct slice *s)
{
	const char *b = timeline_repair_name(s->begin_repair);
	const char *e = timeline_repair_name(s->end_repair);
	char text[64];

	if (!b && !e)
		return (struct sref){ 0 };
	return string_ref(f, text, snprintf(text, sizeof(text), "%s%s%s",
					    b ? b : "", b && e ? "; " : "",
					    e ? e : ""));
}

/* One event record: header, time, [inline thread, category, name],
 * [repair argument], [end time]. */
static int event(struct fxt *f, unsigned type, const struct symbol *sym,
		 uint64_t tsc, uint64_t end_tsc, struct sref repair)
{
	struct sref name, cat, arg = { 0 };
	unsigned nargs = repair.ref != 0;
	size_t size;
	uint8_t *p;

	symbol_refs(f, sym, &name, &cat);
	if (nargs)
		arg = string_ref(f, "repair", 6);
	size = 2 + (f->thread_ref ? 0 : 2) + sref_words(cat) + sref_words(name) +
	       (nargs ? 1 + sref_words(arg) + sref_words(repair) : 0) +
	       (type == EV_COMPLETE);
	if (outbuf_reserve(&f->out, 8 * size))
		return f->out.err;
	p = outbuf_tail(&f->out);
	put_word(&p, REC_EVENT | (uint64_t)size << 4 | (uint64_t)type << 16 |
		 (uint64_t)nargs << 20 | (uint64_t)f->thread_ref << 24 |
		 (uint64_t)cat.ref << 32 | (uint64_t)name.ref << 48);
	put_word(&p, tsc);
	if (!f->thread_ref) {
		put_word(&p, f->pid);
		put_word(&p, f->tid);
	}
	put_sref_stream(&p, cat);
	put_sref_stream(&p, name);
	if (nargs) {
		put_word(&p, ARG_STRING |
			 (uint64_t)(1 + sref_words(arg) + sref_words(repair)) << 4 |
			 (uint64_t)arg.ref << 16 | (uint64_t)repair.ref << 32);
		put_sref_stream(&p, arg);
		put_sref_stream(&p, repair);
	}
	if (type == EV_COMPLETE)
		put_word(&p, end_tsc);
	outbuf_commit(&f->out, p);
	return 0;
}

static int fxt_slice_begin(void *ctx, const struct slice *s)
{
	struct fxt *f = ctx;
	struct open_call *caller;

	if (s->depth >= f->cap) {
		size_t cap = 2 * s->depth + 16;
		struct open_call *grown = realloc(f->stack, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		f->stack = grown;
		f->cap = cap;
	}
	caller = s->depth ? &f->stack[s->depth - 1] : NULL;
	if (caller && !caller->as_begin && caller->begin_tsc == s->begin_tsc) {
		caller->as_begin = 1;
		if (event(f, EV_BEGIN, caller->sym, caller->begin_tsc, 0,
			  (struct sref){ 0 }))
			return f->out.err;
	}
	f->stack[s->depth] = (struct open_call){ s->sym, s->begin_tsc, 0 };
	return 0;
}

static int fxt_slice_end(void *ctx, const struct slice *s)
{
	struct fxt *f = ctx;
	struct sref repair = repair_ref(f, s);

	if (f->stack[s->depth].as_begin)
		return event(f, EV_END, s->sym, s->end_tsc, 0, repair);
	return event(f, EV_COMPLETE, s->sym, s->begin_tsc, s->end_tsc, repair);
}

static int fxt_end_file(void *ctx)
{
	struct fxt *f = ctx;

	return outbuf_flush(&f->out);
}

const struct emitter_ops fxt_emitter_ops = {
	.begin_file = fxt_begin_file,
	.process = fxt_process,
	.thread = fxt_thread,
	.slice_begin = fxt_slice_begin,
	.slice_end = fxt_slice_end,
	.end_file = fxt_end_file,
};

void *fxt_emitter_new(int fd)
{
	struct fxt *f = calloc(1, sizeof(*f));

	if (f) {
		outbuf_init(&f->out, fd);
		intern_init(&f->strings);
		intern_init(&f->syms);
	}
	return f;
}

int fxt_emitter_free(void *emitter)
{
	struct fxt *f = emitter;
	int err = outbuf_flush(&f->out);

	intern_free(&f->strings);
	intern_free(&f->syms);
	free(f->stack);
	free(f);
	return err;
}

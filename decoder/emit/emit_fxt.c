/* emit_fxt.c - the Fuchsia trace format (FXT), as published in Fuchsia's
 * "trace-format" reference and read by Perfetto UI and trace_processor.
 *
 * The file is a sequence of 64-bit little-endian words grouped in records:
 *   magic number record (0x0016547846040010);
 *   initialization record: 10^9 ticks per second, so every timestamp is
 *     the time base's nanoseconds (from the snapshot's first event, or
 *     wall-clock), the same values as the JSON and protobuf outputs, and
 *     readers need no conversion that could round two times together;
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
 * Custom events, as they come: log lines and instants are instant events
 * (categories "log", "instant"), a log's name its formatted text and its
 * format a "format" string argument; counters are counter events (counter
 * id 0: the name alone names the series) with a "value" argument, 32-bit
 * when the value fits, as the spec asks, else 64-bit; flow arrows are flow
 * begin and flow end events (category "flow") carrying the flow id, which
 * the spec binds to the duration event enclosing them on the thread.  Log
 * texts are mostly unique, so one is written inline, and interned only
 * when it repeats (struct seen, outbuf.h) while the string table is less
 * than half full, keeping room for function names.
 *
 * Scheduling events (sched_event): each sched_switch is a context switch
 * record (cpu, outgoing thread's state, outgoing and incoming thread,
 * priorities, tick), each wakeup and fork a thread wakeup record, each rename a
 * kernel object record; our tasks are threads of our process, others of
 * a made-up "other processes".  The spec has no record for exits.
 *
 * Readers sort events by begin time and keep file order for equal times.
 * A call beginning in the same nanosecond as its caller would then come
 * before the caller (complete events are written at the end), so when a
 * call, or a custom event, comes in its enclosing call's begin nanosecond
 * that call is written as a duration begin record right then and closed by
 * a duration end record: nesting (and a flow's binding) stays exact and
 * memory stays the stack depth.
 *
 * A context or fiber (timeline.h) is a thread of its own in the process,
 * named after it (fxt_track).
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
#include "sched_text.h"

#define MAGIC UINT64_C(0x0016547846040010)
#define MAX_STRINGS 0x7fff
#define MAX_THREADS 0xff
#define MAX_STRING 32000 /* the spec's practical limit */
#define MAX_CUSTOM 8000 /* bytes of a custom event's string: records stay
			   under the format's 32 KB */
#define INLINE_REF 0x8000
#define COUNTER_ID 0
#define NS_PER_S UINT64_C(1000000000)
#define OTHERS_PID UINT32_MAX /* the process of other processes' tasks */

enum { REC_INIT = 1, REC_STRING = 2, REC_THREAD = 3, REC_EVENT = 4,
       REC_KOBJ = 7, REC_SCHED = 8 };
/* Scheduling records' event types (bits 60-63). */
enum { SCHED_CONTEXT_SWITCH_LEGACY = 0, SCHED_THREAD_WAKEUP = 2 };
enum { EV_INSTANT = 0, EV_COUNTER = 1, EV_BEGIN = 2, EV_END = 3,
       EV_COMPLETE = 4, EV_FLOW_BEGIN = 8, EV_FLOW_END = 10 };
enum { ARG_INT32 = 1, ARG_INT64 = 3, ARG_STRING = 6, ARG_KOID = 8 };
enum { ZX_OBJ_TYPE_PROCESS = 1, ZX_OBJ_TYPE_THREAD = 2 };
/* Thread states of the context switch record. */
enum { ZX_THREAD_NEW = 0, ZX_THREAD_SUSPENDED = 2, ZX_THREAD_BLOCKED = 3,
       ZX_THREAD_DYING = 4, ZX_THREAD_DEAD = 5 };

/* A string as a record refers to it: an index, 0 (empty), or inline. */
struct sref {
	uint16_t ref;
	const char *s; /* the bytes to write when ref is inline */
	size_t n;
};

/* An argument of a custom event: an integer or a string. */
struct arg {
	unsigned type; /* ARG_INT32, ARG_INT64, ARG_STRING */
	struct sref name;
	struct sref str;  /* ARG_STRING */
	int64_t value;    /* ARG_INT32, ARG_INT64 */
};

/* An open call, by depth. */
struct open_call {
	const struct symbol *sym;
	uint64_t begin_ns;
	int as_begin; /* written as a duration begin record */
};

/* The open calls of one track (timeline.h) of the current thread. */
struct fxt_track {
	struct open_call *stack;
	size_t cap;
};

struct fxt {
	struct intern strings; /* string -> index */
	struct intern syms;    /* symbol -> name ref | category ref << 16 */
	struct seen messages;  /* log texts met */
	const struct time_base *tb;
	uint64_t pid, tid;     /* tid: the current track's koid */
	uint64_t thread_tid;   /* of its thread */
	uint8_t thread_ref;    /* the current track's index, 0 if inline */
	unsigned nthreads;
	struct { uint64_t pid, tid; } threads[MAX_THREADS + 1]; /* by index */
	struct intern named;   /* tid -> number of each task named so far, */
	char (*comms)[16];     /* by number: the name last given */
	size_t ncomms;
	int32_t *ours;         /* while writing scheduling events: our tasks */
	size_t nours;
	int32_t *woken;        /* and the tasks woken, not on a CPU since */
	size_t nwoken, woken_cap;
	struct fxt_track *tracks, *track; /* by track index; the current one */
	size_t ntracks;
	struct context_ids contexts; /* the thread's contexts' koids */
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
	put_word(&p, NS_PER_S);
	outbuf_commit(&f->out, p);
	f->tb = tb;
	f->pid = snap->process->pid;
	return 0;
}

/* A kernel object record naming koid, with a "process" koid argument (pid)
 * for a thread. */
static int kernel_object(struct fxt *f, unsigned type, uint64_t koid,
			 const char *name, size_t n, uint64_t pid)
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
		put_word(&p, pid);
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
	return kernel_object(f, ZX_OBJ_TYPE_PROCESS, f->pid, exe, n, 0);
}

/* The thread table index of (pid, tid), its thread record written the
 * first time (*added set then); 0, for inline, once the table is full. */
static uint8_t thread_index(struct fxt *f, uint64_t pid, uint64_t tid,
			    int *added)
{
	uint8_t *p;

	*added = 0;
	for (unsigned i = 1; i <= f->nthreads; i++)
		if (f->threads[i].pid == pid && f->threads[i].tid == tid)
			return i;
	if (f->nthreads >= MAX_THREADS || outbuf_reserve(&f->out, 24))
		return 0;
	*added = 1;
	f->threads[++f->nthreads].pid = pid;
	f->threads[f->nthreads].tid = tid;
	p = outbuf_tail(&f->out);
	put_word(&p, REC_THREAD | 3 << 4 | (uint64_t)f->nthreads << 16);
	put_word(&p, pid);
	put_word(&p, tid);
	outbuf_commit(&f->out, p);
	return f->nthreads;
}

/* The open calls of track index, made if new; NULL on no memory. */
static struct fxt_track *track_at(struct fxt *f, unsigned index)
{
	struct fxt_track *grown = array_room(f->tracks, &f->ntracks, index, sizeof(*grown));

	if (!grown)
		return NULL;
	f->tracks = grown;
	return &grown[index];
}

static int fxt_thread(void *ctx, const struct reader_thread *t)
{
	struct fxt *f = ctx;
	char name[32];
	int added;

	if (!(f->track = track_at(f, 0)))
		return -ENOMEM;
	f->tid = f->thread_tid = t->hdr->tid;
	context_ids_reset(&f->contexts);
	f->thread_ref = thread_index(f, f->pid, f->tid, &added);
	if (t->name[0])
		return kernel_object(f, ZX_OBJ_TYPE_THREAD, f->tid, t->name,
				     strlen(t->name), f->pid);
	return kernel_object(f, ZX_OBJ_TYPE_THREAD, f->tid, name,
			     snprintf(name, sizeof(name), "thread %llu",
				      (unsigned long long)f->tid), f->pid);
}

/* A context or fiber is a thread of its own (context_ids, outbuf.h),
 * named after it when first met. */
static int fxt_track(void *ctx, const struct track *tr)
{
	struct fxt *f = ctx;
	int added;

	if (!(f->track = track_at(f, tr->index)))
		return -ENOMEM;
	f->tid = tr->index ? context_id(&f->contexts, tr->index) : f->thread_tid;
	if (!f->tid)
		return -ENOMEM;
	f->thread_ref = thread_index(f, f->pid, f->tid, &added);
	if (!tr->index || tr->uses)
		return f->out.err;
	return kernel_object(f, ZX_OBJ_TYPE_THREAD, f->tid, tr->name,
			     strlen(tr->name), f->pid);
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

/* The "repair" argument's value: the begin's and the end's reasons, made
 * in text (64 bytes), which an inline ref points into. */
static struct sref repair_ref(struct fxt *f, const struct slice *s, char *text)
{
	const char *b = timeline_repair_name(s->begin_repair);
	const char *e = timeline_repair_name(s->end_repair);

	if (!b && !e)
		return (struct sref){ 0 };
	return string_ref(f, text, snprintf(text, 64, "%s%s%s",
					    b ? b : "", b && e ? "; " : "",
					    e ? e : ""));
}

/* The opening every event record shares: header word, time, [inline
 * thread], category and name. */
static inline void put_event_head(uint8_t **p, const struct fxt *f, size_t size,
				  unsigned type, unsigned nargs, uint64_t ns,
				  struct sref cat, struct sref name)
{
	put_word(p, REC_EVENT | (uint64_t)size << 4 | (uint64_t)type << 16 |
		    (uint64_t)nargs << 20 | (uint64_t)f->thread_ref << 24 |
		    (uint64_t)cat.ref << 32 | (uint64_t)name.ref << 48);
	put_word(p, ns);
	if (!f->thread_ref) {
		put_word(p, f->pid);
		put_word(p, f->tid);
	}
	put_sref_stream(p, cat);
	put_sref_stream(p, name);
}

/* One event record: header, time, [inline thread, category, name],
 * [repair argument], [end time]; times in ns. */
static int event(struct fxt *f, unsigned type, const struct symbol *sym,
		 uint64_t ns, uint64_t end_ns, struct sref repair)
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
	put_event_head(&p, f, size, type, nargs, ns, cat, name);
	if (nargs) {
		put_word(&p, ARG_STRING |
			 (uint64_t)(1 + sref_words(arg) + sref_words(repair)) << 4 |
			 (uint64_t)arg.ref << 16 | (uint64_t)repair.ref << 32);
		put_sref_stream(&p, arg);
		put_sref_stream(&p, repair);
	}
	if (type == EV_COMPLETE)
		put_word(&p, end_ns);
	outbuf_commit(&f->out, p);
	return 0;
}

/* Writes the open call at depth i as a duration begin record now if it
 * began in nanosecond ns (and is not written so yet), so that a reader
 * sorting by time sees it open before what comes next in that same ns. */
static int begin_early(struct fxt *f, unsigned i, uint64_t ns)
{
	struct open_call *c = &f->track->stack[i];

	if (c->as_begin || c->begin_ns != ns)
		return 0;
	c->as_begin = 1;
	return event(f, EV_BEGIN, c->sym, c->begin_ns, 0, (struct sref){ 0 });
}

static int fxt_slice_begin(void *ctx, const struct slice *s)
{
	struct fxt *f = ctx;
	struct fxt_track *t = f->track;
	struct open_call *grown = array_room(t->stack, &t->cap, s->depth, sizeof(*grown));
	uint64_t ns = time_base_ns(f->tb, s->begin_tsc);

	if (!grown)
		return -ENOMEM;
	t->stack = grown;
	if (s->depth && begin_early(f, s->depth - 1, ns))
		return f->out.err;
	t->stack[s->depth] = (struct open_call){ s->sym, ns, 0 };
	return 0;
}

static int fxt_slice_end(void *ctx, const struct slice *s)
{
	struct fxt *f = ctx;
	char text[64];
	struct sref repair = repair_ref(f, s, text);

	const struct open_call *c = &f->track->stack[s->depth];
	uint64_t end = time_base_ns(f->tb, s->end_tsc);

	if (c->as_begin)
		return event(f, EV_END, s->sym, end, 0, repair);
	return event(f, EV_COMPLETE, s->sym, c->begin_ns, end, repair);
}

/* A string of a custom event, cut to MAX_CUSTOM bytes. */
static struct sref custom_ref(struct fxt *f, const char *s)
{
	return string_ref(f, s, utf8_prefix(s, strlen(s), MAX_CUSTOM));
}

/* A log message: interned if it is already, or if it repeats and the
 * table is less than half full; else inline. */
static struct sref message_ref(struct fxt *f, const char *s)
{
	size_t n = utf8_prefix(s, strlen(s), MAX_CUSTOM);
	uint32_t index;

	if (n == 0)
		return (struct sref){ 0, s, 0 };
	if ((index = intern_str_find(&f->strings, s, n)))
		return (struct sref){ index, s, n };
	if (seen_again(&f->messages, s, n) && f->strings.count < MAX_STRINGS / 2)
		return string_ref(f, s, n);
	return (struct sref){ INLINE_REF | n, s, n };
}

static size_t arg_words(const struct arg *a)
{
	return 1 + sref_words(a->name) + sref_words(a->str) +
	       (a->type == ARG_INT64);
}

static void put_arg(uint8_t **p, const struct arg *a)
{
	uint64_t head = a->type | (uint64_t)arg_words(a) << 4 |
			(uint64_t)a->name.ref << 16;

	if (a->type == ARG_STRING)
		head |= (uint64_t)a->str.ref << 32;
	else if (a->type == ARG_INT32)
		head |= (uint64_t)(uint32_t)a->value << 32;
	put_word(p, head);
	put_sref_stream(p, a->name);
	put_sref_stream(p, a->str);
	if (a->type == ARG_INT64)
		put_word(p, (uint64_t)a->value);
}

/* A custom event's record: header, time, [inline thread, category, name],
 * [argument], [counter or flow id word when has_id]. */
static int custom_record(struct fxt *f, unsigned type, uint64_t ns,
			 struct sref cat, struct sref name,
			 const struct arg *arg, int has_id, uint64_t id)
{
	size_t size = 2 + (f->thread_ref ? 0 : 2) + sref_words(cat) +
		      sref_words(name) + (arg ? arg_words(arg) : 0) + !!has_id;
	uint8_t *p;

	if (outbuf_reserve(&f->out, 8 * size))
		return f->out.err;
	p = outbuf_tail(&f->out);
	put_event_head(&p, f, size, type, arg != NULL, ns, cat, name);
	if (arg)
		put_arg(&p, arg);
	if (has_id)
		put_word(&p, id);
	outbuf_commit(&f->out, p);
	return 0;
}

static int fxt_custom(void *ctx, const struct custom_event *e)
{
	static const char *const category[] = {
		[CTR_KIND_LOG] = "log", [CTR_KIND_COUNTER] = "",
		[CTR_KIND_INSTANT] = "instant", [CTR_KIND_FLOW_BEGIN] = "flow",
		[CTR_KIND_FLOW_END] = "flow",
	};
	struct fxt *f = ctx;
	uint64_t ns = time_base_ns(f->tb, e->tsc);
	struct sref cat, name;
	struct arg arg;

	/* readers must see the call around it open first (a flow binds to
	 * that call) */
	if (e->depth && begin_early(f, e->depth - 1, ns))
		return f->out.err;
	cat = custom_ref(f, category[e->kind]);
	name = e->kind == CTR_KIND_LOG ? message_ref(f, e->name) :
					 custom_ref(f, e->name);
	switch (e->kind) {
	case CTR_KIND_LOG:
		arg = (struct arg){ ARG_STRING, string_ref(f, "format", 6),
				    custom_ref(f, e->format), 0 };
		return custom_record(f, EV_INSTANT, ns, cat, name, &arg, 0, 0);
	case CTR_KIND_COUNTER:
		arg = (struct arg){ e->value == (int32_t)e->value ? ARG_INT32 : ARG_INT64,
				    string_ref(f, "value", 5), { 0 }, e->value };
		return custom_record(f, EV_COUNTER, ns, cat, name, &arg, 1,
				     COUNTER_ID);
	case CTR_KIND_INSTANT:
		return custom_record(f, EV_INSTANT, ns, cat, name, NULL, 0, 0);
	default:
		return custom_record(f, e->kind == CTR_KIND_FLOW_BEGIN ?
				     EV_FLOW_BEGIN : EV_FLOW_END,
				     ns, cat, name, NULL, 1, e->id);
	}
}

/* Kernel object records naming tasks as Perfetto's ftrace importer
 * names them: by the comm of their latest event (exec changes it without
 * a rename).  `named` numbers the tids, comms[number] is the name last
 * written. */
static void name_task(struct fxt *f, int32_t tid, const char *comm, uint64_t pid)
{
	uint32_t k = intern_str_find(&f->named, (const char *)&tid, 4);
	size_t n = strnlen(comm, 16);

	if (k && k < f->ncomms && !strncmp(f->comms[k], comm, 16))
		return;
	if (!k && (k = intern_str_add(&f->named, (const char *)&tid, 4))) {
		char (*grown)[16] = array_room(f->comms, &f->ncomms, k, sizeof(*grown));

		if (grown) /* else not remembered: named again next time */
			f->comms = grown;
	}
	if (k && k < f->ncomms)
		strncpy(f->comms[k], comm, 16); /* a comm: NUL padded */
	kernel_object(f, ZX_OBJ_TYPE_THREAD, (uint32_t)tid, comm, n, pid);
}

/* A task's thread index: in our process if it is one of our tasks
 * (sched_our_tasks), else in the made-up process OTHERS_PID, "other
 * processes" (the spec has no "unknown process", and readers take a task
 * of process 0 with priority 0 for the idle task), named (name_task). */
static uint8_t task_index(struct fxt *f, int32_t tid, const char comm[16],
			  uint64_t *pid)
{
	int added;
	uint8_t index;

	*pid = !tid ? 0 : sched_task_is_ours(f->ours, f->nours, tid) ? f->pid : OTHERS_PID;
	index = thread_index(f, *pid, (uint32_t)tid, &added);
	if (tid != 0)
		name_task(f, tid, comm, *pid);
	return index;
}

/* The outgoing thread's state after a switch, from Linux's prev_state:
 * still runnable (R, R+) is "new", as Zircon's own kernel trace importer
 * calls a ready thread (the spec allows every state but running); asleep
 * (S, D, I, P) blocked; stopped (T, t) suspended; Z dying; X dead. */
static unsigned zircon_state(uint32_t state)
{
	if ((state & CTR_SCHED_PREEMPTED) || !(state & 0xff))
		return ZX_THREAD_NEW;
	if (state & 0x10)
		return ZX_THREAD_DEAD;
	if (state & 0x20)
		return ZX_THREAD_DYING;
	if (state & 0x0c)
		return ZX_THREAD_SUSPENDED;
	return ZX_THREAD_BLOCKED;
}

/* A context switch record: header (cpu, outgoing state, both thread refs,
 * both priorities in 8 bits), tick, then the pid and tid of each thread
 * written inline.  The idle task is thread (0, 0) with priority 0, as
 * readers recognize it. */
static int context_switch(struct fxt *f, const struct ctr_sched_event *e)
{
	uint64_t out_pid, in_pid;
	uint8_t out = task_index(f, e->pid, e->comm, &out_pid);
	uint8_t in = task_index(f, e->next_pid, e->next_comm, &in_pid);
	unsigned out_prio = e->pid ? e->prio & 0xff : 0;
	unsigned in_prio = e->next_pid ? e->next_prio & 0xff : 0;
	size_t size = 2 + (out ? 0 : 2) + (in ? 0 : 2);
	uint8_t *p;

	if (outbuf_reserve(&f->out, 8 * size))
		return f->out.err;
	p = outbuf_tail(&f->out);
	put_word(&p, REC_SCHED | (uint64_t)size << 4 |
		 (uint64_t)e->cpu << 16 | (uint64_t)zircon_state(e->state) << 24 |
		 (uint64_t)out << 28 | (uint64_t)in << 36 |
		 (uint64_t)out_prio << 44 | (uint64_t)in_prio << 52 |
		 (uint64_t)SCHED_CONTEXT_SWITCH_LEGACY << 60);
	put_word(&p, time_base_ns(f->tb, e->tsc));
	if (!out) {
		put_word(&p, out_pid);
		put_word(&p, (uint32_t)e->pid);
	}
	if (!in) {
		put_word(&p, in_pid);
		put_word(&p, (uint32_t)e->next_pid);
	}
	outbuf_commit(&f->out, p);
	return 0;
}

/* A thread wakeup record (the scheduling record's event type 2): header
 * (no arguments, cpu), tick, the woken thread's koid. */
static int thread_wakeup(struct fxt *f, const struct ctr_sched_event *e)
{
	uint64_t pid;
	uint8_t *p;

	task_index(f, e->pid, e->comm, &pid); /* its thread and name known */
	if (outbuf_reserve(&f->out, 24))
		return f->out.err;
	p = outbuf_tail(&f->out);
	put_word(&p, REC_SCHED | 3 << 4 | (uint64_t)e->cpu << 20 |
		 (uint64_t)SCHED_THREAD_WAKEUP << 60);
	put_word(&p, time_base_ns(f->tb, e->tsc));
	put_word(&p, (uint32_t)e->pid);
	outbuf_commit(&f->out, p);
	return 0;
}

/* Marks a task woken (add) or switched in (!add); returns whether it
 * was woken already.  A short list: few tasks wait for a CPU at once. */
static int woken(struct fxt *f, int32_t tid, int add)
{
	for (size_t i = 0; i < f->nwoken; i++)
		if (f->woken[i] == tid) {
			if (!add)
				f->woken[i] = f->woken[--f->nwoken];
			return 1;
		}
	if (add) {
		int32_t *grown = array_room(f->woken, &f->woken_cap, f->nwoken,
					    sizeof(*grown));

		if (!grown)
			return 0; /* not remembered: at worst a second wakeup */
		f->woken = grown;
		f->woken[f->nwoken++] = tid;
	}
	return 0;
}

/* One scheduling event: sched_switch a context switch record; a wakeup a
 * thread wakeup record, as Perfetto's protobuf importer has it: a new
 * task runnable from its task_newtask (not again at sched_wakeup_new),
 * a wakeup of a task already runnable left out (the FXT importer would
 * start a new state there); a rename a kernel object record naming the
 * thread anew.  The spec has nothing for exits. */
static int sched_event(struct fxt *f, const struct ctr_sched_event *e)
{
	uint64_t pid;

	switch (e->type) {
	case CTR_SCHED_SWITCH:
		woken(f, e->next_pid, 0);
		if (e->pid && !(e->state & 0xff) && e->next_pid != e->pid)
			woken(f, e->pid, 1); /* preempted: runnable */
		return context_switch(f, e);
	case CTR_SCHED_WAKING:
	case CTR_SCHED_NEWTASK:
		if (woken(f, e->pid, 1))
			return 0;
		return thread_wakeup(f, e);
	case CTR_SCHED_RENAME:
		task_index(f, e->pid, e->comm, &pid);
		return f->out.err;
	}
	return 0;
}

/* The scheduling events of the window; those of CPUs past 255 (the
 * context switch record's 8-bit cpu field) are left out. */
static int fxt_sched(void *ctx, const struct reader_snapshot *snap,
		     uint64_t from_tsc, uint64_t to_tsc)
{
	struct fxt *f = ctx;

	uint8_t *skip = sched_wakeups_on_cpu(snap);

	if (!skip || !(f->ours = sched_our_tasks(snap, &f->nours))) {
		free(skip);
		return -ENOMEM;
	}
	kernel_object(f, ZX_OBJ_TYPE_PROCESS, OTHERS_PID, "other processes", 15, 0);
	for (size_t i = 0; i < snap->nsched && !f->out.err; i++) {
		const struct ctr_sched_event *e = &snap->sched[i];

		if (e->cpu <= 0xff && e->tsc >= from_tsc && e->tsc <= to_tsc && !skip[i])
			sched_event(f, e);
	}
	free(skip);
	free(f->ours);
	f->ours = NULL;
	free(f->woken);
	f->woken = NULL;
	f->nwoken = f->woken_cap = 0;
	return f->out.err;
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
	.track = fxt_track,
	.slice_begin = fxt_slice_begin,
	.slice_end = fxt_slice_end,
	.custom = fxt_custom,
	.sched = fxt_sched,
	.end_file = fxt_end_file,
};

void *fxt_emitter_new(int fd)
{
	struct fxt *f = calloc(1, sizeof(*f));

	if (f) {
		outbuf_init(&f->out, fd);
		intern_init(&f->strings);
		intern_init(&f->syms);
		context_ids_init(&f->contexts);
		intern_init(&f->named);
	}
	return f;
}

int fxt_emitter_free(void *emitter)
{
	struct fxt *f = emitter;
	int err = outbuf_flush(&f->out);

	intern_free(&f->strings);
	intern_free(&f->syms);
	for (size_t i = 0; i < f->ntracks; i++)
		free(f->tracks[i].stack);
	free(f->tracks);
	context_ids_free(&f->contexts);
	intern_free(&f->named);
	free(f->comms);
	free(f);
	return err;
}

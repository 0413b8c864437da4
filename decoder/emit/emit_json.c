/* emit_json.c - Chrome Trace Event JSON, as Perfetto UI and chrome://tracing
 * read it: {"traceEvents":[...],"displayTimeUnit":"ns",...}.
 *
 * Every slice becomes one complete event written when the slice ends:
 *   {"ph":"X","pid":P,"tid":T,"ts":US,"dur":US,"name":"f",
 *    "args":{"file":"f.c","line":12,"repair":"orphan return"}}
 * ts and dur are microseconds with exactly three decimals, i.e. exact
 * nanoseconds from the time base; dur is end minus begin after both are
 * converted, so ts + dur is the exact end.  args are left out when empty;
 * "repair" names what the timeline synthesized ("orphan return" for the
 * begin, the end's reason, or both joined by "; ").  Process and thread
 * names are "M" events.  A context or fiber (timeline.h) is a thread of
 * its own, named after it, with a made-up tid (json_track; context_ids in
 * outbuf.h), and has its own open calls (struct json_track).  Importers
 * read ts as a double, exact only while
 * it stays small, so --wall-clock times are the UTC time of day (from
 * midnight of the first snapshot's day, which "otherData" names).
 *
 * Scheduling events (a SCHED chunk) follow the array as the
 * "systemTraceEvents" string: ftrace's text format, which Perfetto's JSON
 * importer parses into per-CPU tracks and per-thread states:
 *   "   f_sleep-4071  ( 4071) [000] d..2 0.052049000: sched_switch: ..."
 * Timestamps are seconds with ten decimals (the nanosecond, then a 5) on
 * the same time base as the "X" events; the task-pid field is the task
 * that was on the CPU, its TGID our pid for our tasks (sched_our_tasks:
 * the snapshot's threads and those they made, like ctrail-sched),
 * "-----" for others.
 *
 * Output goes through an outbuf (outbuf.h: 1 MiB, flushed with write())
 * with hand-written number and string formatting; a write error is kept
 * and returned by every later callback, which stops the timeline. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "emit.h"
#include "outbuf.h"
#include "sched_text.h"

#define MAX_ITEM 4096 /* room reserved before writing a fixed-size piece */
#define DAY_NS (UINT64_C(86400) * 1000000000)

/* A slice whose "X" event waits for its caller's, which began in the
 * same nanosecond (see json_slice_end). */
struct held {
	struct slice s;
	uint64_t begin, end; /* ns */
};

/* One track of the current thread: its tid, and per depth of its open
 * calls, begin ns and how many slices were held when it began; the held
 * slices, in preorder. */
struct json_track {
	uint32_t tid;
	struct { uint64_t begin; size_t held; } *open;
	size_t open_cap;
	struct held *held;
	size_t nheld, held_cap;
};

struct json {
	int first; /* no event written yet: no comma before the next */
	int array_closed; /* the sched callback ended traceEvents */
	unsigned snapshots; /* begun in this file (several with convert --merge) */
	uint32_t pid, id_offset;
	const struct time_base *tb;
	uint64_t day_ns;    /* subtracted from wall-clock times: their day */
	struct json_track *tracks, *tr; /* by track index; the current one */
	size_t ntracks;
	struct context_ids contexts; /* the thread's contexts' tids */
	struct outbuf out;
};

/* n bytes, flushing as often as they need. */
static void put(struct json *j, const char *s, size_t n)
{
	struct outbuf *o = &j->out;

	while (n) {
		size_t room = OUTBUF_SIZE - o->len, k = n < room ? n : room;

		memcpy(o->buf + o->len, s, k);
		o->len += k;
		s += k;
		n -= k;
		if (n && outbuf_flush(o))
			return;
	}
}

/* One byte into room reserved. */
static void put_char(struct json *j, char c)
{
	j->out.buf[j->out.len++] = c;
}

#define PUT_LITERAL(j, s) put(j, s, sizeof(s) - 1)

/* Needs 20 bytes of room. */
static void put_u64(struct json *j, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		put_char(j, tmp[--n]);
}

/* Nanoseconds as microseconds with three decimals; needs 24 bytes. */
static void put_us(struct json *j, uint64_t ns)
{
	uint64_t frac = ns % 1000;

	put_u64(j, ns / 1000);
	put_char(j, '.');
	put_char(j, '0' + frac / 100);
	put_char(j, '0' + frac / 10 % 10);
	put_char(j, '0' + frac % 10);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] >= 0xf0 && s[0] < 0xf5 ? 4 :
		     s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 && s[0] < 0xe0 ? 2 : 0;

	if (len == 0 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Escapes n bytes of s into the buffer, which has room for 6 * n. */
static void put_escaped(struct json *j, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *out = (char *)outbuf_tail(&j->out);

	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
			*out++ = s[i];
		} else if (s[i] == '"' || s[i] == '\\') {
			*out++ = '\\';
			*out++ = s[i];
		} else if (s[i] < 0x20) {
			memcpy(out, "\\u00", 4);
			out[4] = hex[s[i] >> 4];
			out[5] = hex[s[i] & 15];
			out += 6;
		} else if ((k = utf8_len(s + i, n - i)) != 0) {
			memcpy(out, s + i, k);
			out += k;
			i += k - 1;
		} else {
			memcpy(out, "\\ufffd", 6);
			out += 6;
		}
	}
	outbuf_commit(&j->out, (uint8_t *)out);
}

/* A JSON string of n bytes: quotes, backslashes and control characters
 * escaped, bytes that are not UTF-8 replaced by U+FFFD so the output
 * always parses.  Escaped in pieces, each with room reserved once. */
static void put_string(struct json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t piece;

	if (outbuf_reserve(&j->out, 1))
		return;
	put_char(j, '"');
	for (; n; s += piece, n -= piece) {
		piece = n < 1024 ? n : 1024;
		/* A UTF-8 sequence is never split: stop the piece before a
		 * continuation byte. */
		while (piece < n && (s[piece] & 0xc0) == 0x80 && piece > 1020)
			piece--;
		if (outbuf_reserve(&j->out, 6 * piece))
			return;
		put_escaped(j, s, piece);
	}
	if (!outbuf_reserve(&j->out, 1))
		put_char(j, '"');
}

static void put_cstring(struct json *j, const char *s)
{
	put_string(j, s, strlen(s));
}

/* The start of every event: separator, phase, pid and tid. */
static void begin_event(struct json *j, const char *ph, uint32_t tid)
{
	if (outbuf_reserve(&j->out, MAX_ITEM))
		return;
	if (!j->first)
		put_char(j, ',');
	j->first = 0;
	PUT_LITERAL(j, "\n{\"ph\":\"");
	put(j, ph, 1);
	PUT_LITERAL(j, "\",\"pid\":");
	put_u64(j, j->pid);
	PUT_LITERAL(j, ",\"tid\":");
	put_u64(j, tid);
}

static void metadata(struct json *j, const char *what, uint32_t tid,
		     const char *name, size_t n)
{
	begin_event(j, "M", tid);
	PUT_LITERAL(j, ",\"name\":");
	put_cstring(j, what);
	PUT_LITERAL(j, ",\"args\":{\"name\":");
	put_string(j, name, n);
	PUT_LITERAL(j, "}}");
}

/* Snapshots after the first in one file (convert --merge) get pids and
 * tids moved past Linux's pid range, so each is a process of its own. */
#define MERGED_ID_STRIDE (1u << 22)

static int json_begin_file(void *ctx, const struct reader_snapshot *snap,
			   const struct time_base *tb)
{
	struct json *j = ctx;

	j->tb = tb;
	if (j->snapshots == 0)
		j->day_ns = tb->origin_ns - tb->origin_ns % DAY_NS;
	j->id_offset = j->snapshots * MERGED_ID_STRIDE;
	j->pid = snap->process->pid + j->id_offset;
	if (j->snapshots++ == 0) {
		j->first = 1;
		j->array_closed = 0;
		PUT_LITERAL(j, "{\"traceEvents\":[");
	}
	return j->out.err;
}

/* The executable's name; for a kept flow occurrence also the flow, its
 * rank and duration: "server: request #1 (2.399 ms)". */
static int json_process(void *ctx, const struct reader_snapshot *snap)
{
	struct json *j = ctx;
	const struct ctr_snapshot *h = snap->hdr;
	const char *exe = snap->exe;
	size_t n = snap->process->exe_size;
	const char *slash = memrchr(exe, '/', n);
	char name[512];
	int len;

	if (slash) {
		n -= slash + 1 - exe;
		exe = slash + 1;
	}
	if (h->reason == CTR_REASON_FLOW)
		len = snprintf(name, sizeof(name), "%.*s: %.*s #%u (%.3f ms)", (int)n, exe,
			       (int)h->name_size, snap->name, h->rank,
			       ns_from_ticks(j->tb->hz, h->duration_tsc) / 1e6);
	else
		len = snprintf(name, sizeof(name), "%.*s", (int)n, exe);
	metadata(j, "process_name", j->pid, name,
		 len < (int)sizeof(name) ? (size_t)len : sizeof(name) - 1);
	return j->out.err;
}

/* Track index's state, made if new; NULL on no memory. */
static struct json_track *track_at(struct json *j, unsigned index)
{
	struct json_track *grown = array_room(j->tracks, &j->ntracks, index, sizeof(*grown));

	if (!grown)
		return NULL;
	j->tracks = grown;
	return &grown[index];
}

static int json_thread(void *ctx, const struct reader_thread *t)
{
	struct json *j = ctx;
	char name[32];

	if (!(j->tr = track_at(j, 0)))
		return -ENOMEM;
	for (size_t i = 0; i < j->ntracks; i++)
		j->tracks[i].nheld = 0;
	context_ids_reset(&j->contexts);
	j->tr->tid = t->hdr->tid + j->id_offset;
	if (t->name[0])
		metadata(j, "thread_name", j->tr->tid, t->name, strlen(t->name));
	else
		metadata(j, "thread_name", j->tr->tid, name,
			 snprintf(name, sizeof(name), "thread %u", j->tr->tid));
	return j->out.err;
}

/* A context's slices go to a thread of its own, named after it when first
 * met. */
static int json_track(void *ctx, const struct track *tr)
{
	struct json *j = ctx;

	if (!(j->tr = track_at(j, tr->index)))
		return -ENOMEM;
	if (!tr->index)
		return j->out.err;
	if (!(j->tr->tid = context_id(&j->contexts, tr->index)))
		return -ENOMEM;
	if (tr->uses == 0)
		metadata(j, "thread_name", j->tr->tid, tr->name, strlen(tr->name));
	return j->out.err;
}

static void put_args(struct json *j, const struct slice *s)
{
	const char *sep = "";

	if (!s->sym->file && !s->begin_repair && !s->end_repair)
		return;
	PUT_LITERAL(j, ",\"args\":{");
	if (s->sym->file) {
		PUT_LITERAL(j, "\"file\":");
		put_cstring(j, s->sym->file);
		if (outbuf_reserve(&j->out, 32))
			return;
		if (s->sym->line) {
			PUT_LITERAL(j, ",\"line\":");
			put_u64(j, s->sym->line);
		}
		sep = ",";
	}
	if (s->begin_repair || s->end_repair) {
		const char *b = timeline_repair_name(s->begin_repair);
		const char *e = timeline_repair_name(s->end_repair);
		char text[64];

		put(j, sep, strlen(sep));
		PUT_LITERAL(j, "\"repair\":");
		put_string(j, text, snprintf(text, sizeof(text), "%s%s%s",
					     b ? b : "", b && e ? "; " : "",
					     e ? e : ""));
	}
	PUT_LITERAL(j, "}");
}

/* Output time of a tick: the time base's ns, less the day for wall-clock
 * times. */
static uint64_t json_ns(const struct json *j, uint64_t tsc)
{
	return time_base_ns(j->tb, tsc) - j->day_ns;
}

static void put_slice(struct json *j, const struct slice *s, uint64_t begin,
		      uint64_t end)
{
	begin_event(j, "X", j->tr->tid);
	PUT_LITERAL(j, ",\"ts\":");
	put_us(j, begin);
	PUT_LITERAL(j, ",\"dur\":");
	put_us(j, end - begin);
	PUT_LITERAL(j, ",\"name\":");
	put_cstring(j, s->sym->name);
	put_args(j, s);
	if (!outbuf_reserve(&j->out, 1))
		PUT_LITERAL(j, "}");
}

static int json_slice_begin(void *ctx, const struct slice *s)
{
	struct json *j = ctx;
	struct json_track *t = j->tr;
	void *grown = array_room(t->open, &t->open_cap, s->depth, sizeof(*t->open));

	if (!grown)
		return -ENOMEM;
	t->open = grown;
	t->open[s->depth].begin = json_ns(j, s->begin_tsc);
	t->open[s->depth].held = t->nheld;
	return 0;
}

/* Holds a slice until its caller is written: it goes before the slices
 * held since it began (its callees), so the held ones stay in preorder. */
static int hold(struct json_track *t, const struct slice *s, uint64_t begin,
		uint64_t end)
{
	size_t at = t->open[s->depth].held;
	void *grown = array_room(t->held, &t->held_cap, t->nheld, sizeof(*t->held));

	if (!grown)
		return -ENOMEM;
	t->held = grown;
	memmove(t->held + at + 1, t->held + at, (t->nheld - at) * sizeof(*t->held));
	t->held[at] = (struct held){ *s, begin, end };
	t->nheld++;
	return 0;
}

/* Perfetto orders "X" events by ts, longer first, and keeps file order
 * for the same ts and dur; events are written as calls end, callees
 * first.  So a call beginning in its caller's begin nanosecond is held
 * and written right after its caller (with the calls held under it): a
 * caller and callee of the same ts and dur then nest the right way. */
static int json_slice_end(void *ctx, const struct slice *s)
{
	struct json *j = ctx;
	struct json_track *t = j->tr;
	uint64_t begin = t->open[s->depth].begin, end = json_ns(j, s->end_tsc);
	size_t from = t->open[s->depth].held;

	if (s->depth && t->open[s->depth - 1].begin == begin)
		return hold(t, s, begin, end);
	put_slice(j, s, begin, end);
	for (size_t i = from; i < t->nheld && !j->out.err; i++)
		put_slice(j, &t->held[i].s, t->held[i].begin, t->held[i].end);
	t->nheld = from;
	return j->out.err;
}

/* Log lines and instants are thread-scoped instant events ("i"), counters
 * counter events ("C", one series named "value"), flow arrows flow events
 * ("s", "f") bound to the slice around them, with the id as a string so
 * 64-bit ids survive JavaScript's doubles.  Importers join "s" and "f" by
 * category, name and id, so both ends are named "flow", the name the
 * program gave each end going in args. */
static int json_custom(void *ctx, const struct custom_event *e)
{
	static const char *const phase[] = {
		[CTR_KIND_LOG] = "i", [CTR_KIND_COUNTER] = "C", [CTR_KIND_INSTANT] = "i",
		[CTR_KIND_FLOW_BEGIN] = "s", [CTR_KIND_FLOW_END] = "f",
	};
	struct json *j = ctx;
	char id[32];

	int flow = e->kind == CTR_KIND_FLOW_BEGIN || e->kind == CTR_KIND_FLOW_END;

	begin_event(j, phase[e->kind], j->tr->tid);
	PUT_LITERAL(j, ",\"ts\":");
	put_us(j, json_ns(j, e->tsc));
	PUT_LITERAL(j, ",\"name\":");
	put_cstring(j, flow ? "flow" : e->name);
	if (outbuf_reserve(&j->out, MAX_ITEM))
		return j->out.err;
	switch (e->kind) {
	case CTR_KIND_LOG:
		PUT_LITERAL(j, ",\"s\":\"t\",\"cat\":\"log\",\"args\":{\"format\":");
		put_cstring(j, e->format);
		PUT_LITERAL(j, "}");
		break;
	case CTR_KIND_INSTANT:
		PUT_LITERAL(j, ",\"s\":\"t\",\"cat\":\"instant\"");
		break;
	case CTR_KIND_COUNTER:
		PUT_LITERAL(j, ",\"args\":{\"value\":");
		if (e->value < 0)
			PUT_LITERAL(j, "-");
		put_u64(j, e->value < 0 ? -(uint64_t)e->value : (uint64_t)e->value);
		PUT_LITERAL(j, "}");
		break;
	default:
		PUT_LITERAL(j, ",\"cat\":\"flow\",\"id\":");
		put_string(j, id, snprintf(id, sizeof(id), "0x%llx", (unsigned long long)e->id));
		if (e->kind == CTR_KIND_FLOW_END)
			PUT_LITERAL(j, ",\"bp\":\"e\"");
		PUT_LITERAL(j, ",\"args\":{\"name\":");
		put_cstring(j, e->name);
		PUT_LITERAL(j, "}");
		break;
	}
	if (!outbuf_reserve(&j->out, 1))
		PUT_LITERAL(j, "}");
	return j->out.err;
}

/* The name of a task of the snapshot, for the task-pid field; NULL if the
 * task is not one of its threads. */
static const char *snapshot_task(const struct reader_snapshot *snap, int32_t tid)
{
	for (size_t i = 0; i < snap->nthreads; i++)
		if ((int32_t)snap->threads[i].hdr->tid == tid)
			return snap->threads[i].name;
	return NULL;
}

/* One ftrace text line into the string being written.  It needs no
 * escaping (sched_text.h) but its end: Perfetto splits the string only at
 * the two characters \n, never at an escaped \u000a.  Perfetto's text
 * parser ignores task_newtask and sched_wakeup_new, where its protobuf
 * importer has a new task runnable from its task_newtask on; so a
 * task_newtask line is followed by a sched_waking line of the new task
 * at the same time, and the JSON shows the same runnable state. */
static void sched_line(struct json *j, const struct reader_snapshot *snap,
		       const struct ctr_sched_event *e, const int32_t *ours,
		       size_t nours)
{
	char line[SCHED_TEXT_MAX + 128], args[SCHED_TEXT_MAX], flags[5], name[17];
	const char *task = snapshot_task(snap, e->common_pid);
	const char *type = reader_sched_type_name(e->type);
	uint64_t ns = json_ns(j, e->tsc);
	char tgid[16];
	int n;

	if (!type)
		return;
	if (e->common_pid == 0)
		task = "<idle>";
	else if ((e->type == CTR_SCHED_SWITCH || e->type == CTR_SCHED_RENAME) &&
		 e->common_pid == e->pid)
		task = sched_text_comm(e->comm, name); /* a rename's new name:
							  the parser knows no rename */
	else if (!task || !*task)
		task = "<...>";
	else
		task = sched_text_comm(task, name);
	snprintf(tgid, sizeof(tgid),
		 sched_task_is_ours(ours, nours, e->common_pid) ? "%5u" : "-----",
		 snap->process->pid);
	sched_text_args(e, args);
	sched_text_flags(e, flags);
	/* Perfetto reads the seconds as a double and truncates to ns: the
	 * half ns more keeps that exact */
	n = snprintf(line, sizeof(line), "%16s-%d (%s) [%03u] %s %llu.%09llu5: %s: %s\\n",
		     task, e->common_pid, tgid, e->cpu, flags,
		     (unsigned long long)(ns / 1000000000),
		     (unsigned long long)(ns % 1000000000), type, args);
	if (n > 0 && (size_t)n < sizeof(line) && !outbuf_reserve(&j->out, n))
		put(j, line, n);
	if (e->type == CTR_SCHED_NEWTASK) {
		struct ctr_sched_event woken = *e;

		woken.type = CTR_SCHED_WAKING;
		woken.state = e->cpu; /* target_cpu */
		sched_line(j, snap, &woken, ours, nours);
	}
}

/* The last comm the scheduling events give a task, or NULL. */
static const char *last_comm(const struct reader_snapshot *snap, int32_t tid)
{
	for (size_t i = snap->nsched; i-- > 0;) {
		const struct ctr_sched_event *e = &snap->sched[i];

		if (e->type == CTR_SCHED_SWITCH && e->next_pid == tid)
			return e->next_comm;
		if (e->pid == tid && e->type != CTR_SCHED_PROCESS_EXIT)
			return e->comm;
	}
	return NULL;
}

/* "M" thread names for our tasks that are not the snapshot's threads (the
 * ctrail-sched reader...), so they show in our process even when no line
 * of theirs carries our TGID. */
static void our_task_names(struct json *j, const struct reader_snapshot *snap,
			   const int32_t *ours, size_t nours)
{
	for (size_t i = 0; i < nours && !j->out.err; i++) {
		const char *comm = last_comm(snap, ours[i]);
		char clean[17];

		if (comm && !snapshot_task(snap, ours[i]) &&
		    (uint32_t)ours[i] != snap->process->pid) {
			const char *name = sched_text_comm(comm, clean);

			metadata(j, "thread_name", ours[i], name, strlen(name));
		}
	}
}

static int json_sched(void *ctx, const struct reader_snapshot *snap,
		      uint64_t from_tsc, uint64_t to_tsc)
{
	struct json *j = ctx;
	size_t nours;
	int32_t *ours = sched_our_tasks(snap, &nours);
	uint8_t *skip = sched_wakeups_on_cpu(snap);

	if (!ours || !skip || outbuf_reserve(&j->out, 1024)) {
		free(ours);
		free(skip);
		return ours && skip ? j->out.err : -ENOMEM;
	}
	our_task_names(j, snap, ours, nours);
	if (outbuf_reserve(&j->out, 1024)) {
		free(ours);
		free(skip);
		return j->out.err;
	}
	PUT_LITERAL(j, "\n],\"systemTraceEvents\":\"# tracer: nop\\n#\\n"
		    "#           TASK-PID    TGID   CPU#  ||||   TIMESTAMP  FUNCTION\\n");
	j->array_closed = 1;
	for (size_t i = 0; i < snap->nsched && !j->out.err; i++)
		if (snap->sched[i].tsc >= from_tsc && snap->sched[i].tsc <= to_tsc &&
		    !skip[i])
			sched_line(j, snap, &snap->sched[i], ours, nours);
	free(ours);
	free(skip);
	if (!outbuf_reserve(&j->out, 1))
		PUT_LITERAL(j, "\"");
	return j->out.err;
}

static int json_end_file(void *ctx)
{
	struct json *j = ctx;

	if (!j->array_closed)
		PUT_LITERAL(j, "\n]");
	PUT_LITERAL(j, ",\"displayTimeUnit\":\"ns\"");
	if (j->day_ns) {
		time_t day = j->day_ns / 1000000000;
		struct tm tm;
		char date[64];

		gmtime_r(&day, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		PUT_LITERAL(j, ",\"otherData\":{\"clock\":\"UTC time of day on ");
		put(j, date, strlen(date));
		PUT_LITERAL(j, "\"}");
	}
	PUT_LITERAL(j, "}\n");
	return outbuf_flush(&j->out);
}

const struct emitter_ops json_emitter_ops = {
	.begin_file = json_begin_file,
	.process = json_process,
	.thread = json_thread,
	.track = json_track,
	.slice_begin = json_slice_begin,
	.slice_end = json_slice_end,
	.custom = json_custom,
	.sched = json_sched,
	.end_file = json_end_file,
};

void *json_emitter_new(int fd)
{
	struct json *j = calloc(1, sizeof(*j));

	if (j) {
		outbuf_init(&j->out, fd);
		j->first = 1;
		context_ids_init(&j->contexts);
	}
	return j;
}

int json_emitter_free(void *emitter)
{
	struct json *j = emitter;
	int err = outbuf_flush(&j->out);

	for (size_t i = 0; i < j->ntracks; i++) {
		free(j->tracks[i].open);
		free(j->tracks[i].held);
	}
	free(j->tracks);
	context_ids_free(&j->contexts);
	free(j);
	return err;
}

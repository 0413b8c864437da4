/* emit_perfetto.c - Perfetto's protobuf trace (a `Trace`: repeated
 * TracePacket packet = 1), field numbers from Perfetto's protos
 * (trace_packet.proto, the track_event protos, interned_data.proto,
 * clock_snapshot.proto, trace_packet_defaults.proto), encoded by hand.
 *
 * Packet sequences (trusted_packet_sequence_id, on every packet):
 *   1: the process's TrackDescriptor (pid, executable's name, cmdline),
 *      and a SystemInfo (the recording kernel's utsname) when the
 *      snapshot has a SYSINFO chunk;
 *   2 + N: thread N of the snapshot, in this order:
 *     - SEQ_INCREMENTAL_STATE_CLEARED, TracePacketDefaults (timestamp
 *       clock 64, track_event_defaults.track_uuid = the thread's track)
 *       and the thread's TrackDescriptor (pid, tid, name; parent: the
 *       process track);
 *     - a ClockSnapshot defining clock 64 as sequence-scoped, incremental,
 *       in nanoseconds, equal to BOOTTIME (0 = 0): every later timestamp
 *       on the sequence is the delta from the previous one;
 *     - per call a TYPE_SLICE_BEGIN TrackEvent with name_iid and, when the
 *       function's file is known, source_location_iid, and a
 *       TYPE_SLICE_END TrackEvent.  The first use of a function on a
 *       sequence carries its InternedData (EventName, SourceLocation) in
 *       the same packet.  Repaired calls have a "repair" debug annotation
 *       on their end event.
 *     - custom events, as they come (packet_instant, packet_counter): log
 *       lines, instants and flow arrows are TYPE_INSTANT TrackEvents on
 *       the thread's track with categories "log", "instant" or "flow"
 *       like the JSON output; a log's name is its formatted text (inline,
 *       interned once it repeats: struct seen, outbuf.h), its format a
 *       "format" debug annotation; other names are interned.  A flow
 *       arrow's id is in flow_ids (begin) or terminating_flow_ids (end)
 *       of that instant: Perfetto binds a flow to the event carrying the
 *       id, and the instant sits inside the call around it, at the
 *       moment the program marked, written as it comes (the call's own
 *       begin is already written, its end may be far).  Counters are
 *       TYPE_COUNTER events with counter_value on a counter track per
 *       counter name: a TrackDescriptor with a CounterDescriptor whose
 *       parent is the process track, written (on sequence 1) before the
 *       name's first value.
 *     - a context or fiber (timeline.h) has a track of its own, child of
 *       the process, described on the thread's sequence when first met;
 *       its slices and instants carry its track_uuid (perfetto_track).
 * Times are the time base's nanoseconds (from the snapshot's first event,
 * or wall-clock), the same values as the JSON output.  A call costs 22
 * bytes (begin 11, end 9, deltas under 128 ns), 3 more with a source
 * location.
 *
 * Scheduling events, last, on sequence 1: ftrace_events packets
 * (FtraceEventBundle: cpu and FtraceEvents with timestamp, pid (the task
 * on the CPU) and the sched_switch, sched_waking, sched_wakeup_new,
 * sched_process_exit, task_newtask or task_rename payload, prev_state
 * the kernel's raw value), the events of one CPU in time order per
 * bundle; a CPU with many events gets several bundles of at most
 * BUNDLE_BYTES, so a packet always fits the output buffer.  Bundles carry
 * no clock, so their timestamps are on the trace's default clock,
 * BOOTTIME: the same nanoseconds as the track events, whose clock 64 is
 * BOOTTIME from 0.  The threads' TrackDescriptors tie tids to our pid, so
 * no ProcessTree is written (Perfetto asks writers other than its own
 * system probes to prefer descriptors).
 *
 * Each packet kind has its own function (packet_*).
 *
 * Packets are built in place in the output buffer: a nested message gets
 * a one-byte length slot, widened (bytes moved up) on close in the rare
 * case it reaches 128 bytes. */
#define _GNU_SOURCE /* memrchr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "outbuf.h"
#include "protobuf.h"
#include "sched_text.h"

/* Field numbers. */
enum {
	TRACE_PACKET = 1,
	/* TracePacket */
	PKT_FTRACE_EVENTS = 1, PKT_CLOCK_SNAPSHOT = 6, PKT_TIMESTAMP = 8,
	PKT_SEQUENCE_ID = 10, PKT_TRACK_EVENT = 11, PKT_INTERNED_DATA = 12,
	PKT_SEQUENCE_FLAGS = 13, PKT_SYSTEM_INFO = 45, PKT_DEFAULTS = 59,
	PKT_TRACK_DESCRIPTOR = 60,
	/* SystemInfo, Utsname */
	SI_UTSNAME = 1, UTS_SYSNAME = 1, UTS_VERSION = 2, UTS_RELEASE = 3,
	UTS_MACHINE = 4,
	/* TrackEvent */
	TE_DEBUG_ANNOTATIONS = 4, TE_TYPE = 9, TE_NAME_IID = 10,
	TE_TRACK_UUID = 11, TE_CATEGORIES = 22, TE_NAME = 23,
	TE_COUNTER_VALUE = 30, TE_SOURCE_LOCATION_IID = 34, TE_FLOW_IDS = 47,
	TE_TERMINATING_FLOW_IDS = 48,
	/* DebugAnnotation */
	DA_STRING_VALUE = 6, DA_NAME = 10,
	/* InternedData; EventName and SourceLocation */
	ID_EVENT_NAMES = 2, ID_SOURCE_LOCATIONS = 4,
	EN_IID = 1, EN_NAME = 2,
	SL_IID = 1, SL_FILE_NAME = 2, SL_FUNCTION_NAME = 3, SL_LINE_NUMBER = 4,
	/* TracePacketDefaults, TrackEventDefaults */
	TPD_TIMESTAMP_CLOCK_ID = 58, TPD_TRACK_EVENT_DEFAULTS = 11,
	TED_TRACK_UUID = 11,
	/* TrackDescriptor, ProcessDescriptor, ThreadDescriptor */
	TD_UUID = 1, TD_NAME = 2, TD_PROCESS = 3, TD_THREAD = 4,
	TD_PARENT_UUID = 5, TD_COUNTER = 8,
	PD_PID = 1, PD_CMDLINE = 2, PD_PROCESS_NAME = 6,
	THD_PID = 1, THD_TID = 2, THD_THREAD_NAME = 5,
	/* ClockSnapshot, Clock */
	CS_CLOCKS = 1, CLK_ID = 1, CLK_TIMESTAMP = 2, CLK_INCREMENTAL = 3,
	CLK_UNIT_NS = 4,
	/* FtraceEventBundle, FtraceEvent */
	FB_CPU = 1, FB_EVENT = 2,
	FE_TIMESTAMP = 1, FE_PID = 2, FE_SCHED_SWITCH = 4, FE_SCHED_WAKING = 20,
	FE_SCHED_WAKEUP_NEW = 114, FE_TASK_NEWTASK = 235, FE_TASK_RENAME = 236,
	FE_SCHED_PROCESS_EXIT = 238,
	/* SchedSwitchFtraceEvent */
	SW_PREV_COMM = 1, SW_PREV_PID = 2, SW_PREV_PRIO = 3, SW_PREV_STATE = 4,
	SW_NEXT_COMM = 5, SW_NEXT_PID = 6, SW_NEXT_PRIO = 7,
	/* SchedWakingFtraceEvent, SchedWakeupNewFtraceEvent */
	WK_COMM = 1, WK_PID = 2, WK_PRIO = 3, WK_TARGET_CPU = 5,
	/* SchedProcessExitFtraceEvent */
	EX_COMM = 1, EX_PID = 2, EX_PRIO = 4,
	/* TaskNewtaskFtraceEvent, TaskRenameFtraceEvent */
	NT_PID = 1, NT_COMM = 2, NT_CLONE_FLAGS = 3,
	RN_PID = 1, RN_OLDCOMM = 2, RN_NEWCOMM = 3,
};
enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2, TYPE_INSTANT = 3,
       TYPE_COUNTER = 4 };
enum { SEQ_INCREMENTAL_STATE_CLEARED = 1 };
enum { CLOCK_BOOTTIME = 6, CLOCK_INCREMENTAL = 64 };

#define PROCESS_SEQUENCE 1
#define MAX_STRING 32000
#define SLACK 256 /* room for a packet's fixed fields and length growth */
#define MAX_MESSAGE_IIDS (1 << 16) /* log texts are interned below this */
/* Counter track n (1, 2, ...): sequence 1 is no thread's, so no thread
 * track (sequence << 32 | tid) has this uuid, nor the process (pid). */
#define COUNTER_UUID(n) ((uint64_t)PROCESS_SEQUENCE << 32 | (n))
#define BUNDLE_BYTES (64 << 10) /* of ftrace events per packet, about */
#define FTRACE_EVENT_MAX 192 /* bytes one ftrace event takes at most */

struct perfetto {
	struct intern iids;  /* symbol or custom event name -> iid, per
				sequence */
	struct intern counters; /* counter name -> n, for the whole file */
	struct seen messages;   /* log texts met */
	const struct time_base *tb;
	uint64_t pid;
	uint64_t process_uuid, track_uuid;
	uint64_t context_uuid; /* the context track events go to; 0: the thread's */
	uint32_t sequence;   /* the current thread's */
	uint32_t nthreads;
	uint64_t last_ns;    /* of the last timestamp on the sequence */
	struct outbuf out;
};

/* A packet's start: the Trace field, the sequence id.  Space for `room`
 * bytes of packet is reserved first; NULL on a write error. */
static uint8_t *packet_open(struct perfetto *pf, uint32_t sequence,
			    size_t room, uint8_t **slot)
{
	uint8_t *p;

	if (outbuf_reserve(&pf->out, room + SLACK))
		return NULL;
	p = pb_open(outbuf_tail(&pf->out), TRACE_PACKET, slot);
	return pb_uint(p, PKT_SEQUENCE_ID, sequence);
}

static void packet_close(struct perfetto *pf, uint8_t *slot, uint8_t *end)
{
	outbuf_commit(&pf->out, pb_close(slot, end));
}

/* The packet's time: the delta from the sequence's previous one. */
static uint8_t *put_time(struct perfetto *pf, uint8_t *p, uint64_t tsc)
{
	uint64_t ns = time_base_ns(pf->tb, tsc);

	p = pb_uint(p, PKT_TIMESTAMP, ns - pf->last_ns);
	pf->last_ns = ns;
	return p;
}

static size_t cut(const char *s, size_t n)
{
	return utf8_prefix(s, n, MAX_STRING);
}

static int packet_process_track(struct perfetto *pf,
				const struct reader_snapshot *snap)
{
	const char *exe = snap->exe, *arg = snap->cmdline;
	const char *end = arg + snap->process->cmdline_size;
	size_t n = snap->process->exe_size;
	const char *slash = memrchr(exe, '/', n);
	uint8_t *p, *pkt, *td, *pd;

	if (slash) {
		n -= slash + 1 - exe;
		exe = slash + 1;
	}
	/* the command line can be long: at most MAX_STRING of it */
	if (snap->process->cmdline_size > MAX_STRING)
		end = arg + MAX_STRING;
	if (!(p = packet_open(pf, PROCESS_SEQUENCE, 2 * MAX_STRING, &pkt)))
		return pf->out.err;
	p = pb_uint(p, PKT_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	p = pb_open(p, PKT_TRACK_DESCRIPTOR, &td);
	p = pb_uint(p, TD_UUID, pf->process_uuid);
	p = pb_open(p, TD_PROCESS, &pd);
	p = pb_uint(p, PD_PID, pf->pid);
	while (arg < end) {
		size_t k = strnlen(arg, end - arg);

		p = pb_bytes(p, PD_CMDLINE, arg, k);
		arg += k + 1;
	}
	p = pb_bytes(p, PD_PROCESS_NAME, exe, cut(exe, n));
	p = pb_close(pd, p);
	packet_close(pf, pkt, pb_close(td, p));
	return 0;
}

/* The first packet of a thread's sequence. */
static int packet_thread_track(struct perfetto *pf, uint64_t tid,
			       const char *name, size_t n)
{
	uint8_t *p, *pkt, *def, *ted, *td, *thd;

	if (!(p = packet_open(pf, pf->sequence, n, &pkt)))
		return pf->out.err;
	p = pb_uint(p, PKT_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	p = pb_open(p, PKT_DEFAULTS, &def);
	p = pb_uint(p, TPD_TIMESTAMP_CLOCK_ID, CLOCK_INCREMENTAL);
	p = pb_open(p, TPD_TRACK_EVENT_DEFAULTS, &ted);
	p = pb_uint(p, TED_TRACK_UUID, pf->track_uuid);
	p = pb_close(def, pb_close(ted, p));
	p = pb_open(p, PKT_TRACK_DESCRIPTOR, &td);
	p = pb_uint(p, TD_UUID, pf->track_uuid);
	p = pb_uint(p, TD_PARENT_UUID, pf->process_uuid);
	p = pb_open(p, TD_THREAD, &thd);
	p = pb_uint(p, THD_PID, pf->pid);
	p = pb_uint(p, THD_TID, tid);
	p = pb_bytes(p, THD_THREAD_NAME, name, n);
	p = pb_close(td, pb_close(thd, p));
	packet_close(pf, pkt, p);
	return 0;
}

static uint8_t *put_clock(uint8_t *p, uint32_t id, int incremental)
{
	uint8_t *clk;

	p = pb_open(p, CS_CLOCKS, &clk);
	p = pb_uint(p, CLK_ID, id);
	p = pb_uint(p, CLK_TIMESTAMP, 0);
	if (incremental) {
		p = pb_uint(p, CLK_INCREMENTAL, 1);
		p = pb_uint(p, CLK_UNIT_NS, 1);
	}
	return pb_close(clk, p);
}

/* Clock 64 starts at BOOTTIME 0 and counts in deltas. */
static int packet_clock(struct perfetto *pf)
{
	uint8_t *p, *pkt, *cs;

	if (!(p = packet_open(pf, pf->sequence, 0, &pkt)))
		return pf->out.err;
	p = pb_open(p, PKT_CLOCK_SNAPSHOT, &cs);
	p = put_clock(p, CLOCK_BOOTTIME, 0);
	p = put_clock(p, CLOCK_INCREMENTAL, 1);
	packet_close(pf, pkt, pb_close(cs, p));
	pf->last_ns = 0;
	return 0;
}

/* An EventName entry of InternedData. */
static uint8_t *put_event_name(uint8_t *p, uint32_t iid, const char *s,
			       size_t n)
{
	uint8_t *en;

	p = pb_open(p, ID_EVENT_NAMES, &en);
	p = pb_uint(p, EN_IID, iid);
	p = pb_bytes(p, EN_NAME, s, cut(s, n));
	return pb_close(en, p);
}

/* InternedData for a function first seen on this sequence. */
static uint8_t *put_interned(uint8_t *p, const struct symbol *sym, uint32_t iid)
{
	uint8_t *id, *sl;

	p = pb_open(p, PKT_INTERNED_DATA, &id);
	p = put_event_name(p, iid, sym->name, strlen(sym->name));
	if (sym->file) {
		p = pb_open(p, ID_SOURCE_LOCATIONS, &sl);
		p = pb_uint(p, SL_IID, iid);
		p = pb_bytes(p, SL_FILE_NAME, sym->file,
			     cut(sym->file, strlen(sym->file)));
		p = pb_bytes(p, SL_FUNCTION_NAME, sym->name,
			     cut(sym->name, strlen(sym->name)));
		if (sym->line)
			p = pb_uint(p, SL_LINE_NUMBER, sym->line);
		p = pb_close(sl, p);
	}
	return pb_close(id, p);
}

/* A context's track, overriding the sequence's default (the thread's). */
static uint8_t *put_context(struct perfetto *pf, uint8_t *p)
{
	return pf->context_uuid ? pb_uint(p, TE_TRACK_UUID, pf->context_uuid) : p;
}

static int packet_slice_begin(struct perfetto *pf, const struct slice *s)
{
	uint32_t iid = intern_ptr_find(&pf->iids, s->sym);
	size_t room = 0;
	uint8_t *p, *pkt, *te;

	if (!iid) {
		if (!(iid = intern_ptr_add(&pf->iids, s->sym, 0)))
			return -ENOMEM;
		room = 2 * MAX_STRING + 2 * (s->sym->file ? MAX_STRING : 0);
	}
	if (!(p = packet_open(pf, pf->sequence, room, &pkt)))
		return pf->out.err;
	p = put_time(pf, p, s->begin_tsc);
	if (room)
		p = put_interned(p, s->sym, iid);
	p = pb_open(p, PKT_TRACK_EVENT, &te);
	p = put_context(pf, p);
	p = pb_uint(p, TE_TYPE, TYPE_SLICE_BEGIN);
	p = pb_uint(p, TE_NAME_IID, iid);
	if (s->sym->file)
		p = pb_uint(p, TE_SOURCE_LOCATION_IID, iid);
	packet_close(pf, pkt, pb_close(te, p));
	return 0;
}

/* A debug annotation with a string value. */
static uint8_t *put_annotation(uint8_t *p, const char *name, const char *value,
			       size_t n)
{
	uint8_t *da;

	p = pb_open(p, TE_DEBUG_ANNOTATIONS, &da);
	p = pb_bytes(p, DA_NAME, name, strlen(name));
	p = pb_bytes(p, DA_STRING_VALUE, value, n);
	return pb_close(da, p);
}

/* A "repair" debug annotation naming what the timeline synthesized. */
static uint8_t *put_repair(uint8_t *p, const struct slice *s)
{
	const char *b = timeline_repair_name(s->begin_repair);
	const char *e = timeline_repair_name(s->end_repair);
	char text[64];

	return put_annotation(p, "repair", text,
			      snprintf(text, sizeof(text), "%s%s%s", b ? b : "",
				       b && e ? "; " : "", e ? e : ""));
}

static int packet_slice_end(struct perfetto *pf, const struct slice *s)
{
	uint8_t *p, *pkt, *te;

	if (!(p = packet_open(pf, pf->sequence, 0, &pkt)))
		return pf->out.err;
	p = put_time(pf, p, s->end_tsc);
	p = pb_open(p, PKT_TRACK_EVENT, &te);
	p = put_context(pf, p);
	p = pb_uint(p, TE_TYPE, TYPE_SLICE_END);
	if (s->begin_repair || s->end_repair)
		p = put_repair(p, s);
	packet_close(pf, pkt, pb_close(te, p));
	return 0;
}

static int perfetto_begin_file(void *ctx, const struct reader_snapshot *snap,
			       const struct time_base *tb)
{
	struct perfetto *pf = ctx;

	pf->tb = tb;
	pf->pid = snap->process->pid;
	pf->process_uuid = pf->pid ? pf->pid : 1;
	return 0;
}

/* The recording kernel's uname (SYSINFO chunk), by which Perfetto reads
 * the prev_state bits of sched_switch (they moved between versions). */
static int packet_system_info(struct perfetto *pf, const struct ctr_sysinfo *sys)
{
	uint8_t *p, *pkt, *si, *uts;

	if (!(p = packet_open(pf, PROCESS_SEQUENCE, 4 * 65, &pkt)))
		return pf->out.err;
	p = pb_open(p, PKT_SYSTEM_INFO, &si);
	p = pb_open(p, SI_UTSNAME, &uts);
	p = pb_bytes(p, UTS_SYSNAME, sys->sysname, strlen(sys->sysname));
	p = pb_bytes(p, UTS_VERSION, sys->version, strlen(sys->version));
	p = pb_bytes(p, UTS_RELEASE, sys->release, strlen(sys->release));
	p = pb_bytes(p, UTS_MACHINE, sys->machine, strlen(sys->machine));
	packet_close(pf, pkt, pb_close(si, pb_close(uts, p)));
	return 0;
}

static int perfetto_process(void *ctx, const struct reader_snapshot *snap)
{
	int err = packet_process_track(ctx, snap);

	if (!err && snap->sysinfo)
		err = packet_system_info(ctx, snap->sysinfo);
	return err;
}

static int perfetto_thread(void *ctx, const struct reader_thread *t)
{
	struct perfetto *pf = ctx;
	char name[32];
	int err;

	pf->sequence = PROCESS_SEQUENCE + 1 + pf->nthreads++;
	pf->context_uuid = 0;
	/* thread tracks: uuids above every pid */
	pf->track_uuid = (uint64_t)pf->sequence << 32 | t->hdr->tid;
	intern_clear(&pf->iids);
	if (t->name[0])
		err = packet_thread_track(pf, t->hdr->tid, t->name,
					  strlen(t->name));
	else
		err = packet_thread_track(pf, t->hdr->tid, name,
					  snprintf(name, sizeof(name), "thread %u",
						   t->hdr->tid));
	return err ? err : packet_clock(pf);
}

/* A context's or fiber's track: a TrackDescriptor child of the process
 * named after it, written on the thread's sequence when first met; uuid
 * sequence << 32 | 1 << 31 | index, which no thread track (tids stay
 * below 2^22) nor counter track has. */
static int perfetto_track(void *ctx, const struct track *tr)
{
	struct perfetto *pf = ctx;
	size_t n = tr->index ? cut(tr->name, strlen(tr->name)) : 0;
	uint8_t *p, *pkt, *td;

	pf->context_uuid = 0;
	if (!tr->index)
		return 0;
	pf->context_uuid = (uint64_t)pf->sequence << 32 | UINT64_C(1) << 31 | tr->index;
	if (tr->uses)
		return 0;
	if (!(p = packet_open(pf, pf->sequence, n, &pkt)))
		return pf->out.err;
	p = pb_open(p, PKT_TRACK_DESCRIPTOR, &td);
	p = pb_uint(p, TD_UUID, pf->context_uuid);
	p = pb_uint(p, TD_PARENT_UUID, pf->process_uuid);
	p = pb_bytes(p, TD_NAME, tr->name, n);
	packet_close(pf, pkt, pb_close(td, p));
	return 0;
}

static int perfetto_slice_begin(void *ctx, const struct slice *s)
{
	return packet_slice_begin(ctx, s);
}

static int perfetto_slice_end(void *ctx, const struct slice *s)
{
	return packet_slice_end(ctx, s);
}

/* The iid of a custom event's name (n bytes) on this sequence; *fresh is
 * set when it was just made (its InternedData goes in the packet).  0 for
 * a log text written inline: not met before, or too many interned. */
static uint32_t custom_iid(struct perfetto *pf, const struct custom_event *e,
			   size_t n, int *fresh)
{
	uint32_t iid = intern_str_find(&pf->iids, e->name, n);

	*fresh = 0;
	if (iid)
		return iid;
	if (e->kind == CTR_KIND_LOG &&
	    (!seen_again(&pf->messages, e->name, n) ||
	     pf->iids.count >= MAX_MESSAGE_IIDS))
		return 0;
	iid = intern_str_add(&pf->iids, e->name, n);
	*fresh = iid != 0;
	return iid;
}

/* A log line, an instant or a flow arrow: a TYPE_INSTANT event. */
static int packet_instant(struct perfetto *pf, const struct custom_event *e)
{
	static const char *const category[] = {
		[CTR_KIND_LOG] = "log", [CTR_KIND_INSTANT] = "instant",
		[CTR_KIND_FLOW_BEGIN] = "flow", [CTR_KIND_FLOW_END] = "flow",
	};
	const char *cat = category[e->kind];
	size_t n = cut(e->name, strlen(e->name));
	size_t nformat = e->format ? cut(e->format, strlen(e->format)) : 0;
	int fresh;
	uint32_t iid = custom_iid(pf, e, n, &fresh);
	uint8_t *p, *pkt, *id, *te;

	if (!(p = packet_open(pf, pf->sequence, 2 * n + nformat, &pkt)))
		return pf->out.err;
	p = put_time(pf, p, e->tsc);
	if (fresh) {
		p = pb_open(p, PKT_INTERNED_DATA, &id);
		p = pb_close(id, put_event_name(p, iid, e->name, n));
	}
	p = pb_open(p, PKT_TRACK_EVENT, &te);
	p = put_context(pf, p);
	p = pb_uint(p, TE_TYPE, TYPE_INSTANT);
	p = iid ? pb_uint(p, TE_NAME_IID, iid) : pb_bytes(p, TE_NAME, e->name, n);
	p = pb_bytes(p, TE_CATEGORIES, cat, strlen(cat));
	if (e->kind == CTR_KIND_LOG)
		p = put_annotation(p, "format", e->format, nformat);
	else if (e->kind == CTR_KIND_FLOW_BEGIN)
		p = pb_fixed64(p, TE_FLOW_IDS, e->id);
	else if (e->kind == CTR_KIND_FLOW_END)
		p = pb_fixed64(p, TE_TERMINATING_FLOW_IDS, e->id);
	packet_close(pf, pkt, pb_close(te, p));
	return 0;
}

/* The uuid of the counter track of a name, its TrackDescriptor written
 * the first time. */
static int counter_track(struct perfetto *pf, const char *name, uint64_t *uuid)
{
	size_t n = cut(name, strlen(name));
	uint32_t k = intern_str_find(&pf->counters, name, n);
	uint8_t *p, *pkt, *td, *cd;

	if (!k) {
		if (!(k = intern_str_add(&pf->counters, name, n)))
			return -ENOMEM;
		if (!(p = packet_open(pf, PROCESS_SEQUENCE, n, &pkt)))
			return pf->out.err;
		p = pb_open(p, PKT_TRACK_DESCRIPTOR, &td);
		p = pb_uint(p, TD_UUID, COUNTER_UUID(k));
		p = pb_uint(p, TD_PARENT_UUID, pf->process_uuid);
		p = pb_bytes(p, TD_NAME, name, n);
		p = pb_open(p, TD_COUNTER, &cd);
		p = pb_close(cd, p);
		packet_close(pf, pkt, pb_close(td, p));
	}
	*uuid = COUNTER_UUID(k);
	return 0;
}

static int packet_counter(struct perfetto *pf, const struct custom_event *e)
{
	uint64_t uuid = 0;
	int err = counter_track(pf, e->name, &uuid);
	uint8_t *p, *pkt, *te;

	if (err)
		return err;
	if (!(p = packet_open(pf, pf->sequence, 0, &pkt)))
		return pf->out.err;
	p = put_time(pf, p, e->tsc);
	p = pb_open(p, PKT_TRACK_EVENT, &te);
	p = pb_uint(p, TE_TYPE, TYPE_COUNTER);
	p = pb_uint(p, TE_TRACK_UUID, uuid);
	p = pb_int(p, TE_COUNTER_VALUE, e->value);
	packet_close(pf, pkt, pb_close(te, p));
	return 0;
}

static uint8_t *put_comm(uint8_t *p, unsigned field, const char comm[16])
{
	return pb_bytes(p, field, comm, strnlen(comm, 16));
}

/* One FtraceEvent (of a known type), at most FTRACE_EVENT_MAX bytes. */
static uint8_t *put_ftrace_event(struct perfetto *pf, uint8_t *p,
				 const struct ctr_sched_event *e)
{
	static const unsigned field[] = {
		[CTR_SCHED_SWITCH] = FE_SCHED_SWITCH,
		[CTR_SCHED_WAKING] = FE_SCHED_WAKING,
		[CTR_SCHED_WAKEUP_NEW] = FE_SCHED_WAKEUP_NEW,
		[CTR_SCHED_PROCESS_EXIT] = FE_SCHED_PROCESS_EXIT,
		[CTR_SCHED_NEWTASK] = FE_TASK_NEWTASK,
		[CTR_SCHED_RENAME] = FE_TASK_RENAME,
	};
	uint8_t *fe, *ev;

	p = pb_open(p, FB_EVENT, &fe);
	p = pb_uint(p, FE_TIMESTAMP, time_base_ns(pf->tb, e->tsc));
	p = pb_uint(p, FE_PID, (uint32_t)e->common_pid);
	p = pb_open(p, field[e->type], &ev);
	switch (e->type) {
	case CTR_SCHED_SWITCH:
		p = put_comm(p, SW_PREV_COMM, e->comm);
		p = pb_int(p, SW_PREV_PID, e->pid);
		p = pb_int(p, SW_PREV_PRIO, e->prio);
		p = pb_int(p, SW_PREV_STATE, e->state);
		p = put_comm(p, SW_NEXT_COMM, e->next_comm);
		p = pb_int(p, SW_NEXT_PID, e->next_pid);
		p = pb_int(p, SW_NEXT_PRIO, e->next_prio);
		break;
	case CTR_SCHED_WAKING:
	case CTR_SCHED_WAKEUP_NEW:
		p = put_comm(p, WK_COMM, e->comm);
		p = pb_int(p, WK_PID, e->pid);
		p = pb_int(p, WK_PRIO, e->prio);
		p = pb_int(p, WK_TARGET_CPU, e->state);
		break;
	case CTR_SCHED_PROCESS_EXIT:
		p = put_comm(p, EX_COMM, e->comm);
		p = pb_int(p, EX_PID, e->pid);
		p = pb_int(p, EX_PRIO, e->prio);
		break;
	case CTR_SCHED_NEWTASK:
		p = pb_int(p, NT_PID, e->pid);
		p = put_comm(p, NT_COMM, e->comm);
		p = pb_uint(p, NT_CLONE_FLAGS, e->state);
		break;
	default: /* CTR_SCHED_RENAME */
		p = pb_int(p, RN_PID, e->pid);
		p = put_comm(p, RN_OLDCOMM, e->next_comm);
		p = put_comm(p, RN_NEWCOMM, e->comm);
		break;
	}
	return pb_close(fe, pb_close(ev, p));
}

/* Index of the first event from i on of the CPU, of a known type, in
 * [from, to] and not left out (sched_wakeups_on_cpu); snap->nsched if
 * none. */
static size_t next_of_cpu(const struct reader_snapshot *snap, size_t i,
			  unsigned cpu, uint64_t from, uint64_t to,
			  const uint8_t *skip)
{
	for (; i < snap->nsched; i++) {
		const struct ctr_sched_event *e = &snap->sched[i];

		if (e->cpu == cpu && e->tsc >= from && e->tsc <= to &&
		    reader_sched_type_name(e->type) && !skip[i])
			break;
	}
	return i;
}

/* One bundle of a CPU's events from index *next (one of them) on, until
 * it holds BUNDLE_BYTES; *next is left at the CPU's next event. */
static int packet_ftrace(struct perfetto *pf, const struct reader_snapshot *snap,
			 unsigned cpu, size_t *next, uint64_t from, uint64_t to,
			 const uint8_t *skip)
{
	uint8_t *p, *pkt, *fb, *start;
	size_t i = *next;

	if (!(p = packet_open(pf, PROCESS_SEQUENCE, BUNDLE_BYTES + FTRACE_EVENT_MAX,
			      &pkt)))
		return pf->out.err;
	p = pb_open(p, PKT_FTRACE_EVENTS, &fb);
	p = pb_uint(p, FB_CPU, cpu);
	start = p;
	for (; i < snap->nsched && p - start < BUNDLE_BYTES;
	     i = next_of_cpu(snap, i + 1, cpu, from, to, skip))
		p = put_ftrace_event(pf, p, &snap->sched[i]);
	*next = i;
	packet_close(pf, pkt, pb_close(fb, p));
	return 0;
}

/* The window's scheduling events, CPU after CPU. */
static int perfetto_sched(void *ctx, const struct reader_snapshot *snap,
			  uint64_t from_tsc, uint64_t to_tsc)
{
	struct perfetto *pf = ctx;
	uint64_t cpus[(UINT16_MAX + 1) / 64] = { 0 }; /* a bit per CPU seen */
	uint8_t *skip = sched_wakeups_on_cpu(snap);

	if (!skip)
		return -ENOMEM;
	for (size_t i = 0; i < snap->nsched; i++)
		cpus[snap->sched[i].cpu / 64] |= UINT64_C(1) << snap->sched[i].cpu % 64;
	for (unsigned cpu = 0; cpu <= UINT16_MAX && !pf->out.err; cpu++) {
		size_t next = 0;

		if (!(cpus[cpu / 64] >> cpu % 64 & 1))
			continue;
		while ((next = next_of_cpu(snap, next, cpu, from_tsc, to_tsc, skip)) <
		       snap->nsched && !packet_ftrace(pf, snap, cpu, &next, from_tsc,
						      to_tsc, skip))
			;
	}
	free(skip);
	return pf->out.err;
}

static int perfetto_custom(void *ctx, const struct custom_event *e)
{
	if (e->kind == CTR_KIND_COUNTER)
		return packet_counter(ctx, e);
	return packet_instant(ctx, e);
}

static int perfetto_end_file(void *ctx)
{
	struct perfetto *pf = ctx;

	return outbuf_flush(&pf->out);
}

const struct emitter_ops perfetto_emitter_ops = {
	.begin_file = perfetto_begin_file,
	.process = perfetto_process,
	.thread = perfetto_thread,
	.track = perfetto_track,
	.slice_begin = perfetto_slice_begin,
	.slice_end = perfetto_slice_end,
	.custom = perfetto_custom,
	.sched = perfetto_sched,
	.end_file = perfetto_end_file,
};

void *perfetto_emitter_new(int fd)
{
	struct perfetto *pf = calloc(1, sizeof(*pf));

	if (pf) {
		outbuf_init(&pf->out, fd);
		intern_init(&pf->iids);
		intern_init(&pf->counters);
	}
	return pf;
}

int perfetto_emitter_free(void *emitter)
{
	struct perfetto *pf = emitter;
	int err = outbuf_flush(&pf->out);

	intern_free(&pf->iids);
	intern_free(&pf->counters);
	free(pf);
	return err;
}

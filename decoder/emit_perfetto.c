/* emit_perfetto.c - Perfetto's protobuf trace (a `Trace`: repeated
 * TracePacket packet = 1), field numbers from Perfetto's protos
 * (trace_packet.proto, the track_event protos, interned_data.proto,
 * clock_snapshot.proto, trace_packet_defaults.proto), encoded by hand.
 *
 * Packet sequences (trusted_packet_sequence_id, on every packet):
 *   1: the process's TrackDescriptor (pid, executable's name, cmdline);
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
 * Times are the time base's nanoseconds (from the snapshot's first event,
 * or wall-clock), the same values as the JSON output.  A call costs 22
 * bytes (begin 11, end 9, deltas under 128 ns), 3 more with a source
 * location.
 *
 * Each packet kind has its own function (packet_*); scheduling events
 * would be one more, an ftrace_events bundle (TracePacket field 1) of
 * sched_switch/sched_waking events, so thread states show as in a
 * system trace.
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

/* Field numbers. */
enum {
	TRACE_PACKET = 1,
	/* TracePacket */
	PKT_CLOCK_SNAPSHOT = 6, PKT_TIMESTAMP = 8, PKT_SEQUENCE_ID = 10,
	PKT_TRACK_EVENT = 11, PKT_INTERNED_DATA = 12, PKT_SEQUENCE_FLAGS = 13,
	PKT_DEFAULTS = 59, PKT_TRACK_DESCRIPTOR = 60,
	/* TrackEvent */
	TE_DEBUG_ANNOTATIONS = 4, TE_TYPE = 9, TE_NAME_IID = 10,
	TE_SOURCE_LOCATION_IID = 34,
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
	TD_UUID = 1, TD_PROCESS = 3, TD_THREAD = 4, TD_PARENT_UUID = 5,
	PD_PID = 1, PD_CMDLINE = 2, PD_PROCESS_NAME = 6,
	THD_PID = 1, THD_TID = 2, THD_THREAD_NAME = 5,
	/* ClockSnapshot, Clock */
	CS_CLOCKS = 1, CLK_ID = 1, CLK_TIMESTAMP = 2, CLK_INCREMENTAL = 3,
	CLK_UNIT_NS = 4,
};
enum { WIRE_VARINT = 0, WIRE_LEN = 2 };
enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2 };
enum { SEQ_INCREMENTAL_STATE_CLEARED = 1 };
enum { CLOCK_BOOTTIME = 6, CLOCK_INCREMENTAL = 64 };

#define PROCESS_SEQUENCE 1
#define MAX_STRING 32000
#define SLACK 256 /* room for a packet's fixed fields and length growth */

struct perfetto {
	struct intern iids;  /* symbol -> iid, per sequence */
	const struct time_base *tb;
	uint64_t pid;
	uint64_t process_uuid, track_uuid;
	uint32_t sequence;   /* the current thread's */
	uint32_t nthreads;
	uint64_t last_ns;    /* of the last timestamp on the sequence */
	struct outbuf out;
};

static inline uint8_t *pb_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)v | 0x80;
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint8_t *pb_uint(uint8_t *p, unsigned field, uint64_t v)
{
	return pb_varint(pb_varint(p, field << 3 | WIRE_VARINT), v);
}

static uint8_t *pb_bytes(uint8_t *p, unsigned field, const char *s, size_t n)
{
	p = pb_varint(pb_varint(p, field << 3 | WIRE_LEN), n);
	memcpy(p, s, n);
	return p + n;
}

/* Starts a nested message: its tag, then a one-byte length slot, whose
 * address is returned through slot. */
static inline uint8_t *pb_open(uint8_t *p, unsigned field, uint8_t **slot)
{
	p = pb_varint(p, field << 3 | WIRE_LEN);
	*slot = p;
	return p + 1;
}

/* Ends the message whose slot is given, at end; returns the new end. */
static inline uint8_t *pb_close(uint8_t *slot, uint8_t *end)
{
	size_t n = end - slot - 1, k = 1;

	if (n < 0x80) {
		*slot = (uint8_t)n;
		return end;
	}
	for (size_t v = n; v >= 0x80; v >>= 7)
		k++;
	memmove(slot + k, slot + 1, n);
	pb_varint(slot, n);
	return slot + k + n;
}

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

/* InternedData for a function first seen on this sequence. */
static uint8_t *put_interned(uint8_t *p, const struct symbol *sym, uint32_t iid)
{
	uint8_t *id, *en, *sl;

	p = pb_open(p, PKT_INTERNED_DATA, &id);
	p = pb_open(p, ID_EVENT_NAMES, &en);
	p = pb_uint(p, EN_IID, iid);
	p = pb_bytes(p, EN_NAME, sym->name, cut(sym->name, strlen(sym->name)));
	p = pb_close(en, p);
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
	p = pb_uint(p, TE_TYPE, TYPE_SLICE_BEGIN);
	p = pb_uint(p, TE_NAME_IID, iid);
	if (s->sym->file)
		p = pb_uint(p, TE_SOURCE_LOCATION_IID, iid);
	packet_close(pf, pkt, pb_close(te, p));
	return 0;
}

/* A "repair" debug annotation naming what the timeline synthesized. */
static uint8_t *put_repair(uint8_t *p, const struct slice *s)
{
	const char *b = timeline_repair_name(s->begin_repair);
	const char *e = timeline_repair_name(s->end_repair);
	char text[64];
	uint8_t *da;

	p = pb_open(p, TE_DEBUG_ANNOTATIONS, &da);
	p = pb_bytes(p, DA_NAME, "repair", 6);
	p = pb_bytes(p, DA_STRING_VALUE, text,
		     snprintf(text, sizeof(text), "%s%s%s", b ? b : "",
			      b && e ? "; " : "", e ? e : ""));
	return pb_close(da, p);
}

static int packet_slice_end(struct perfetto *pf, const struct slice *s)
{
	uint8_t *p, *pkt, *te;

	if (!(p = packet_open(pf, pf->sequence, 0, &pkt)))
		return pf->out.err;
	p = put_time(pf, p, s->end_tsc);
	p = pb_open(p, PKT_TRACK_EVENT, &te);
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

static int perfetto_process(void *ctx, const struct reader_snapshot *snap)
{
	return packet_process_track(ctx, snap);
}

static int perfetto_thread(void *ctx, const struct reader_thread *t)
{
	struct perfetto *pf = ctx;
	char name[32];
	int err;

	pf->sequence = PROCESS_SEQUENCE + 1 + pf->nthreads++;
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

static int perfetto_slice_begin(void *ctx, const struct slice *s)
{
	return packet_slice_begin(ctx, s);
}

static int perfetto_slice_end(void *ctx, const struct slice *s)
{
	return packet_slice_end(ctx, s);
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
	.slice_begin = perfetto_slice_begin,
	.slice_end = perfetto_slice_end,
	.end_file = perfetto_end_file,
};

void *perfetto_emitter_new(int fd)
{
	struct perfetto *pf = calloc(1, sizeof(*pf));

	if (pf) {
		outbuf_init(&pf->out, fd);
		intern_init(&pf->iids);
	}
	return pf;
}

int perfetto_emitter_free(void *emitter)
{
	struct perfetto *pf = emitter;
	int err = outbuf_flush(&pf->out);

	intern_free(&pf->iids);
	free(pf);
	return err;
}

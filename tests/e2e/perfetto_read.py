#!/usr/bin/env python3
"""perfetto_read.py - reads a Perfetto protobuf trace back into slices,
written from Perfetto's .proto definitions (trace_packet.proto,
track_event.proto, track_descriptor.proto, counter_descriptor.proto,
debug_annotation.proto, interned_data.proto, clock_snapshot.proto,
trace_packet_defaults.proto, ftrace_event_bundle.proto, ftrace_event.proto,
sched.proto, task.proto), not from ctrail's writer.  A minimal protobuf
wire decoder, no library.

  perfetto_read.py slices FILE
      Prints every slice, track by track (by tid), in begin order:
          TID THREAD_NAME<TAB>DEPTH<TAB>BEGIN_NS<TAB>END_NS<TAB>NAME<TAB>LOCATION<TAB>REPAIR
      LOCATION is the interned source location "file:line", REPAIR the
      "repair" debug annotation.
  perfetto_read.py ends FILE
      The same slices without DEPTH, per thread in the order they ended
      (the order of ctrail's JSON "X" events).
  perfetto_read.py events FILE
      Prints every instant and counter event, thread by thread, in time
      order:
          TID THREAD_NAME<TAB>NS<TAB>KIND<TAB>NAME<TAB>DETAIL<TAB>WITHIN
      KIND is flow_begin / flow_end for an instant carrying flow_ids /
      terminating_flow_ids, else the instant's category (log, instant), or
      counter (the thread is then the one of the packet's sequence); NAME
      the event's or the counter track's name; DETAIL a "format" debug
      annotation, a counter_value, a flow id (0x...); WITHIN the slice open
      on the thread's track at that moment.
  perfetto_read.py sched FILE
      Prints every ftrace event, by timestamp (bundle order for ties on a
      CPU), in the `ctrail dump` style:
          NS cpu=N TYPE KEY=VALUE...
      sched_switch: prev_pid prev_state (the kernel's raw state as ftrace
      prints it) next_pid; sched_waking, sched_wakeup_new: pid target_cpu;
      task_newtask: pid comm; task_rename: pid oldcomm newcomm;
      sched_process_exit: pid.  NS is the event's timestamp: ftrace
      bundles carry no clock, so BOOTTIME, the clock track events resolve
      to.
  perfetto_read.py stats FILE
      Prints "packets N events N sequences N bytes N".

Checked on the way, as trace_processor would complain: every packet has a
trusted_packet_sequence_id; a sequence's first packet clears incremental
state; interned ids and track uuids are defined before use; timestamps of
an incremental clock resolve through a ClockSnapshot; slice ends match
begins; counter values go to counter tracks.  Exits 1 with a message
otherwise."""
import sys

BOOTTIME = 6
# FtraceEvent payload fields: name, {field: (key, kind)}
FTRACE = {
    4: ('sched_switch', {2: ('prev_pid', int), 4: ('prev_state', 'state'),
                         6: ('next_pid', int)}),
    20: ('sched_waking', {2: ('pid', int), 5: ('target_cpu', 'cpu')}),
    114: ('sched_wakeup_new', {2: ('pid', int), 5: ('target_cpu', 'cpu')}),
    235: ('task_newtask', {1: ('pid', int), 2: ('comm', str)}),
    236: ('task_rename', {1: ('pid', int), 2: ('oldcomm', str),
                          3: ('newcomm', str)}),
    238: ('sched_process_exit', {2: ('pid', int)}),
}
KEY_ORDER = ['prev_pid', 'prev_state', 'next_pid', 'pid', 'target_cpu',
             'comm', 'oldcomm', 'newcomm']


class Bad(Exception):
    pass


def fields(buf):
    """(field number, wire type, value) of a message; value is an int or
    bytes."""
    pos, n = 0, len(buf)

    def varint():
        nonlocal pos
        v = shift = 0
        while True:
            if pos >= n:
                raise Bad('truncated varint')
            b = buf[pos]
            pos += 1
            v |= (b & 0x7f) << shift
            shift += 7
            if b < 0x80:
                return v
    while pos < n:
        key = varint()
        num, wire = key >> 3, key & 7
        if wire == 0:
            yield num, wire, varint()
        elif wire == 2:
            k = varint()
            if pos + k > n:
                raise Bad('field %d runs past its message' % num)
            yield num, wire, bytes(buf[pos:pos + k])
            pos += k
        elif wire in (1, 5):
            k = 8 if wire == 1 else 4
            if pos + k > n:
                raise Bad('truncated field %d' % num)
            yield num, wire, int.from_bytes(buf[pos:pos + k], 'little')
            pos += k
        else:
            raise Bad('wire type %d' % wire)
        if pos > n:
            raise Bad('truncated field %d' % num)


def msg(buf):
    """A message as {field: [values]}."""
    out = {}
    for num, _, v in fields(buf):
        out.setdefault(num, []).append(v)
    return out


def one(m, num, default=None):
    return m[num][-1] if num in m else default


def signed(v):
    return v - (1 << 64) if v >> 63 else v


def text(b):
    return b.decode('utf-8', 'replace')


def task_state(raw):
    """prev_state as the kernel's sched_switch prints it (TASK_REPORT bits
    S D T t X Z P I, TASK_REPORT_MAX 0x100 for a preempted task)."""
    out = '|'.join(c for bit, c in enumerate('SDTtXZPI') if raw & (1 << bit))
    return (out or 'R') + ('+' if raw & 0x100 else '')


class Sequence:
    def __init__(self):
        self.cleared = False
        self.clock_id = None   # default timestamp clock
        self.track = None      # default track uuid
        self.names = {}
        self.locations = {}
        self.clocks = {}       # clock id -> [value, incremental, unit, boottime]


class Reader:
    def __init__(self):
        self.seqs = {}
        self.tracks = {}   # uuid -> (pid, tid, name) for threads
        self.counters = {}  # uuid -> name, counter tracks
        self.open = {}     # uuid -> stack
        self.slices = {}   # uuid -> [(begin, end, name, loc, repair, order)]
        self.events = {}   # thread uuid -> [ts, order, kind, name, detail, within]
        self.ftrace = []   # (ts, cpu, order, line)
        self.counts = dict(packets=0, events=0)
        self.order = 0

    def timestamp(self, seq, pkt):
        clock = one(pkt, 58, seq.clock_id or BOOTTIME)
        ts = one(pkt, 8)
        if ts is None:
            raise Bad('track event without a timestamp')
        if clock == BOOTTIME:
            return ts
        if clock not in seq.clocks:
            raise Bad('clock %d has no ClockSnapshot on its sequence' % clock)
        c = seq.clocks[clock]
        if c[1]:
            c[0] += ts
            ts = c[0]
        return c[3] + (ts - c[4]) * c[2]

    def snapshot(self, seq, cs):
        clocks = [msg(c) for c in cs.get(1, [])]
        boot = [one(c, 2, 0) for c in clocks if one(c, 1) == BOOTTIME]
        if not boot:
            raise Bad('ClockSnapshot without BOOTTIME')
        for c in clocks:
            cid = one(c, 1)
            if cid != BOOTTIME:
                v = one(c, 2, 0)
                seq.clocks[cid] = [v, one(c, 3, 0), one(c, 4, 1), boot[0], v]

    def interned(self, seq, data):
        for e in data.get(2, []):
            e = msg(e)
            seq.names[one(e, 1)] = one(e, 2, b'').decode('utf-8', 'replace')
        for e in data.get(4, []):
            e = msg(e)
            loc = one(e, 2, b'').decode('utf-8', 'replace')
            if one(e, 4):
                loc += ':%d' % one(e, 4)
            seq.locations[one(e, 1)] = loc

    def descriptor(self, td):
        uuid = one(td, 1)
        if 8 in td:
            self.counters[uuid] = text(one(td, 2, b''))
        if 4 in td:
            th = msg(one(td, 4))
            self.tracks[uuid] = (one(th, 1), one(th, 2),
                                 one(th, 5, b'').decode('utf-8', 'replace'))
        else:
            self.tracks.setdefault(uuid, None)

    def custom(self, seq, uuid, ts, te, kind):
        """An instant (kind 3) or counter (4) event."""
        if kind == 4:
            if uuid not in self.counters or 30 not in te:
                raise Bad('counter value %r on track %r' % (one(te, 30), uuid))
            thread, name = seq.track, self.counters[uuid]
            event = ['counter', name, str(signed(one(te, 30)))]
        else:
            thread = uuid
            if 10 in te:
                if one(te, 10) not in seq.names:
                    raise Bad('name iid %r not interned' % one(te, 10))
                name = seq.names[one(te, 10)]
            else:
                name = text(one(te, 23, b''))
            cat = text(one(te, 22, b''))
            notes = {one(a, 10): text(one(a, 6, b''))
                     for a in map(msg, te.get(4, []))}
            if 47 in te:
                event = ['flow_begin', name, '0x%x' % one(te, 47)]
            elif 48 in te:
                event = ['flow_end', name, '0x%x' % one(te, 48)]
            else:
                event = [cat, name, notes.get(b'format', '')]
        if self.tracks.get(thread) is None:
            raise Bad('event of no thread track: %r' % thread)
        stack = self.open.get(thread, [])
        self.order += 1
        self.events.setdefault(thread, []).append(
            [ts, self.order] + event + [stack[-1][2] if stack else ''])

    def event(self, seq, pkt, te):
        uuid = one(te, 11, seq.track)
        if uuid not in self.tracks:
            raise Bad('track event on undescribed track %r' % uuid)
        ts = self.timestamp(seq, pkt)
        repair = ''
        for a in te.get(4, []):
            a = msg(a)
            if one(a, 10) == b'repair':
                repair = one(a, 6, b'').decode('utf-8', 'replace')
        kind = one(te, 9)
        if kind in (3, 4):
            self.counts['events'] += 1
            return self.custom(seq, uuid, ts, te, kind)
        stack = self.open.setdefault(uuid, [])
        self.counts['events'] += 1
        if kind == 1:
            iid = one(te, 10)
            if iid not in seq.names:
                raise Bad('name iid %r not interned on its sequence' % iid)
            lid = one(te, 34)
            if lid is not None and lid not in seq.locations:
                raise Bad('source location iid %r not interned' % lid)
            self.order += 1
            s = [ts, None, seq.names[iid], seq.locations.get(lid, ''),
                 repair, self.order, len(stack)]
            stack.append(s)
            self.slices.setdefault(uuid, []).append(s)
        elif kind == 2:
            if not stack:
                raise Bad('slice end without a begin')
            s = stack.pop()
            s[1] = ts
            self.order += 1
            s[5] = self.order
            s[4] = s[4] or repair
        else:
            raise Bad('track event type %r' % kind)

    def bundle(self, b):
        cpu = one(b, 1)
        for e in map(msg, b.get(2, [])):
            payload = [(num, FTRACE[num]) for num in e if num in FTRACE]
            if len(payload) != 1 or 1 not in e:
                raise Bad('ftrace event without a timestamp or a known payload')
            num, (name, keys) = payload[0]
            fields, values = msg(one(e, num)), {}
            for f, (key, kind) in keys.items():
                v = one(fields, f, b'' if kind is str else 0)
                values[key] = (text(v) if kind is str else
                               task_state(v) if kind == 'state' else
                               '%03d' % v if kind == 'cpu' else
                               str(signed(v)))
            self.order += 1
            self.ftrace.append((one(e, 1), cpu, self.order, '%d cpu=%d %s %s' % (
                one(e, 1), cpu, name,
                ' '.join('%s=%s' % (k, values[k]) for k in KEY_ORDER
                         if k in values))))

    def packet(self, pkt):
        self.counts['packets'] += 1
        sid = one(pkt, 10)
        if not sid:
            raise Bad('packet %d without trusted_packet_sequence_id'
                      % self.counts['packets'])
        seq = self.seqs.setdefault(sid, Sequence())
        if one(pkt, 13, 0) & 1:
            self.seqs[sid] = seq = Sequence()
            seq.cleared = True
        if not seq.cleared:
            raise Bad('sequence %d used before its state was cleared' % sid)
        if 59 in pkt:
            d = msg(one(pkt, 59))
            seq.clock_id = one(d, 58)
            if 11 in d:
                seq.track = one(msg(one(d, 11)), 11)
        if 12 in pkt:
            self.interned(seq, msg(one(pkt, 12)))
        if 6 in pkt:
            self.snapshot(seq, msg(one(pkt, 6)))
        if 60 in pkt:
            self.descriptor(msg(one(pkt, 60)))
        if 11 in pkt:
            self.event(seq, pkt, msg(one(pkt, 11)))
        if 1 in pkt:
            self.bundle(msg(one(pkt, 1)))

    def read(self, data):
        for num, wire, v in fields(data):
            if num != 1 or wire != 2:
                raise Bad('not a Trace: field %d' % num)
            self.packet(msg(v))
        if any(self.open.values()):
            raise Bad('slice begin without an end')


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('slices', 'ends', 'events',
                                                 'sched', 'stats'):
        print(__doc__, file=sys.stderr)
        return 2
    r = Reader()
    try:
        with open(sys.argv[2], 'rb') as f:
            data = f.read()
        r.read(data)
    except (OSError, Bad) as err:
        print('perfetto_read: %s: %s' % (sys.argv[2], err), file=sys.stderr)
        return 1
    if sys.argv[1] == 'stats':
        print('packets %d events %d sequences %d bytes %d' % (
            r.counts['packets'], r.counts['events'], len(r.seqs), len(data)))
        return 0
    if sys.argv[1] == 'sched':
        for e in sorted(r.ftrace, key=lambda e: e[:2]):
            print(e[3])
        return 0
    threads = [(t[1], uuid) for uuid, t in r.tracks.items() if t]
    if sys.argv[1] == 'events':
        for tid, uuid in sorted(threads):
            for e in sorted(r.events.get(uuid, []), key=lambda e: e[:2]):
                print('%d %s\t%d\t%s' % (tid, r.tracks[uuid][2], e[0],
                                          '\t'.join(e[2:])))
        return 0
    for tid, uuid in sorted(threads):
        name = r.tracks[uuid][2]
        slices = r.slices.get(uuid, [])
        if sys.argv[1] == 'ends':
            slices = sorted(slices, key=lambda s: s[5])
        for s in slices:
            depth = '' if sys.argv[1] == 'ends' else '%d\t' % s[6]
            print('%d %s\t%s%d\t%d\t%s\t%s\t%s' % (
                tid, name, depth, s[0], s[1], s[2], s[3], s[4]))
    return 0


if __name__ == '__main__':
    sys.exit(main())

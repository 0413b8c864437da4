#!/usr/bin/env python3
"""fxt_read.py - reads a Fuchsia trace format file back into slices, written
from the published spec (fuchsia.dev, reference/tracing/trace-format), not
from ctrail's writer.

  fxt_read.py slices FILE
      Prints every slice, thread by thread (by tid), in begin order:
          TID THREAD_NAME<TAB>DEPTH<TAB>BEGIN_NS<TAB>END_NS<TAB>NAME<TAB>LOCATION<TAB>REPAIR
      Times are nanoseconds from the earliest slice begin, floor(ticks *
      10^9 / ticks-per-second), exactly as ctrail's JSON counts them.
      LOCATION is the event's category, REPAIR its "repair" argument.
  fxt_read.py ends FILE
      The same slices without DEPTH, per thread in the order they ended
      (the order of ctrail's JSON "X" events).
  fxt_read.py events FILE
      Prints every instant, counter and flow event, thread by thread, in
      time order (file order for equal times):
          TID THREAD_NAME<TAB>NS<TAB>KIND<TAB>NAME<TAB>DETAIL<TAB>WITHIN
      KIND is the instant's category (log, instant), counter, flow_begin
      or flow_end; DETAIL a log's "format" argument, a counter's value, a
      flow's id (0x...); WITHIN the name of the innermost duration event
      enclosing it (a time equal to its begin or end counts as inside when
      file order says so: begin record first, end record after).  Times
      count from the earliest slice or event, like NS above.
  fxt_read.py sched FILE
      Prints every context switch record in file order:
          TICKS cpu=N sched_switch prev_pid=TID prev_state=STATE next_pid=TID
      TICKS as written (ctrail writes 10^9 ticks per second: the time
      base's ns), STATE the spec's name of the outgoing thread's state
      (new, running, suspended, blocked, dying, dead).
  fxt_read.py stats FILE
      Prints "records N events N strings N threads N bytes N".

Records understood: magic (metadata trace info), initialization, string,
thread, event (instant 0, counter 1, duration begin 2, end 3, complete 4,
flow begin 8, flow end 10; string, integer, koid and other arguments),
kernel object (process and thread names), context switch (other
scheduling records, such as thread wakeups, are skipped).  Any other record
is skipped by its size, as the spec asks.  Exits 1 with a message on a
malformed file."""
import struct
import sys

MAGIC = 0x0016547846040010
THREAD_STATES = ['new', 'running', 'suspended', 'blocked', 'dying', 'dead']


class Bad(Exception):
    pass


def field(word, lo, hi):
    return (word >> lo) & ((1 << (hi - lo + 1)) - 1)


class Reader:
    def __init__(self, data):
        if len(data) % 8:
            raise Bad('size %d is not a multiple of 8' % len(data))
        self.words = struct.unpack('<%dQ' % (len(data) // 8), data)
        self.strings = {}
        self.threads = {}
        self.names = {}  # koid -> name, from kernel object records
        self.tps = 10**9
        self.counts = dict(records=0, events=0, strings=0, threads=0)
        # (pid, tid) -> [begin, end, index, name, cat, repair, begin index]
        self.slices = {}
        self.open = {}    # (pid, tid) -> stack of duration begins
        self.events = {}  # (pid, tid) -> [ts, index, kind, name, detail]
        self.switches = []
        self.index = 0

    def stream(self, pos, n):
        """n bytes of the stream at word pos, and the word after it."""
        nw = (n + 7) // 8
        if pos + nw > self.end:
            raise Bad('stream past its record')
        raw = struct.pack('<%dQ' % nw, *self.words[pos:pos + nw])
        return raw[:n].decode('utf-8', 'replace'), pos + nw

    def string(self, ref, pos):
        if ref == 0:
            return '', pos
        if ref & 0x8000:
            return self.stream(pos, ref & 0x7fff)
        if ref not in self.strings:
            raise Bad('string ref %d not in the table' % ref)
        return self.strings[ref], pos

    def word(self, pos):
        if pos >= self.end:
            raise Bad('word past its record')
        return self.words[pos], pos + 1

    def args(self, n, pos):
        out = {}
        for _ in range(n):
            head, _ = self.word(pos)
            size = field(head, 4, 15)
            name, p = self.string(field(head, 16, 31), pos + 1)
            atype = field(head, 0, 3)
            if atype == 6:
                out[name] = self.string(field(head, 32, 47), p)[0]
            elif atype == 1:
                out[name] = signed(field(head, 32, 63), 32)
            elif atype == 2:
                out[name] = field(head, 32, 63)
            elif atype == 3:
                out[name] = signed(self.word(p)[0], 64)
            elif atype in (4, 7, 8):
                out[name] = self.word(p)[0]
            pos += size
            if size == 0 or pos > self.end:
                raise Bad('bad argument size')
        return out, pos

    def thread(self, ref, pos):
        """The (pid, tid) of a thread ref, and the position after it."""
        if ref:
            if ref not in self.threads:
                raise Bad('thread ref %d not in the table' % ref)
            return self.threads[ref], pos
        pid, pos = self.word(pos)
        tid, pos = self.word(pos)
        return (pid, tid), pos

    def event(self, head, pos):
        etype = field(head, 16, 19)
        ts, pos = self.word(pos)
        thread, pos = self.thread(field(head, 24, 31), pos)
        cat, pos = self.string(field(head, 32, 47), pos)
        name, pos = self.string(field(head, 48, 63), pos)
        args, pos = self.args(field(head, 20, 23), pos)
        repair = args.get('repair', '')
        self.counts['events'] += 1
        self.index += 1
        if etype == 4:
            end, pos = self.word(pos)
            self.slices.setdefault(thread, []).append(
                [ts, end, self.index, name, cat, repair, self.index])
        elif etype == 2:
            self.open.setdefault(thread, []).append([ts, name, cat, self.index])
        elif etype == 3:
            stack = self.open.get(thread)
            if not stack:
                raise Bad('duration end without a begin')
            begin, bname, bcat, bindex = stack.pop()
            self.slices.setdefault(thread, []).append(
                [begin, ts, self.index, bname, bcat, repair, bindex])
        elif etype == 0:
            detail = args.get('format', '') if cat == 'log' else ''
            self.events.setdefault(thread, []).append(
                [ts, self.index, cat, name, detail])
        elif etype == 1:
            counter_id, pos = self.word(pos)
            if 'value' not in args:
                raise Bad('counter event without a value argument')
            self.events.setdefault(thread, []).append(
                [ts, self.index, 'counter', name, str(args['value'])])
        elif etype in (8, 10):
            flow_id, pos = self.word(pos)
            kind = 'flow_begin' if etype == 8 else 'flow_end'
            self.events.setdefault(thread, []).append(
                [ts, self.index, kind, name, '0x%x' % flow_id])

    def context_switch(self, head, pos):
        if field(head, 60, 63) != 0:
            return  # not a (legacy) context switch: a thread wakeup...
        ts, pos = self.word(pos)
        out, pos = self.thread(field(head, 28, 35), pos)
        into, pos = self.thread(field(head, 36, 43), pos)
        state = field(head, 24, 27)
        if state >= len(THREAD_STATES):
            raise Bad('thread state %d' % state)
        self.switches.append('%d cpu=%d sched_switch prev_pid=%d prev_state=%s '
                             'next_pid=%d' % (ts, field(head, 16, 23), out[1],
                                              THREAD_STATES[state], into[1]))

    def record(self, head, pos):
        rtype = field(head, 0, 3)
        if rtype == 1:
            self.tps = self.word(pos)[0]
        elif rtype == 2:
            index, n = field(head, 16, 30), field(head, 32, 46)
            if index:
                self.strings[index] = self.stream(pos, n)[0]
                self.counts['strings'] += 1
        elif rtype == 3:
            index = field(head, 16, 23)
            if index:
                self.threads[index] = (self.word(pos)[0], self.word(pos + 1)[0])
                self.counts['threads'] += 1
        elif rtype == 4:
            self.event(head, pos)
        elif rtype == 7:
            koid, p = self.word(pos)
            name, p = self.string(field(head, 24, 39), p)
            self.names.setdefault(koid, name)
        elif rtype == 8:
            self.context_switch(head, pos)

    def read(self):
        if not self.words or self.words[0] != MAGIC:
            raise Bad('no magic number record first')
        pos = 0
        while pos < len(self.words):
            head = self.words[pos]
            size = field(head, 4, 15)
            if size == 0 or pos + size > len(self.words):
                raise Bad('record at byte %d: bad size %d' % (8 * pos, size))
            self.end = pos + size
            self.record(head, pos + 1)
            self.counts['records'] += 1
            pos += size
        if any(self.open.values()):
            raise Bad('duration begin without an end')


def signed(value, bits):
    return value - (1 << bits) if value >> (bits - 1) else value


def within(slices, events):
    """For each event (ts, index, ...), the name of the innermost slice
    around it: begun at or before its time and ended at or after it, a tie
    with the slice's begin or end broken by file order (the begin record
    before the event, the end record after it), as readers keep file order
    for equal times."""
    out = {}
    for ts, index, *_ in events:
        around = [s for s in slices
                  if (s[0] < ts or (s[0] == ts and s[6] < index)) and
                  (s[1] > ts or (s[1] == ts and s[2] > index))]
        out[index] = max(around, key=lambda s: (s[0], s[6]))[3] if around else ''
    return out


def nested(slices):
    """(depth, slice) in begin order, equal begins in file order (of the
    begin record, or the complete event).  A slice holds the next one if
    that one ends by its end and begins before it, or at its end with the
    end record after: a complete event is over for what comes after it in
    the same nanosecond, a duration begin holds it until its end record."""
    stack = []
    for s in sorted(slices, key=lambda s: (s[0], s[6])):
        while stack and not (s[1] <= stack[-1][1] and
                             (s[0] < stack[-1][1] or s[6] < stack[-1][2])):
            stack.pop()
        yield len(stack), s
        stack.append(s)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ('slices', 'ends', 'events',
                                                 'sched', 'stats'):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[2], 'rb') as f:
            data = f.read()
        r = Reader(data)
        r.read()
    except (OSError, Bad) as err:
        print('fxt_read: %s: %s' % (sys.argv[2], err), file=sys.stderr)
        return 1
    if sys.argv[1] == 'stats':
        print('records %(records)d events %(events)d strings %(strings)d '
              'threads %(threads)d' % r.counts, 'bytes %d' % len(data))
        return 0
    if sys.argv[1] == 'sched':
        for line in r.switches:
            print(line)
        return 0
    origin = min([s[0] for ss in r.slices.values() for s in ss] +
                 [e[0] for es in r.events.values() for e in es], default=0)
    if sys.argv[1] == 'events':
        for (pid, tid) in sorted(r.events, key=lambda t: t[1]):
            events = sorted(r.events[(pid, tid)], key=lambda e: e[:2])
            around = within(r.slices.get((pid, tid), []), events)
            for e in events:
                print('%d %s\t%d\t%s\t%s\t%s\t%s' % (
                    tid, r.names.get(tid, ''), (e[0] - origin) * 10**9 // r.tps,
                    e[2], e[3], e[4], around[e[1]]))
        return 0
    for (pid, tid) in sorted(r.slices, key=lambda t: t[1]):
        if sys.argv[1] == 'ends':
            order = [('', s) for s in sorted(r.slices[(pid, tid)],
                                             key=lambda s: s[2])]
        else:
            order = [('%d\t' % d, s) for d, s in nested(r.slices[(pid, tid)])]
        for depth, s in order:
            print('%d %s\t%s%d\t%d\t%s\t%s\t%s' % (
                tid, r.names.get(tid, ''), depth,
                (s[0] - origin) * 10**9 // r.tps,
                (s[1] - origin) * 10**9 // r.tps, s[3], s[4], s[5]))
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""make_corpus.py DIR - writes valid synthetic .ctr files as fuzzing seeds.

Each file follows format/ctr.h (little-endian, 16-byte chunk headers,
payloads padded to 8 bytes, END chunk counting the chunks before it) and
covers one part of the decoder: plain nesting, orphan and missing returns,
exceptions, longjmp, unknown event kinds, several threads and snapshots,
modules, unknown chunk tags, scheduling events and stacks."""
import os
import struct
import sys

SNAPSHOT, PROCESS, CLOCK, MODULE, THREAD, END = 1, 2, 3, 4, 5, 0x454E44
SCHED = 6
STACK = 9
SWITCH, WAKING, WAKEUP_NEW, EXIT, NEWTASK, RENAME = 1, 2, 3, 4, 5, 6
CALL, CATCH, LONGJMP, RETURN = 0x0, 0x1, 0x2, 0x8


def chunk(tag, payload):
    pad = (-len(payload)) % 8
    return struct.pack('<IIQ', tag, 0, len(payload)) + payload + b'\0' * pad


def ev(kind, addr, tsc):
    return struct.pack('<QQ', (kind << 60) | addr, tsc)


def snapshot(threads, name=b'seed', since=0, reason=2, modules=()):
    taken = 1 + max([t for _, _, evs in threads for *_, t in evs] or [0])
    out = [chunk(SNAPSHOT, struct.pack('<QQIIIIQQ', since, taken, reason,
                                       len(name), 0, 0, 0, 0) + name)]
    exe, cmd = b'/bin/seed', b'seed\0-v\0'
    out.append(chunk(PROCESS, struct.pack('<IIII', 100, 1, len(exe), len(cmd)) + exe + cmd))
    pair = struct.pack('<QQQ', 1000, 5000, 1700000000000000000)
    out.append(chunk(CLOCK, struct.pack('<QII', 1000000000, 3, 0) + pair + pair))
    for path, bias in modules:
        seg = struct.pack('<QQQII', bias + 0x1000, bias + 0x9000, 0x1000, 5, 0)
        out.append(chunk(MODULE, struct.pack('<QIIII', bias, 1, 2, len(path), 1)
                         + seg + b'\xab\xcd' + path))
    for tid, tname, evs in threads:
        body = b''.join(ev(k, a, t) for k, a, t in evs)
        out.append(chunk(THREAD, struct.pack('<II16sQQQQ', tid, 2 if tid == 100 else 0,
                                             tname, 4096, len(evs), 0, len(evs)) + body))
    return out


def sched(events, lost=0):
    """A SCHED chunk: (tsc, type, cpu, pid, next_pid, state, comm, next_comm)."""
    recs = b''.join(struct.pack('<QHHiiiiiIBBH16s16s', tsc, typ, cpu, pid, pid, 120,
                                nxt, 120, state, 1, 2, 0, comm, ncomm)
                    for tsc, typ, cpu, pid, nxt, state, comm, ncomm in events)
    return chunk(SCHED, struct.pack('<QQII', len(events), lost, 2, 0) + recs)

def stack(tid, written, regs, start, data, flags=0):
    """A STACK chunk: 17 registers (rip last), data from start up."""
    return chunk(STACK, struct.pack('<IIQQ17QQQ', tid, flags, written, 0, *regs,
                                    start, len(data)) + data)


def ctr_file(chunks):
    head = b'CTRAIL\0\n' + struct.pack('<II', 1, 16)
    return head + b''.join(chunks) + chunk(END, struct.pack('<Q', len(chunks)))


SEEDS = {
    'nesting': snapshot([(100, b'main', [(CALL, 0x1000, 10), (CALL, 0x2000, 20),
                                          (RETURN, 0x2010, 30), (RETURN, 0x1010, 40)])]),
    'orphans': snapshot([(100, b'main', [(RETURN, 0x3010, 10), (CALL, 0x4000, 15),
                                          (RETURN, 0x2010, 20), (CALL, 0x5000, 30)])],
                         since=12),
    'unwind': snapshot([(100, b'main', [(CALL, 0x1000, 1), (CALL, 0x2000, 2),
                                         (CALL, 0x3000, 3), (CATCH, 0x1004, 4),
                                         (LONGJMP, 0x1008, 5), (7, 0x10, 6),
                                         (0xf, 0x20, 7), (RETURN, 0x1010, 8)])]),
    'threads': snapshot([(100, b'main', [(CALL, 0x1000, 5), (RETURN, 0x1001, 6)]),
                          (101, b'worker', [(CALL, 0x2000, 1), (CALL, 0x2000, 1),
                                            (RETURN, 0x2001, 1)]),
                          (102, b'', [])],
                         modules=[(b'/nonexistent/lib.so', 0x7f0000000000)])
               + [chunk(99, b'unknown chunk')]
               + snapshot([(100, b'main', [(RETURN, 0x1000, 50)])], name=b'', reason=0),
    'sched': snapshot([(100, b'main', [(CALL, 0x1000, 10), (RETURN, 0x1010, 40)])])
             + [sched([(5, NEWTASK, 0, 100, 0, 0x3d0f00, b'main', b''),
                       (12, SWITCH, 1, 100, 0, 1, b'main', b'swapper/1'),
                       (20, WAKING, 0, 100, 0, 1, b'a b=c"\\\xff', b''),
                       (25, SWITCH, 1, 0, 100, 0x100, b'swapper/1', b'0123456789abcdef'),
                       (30, RENAME, 1, 100, 0, 0, b'new', b'old'),
                       (31, 99, 0, 1, 2, 3, b'', b''),
                       (35, WAKEUP_NEW, 0, 101, 0, 1, b'w', b''),
                       (39, EXIT, 1, 100, 0, 0, b'main', b'')], lost=3)],
    'stack': snapshot([(100, b'main', [(RETURN, 0x3010, 10), (CALL, 0x4000, 15)]),
                        (101, b'worker', [(CALL, 0x2000, 1)])])
             + [stack(100, 1, [0] * 7 + [0x7ff000] + [0] * 8 + [0x4004], 0x7ff000,
                      struct.pack('<4Q', 0x1010, 0x7ff040, 0x2010, 0)),
                stack(101, 0, [0] * 17, 0, b'', flags=2)],
}

if __name__ == '__main__':
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, chunks in SEEDS.items():
        with open(os.path.join(sys.argv[1], name + '.ctr'), 'wb') as f:
            f.write(ctr_file(chunks))

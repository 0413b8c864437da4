# ctrail-gdb.py - the `ctrail-dump` gdb command: writes the trace a program
# built with ctrail holds in memory as a .ctr file, from a core file or a
# live (stopped) process, inside a gdb session.
#
#   (gdb) source /usr/local/share/ctrail/ctrail-gdb.py
#   (gdb) ctrail-dump crash.ctr [TSC_HZ]
#   gdb -batch -ex 'source .../ctrail-gdb.py' -ex 'ctrail-dump out.ctr' PROG CORE
#
# A second implementation of `ctrail core` (decoder/read/core_snapshot.c) over
# the same published layout: `ctrail_state` as runtime/state.h describes it
# (magic, version, size, then record field offsets), read through gdb's
# memory API, and the .ctr chunks of format/ctr.h packed with `struct`.
# Rings are cut as ring_first_stable() and ring_drop_unwritten() in
# runtime/state.h cut them, every live thread counting as a writer that may
# not have stored every slot it reserved.  The thread that dumped
# the core (the one with a pending fatal signal) goes last, flagged
# crashed.  Every live thread gets a STACK chunk: its registers as gdb
# sees them (the core's NT_PRSTATUS, or the stopped thread's) and up to
# 256 KiB of stack from its stack pointer up, so `ctrail` can unwind the
# calls open before its ring.  Written as OUT.tmp.PID and renamed, so
# errors leave no file.
import os
import struct

import gdb

STATE_MAGIC = b"CTRSTATE"
STATE_VERSION = 1
# magic, version, size, 16 layout offsets, live, exited, dropped threads,
# dropped events, mods, nmods, reserved, then struct ctr_clock
STATE_FMT = "<8sII16HQQQQQII" + "QII6Q"
LAYOUT = ("thread_next thread_tls thread_ring thread_size thread_final_off "
          "thread_tid thread_is_main thread_name tls_off module_size "
          "module_hdr module_segs module_build_id module_path").split()

CTR_MAGIC = b"CTRAIL\0\n"
CTR_VERSION = 1
CHUNK_SNAPSHOT, CHUNK_PROCESS, CHUNK_CLOCK, CHUNK_MODULE, CHUNK_THREAD = 1, 2, 3, 4, 5
CHUNK_STACK = 9
CHUNK_END = 0x454E44
STACK_CUT = 4
STACK_BYTES, PAGE = 256 * 1024, 4096
# the x86-64 DWARF registers 0-16, as ctr.h's struct ctr_stack stores them
DWARF_REGS = ("rax rdx rcx rbx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15 "
              "rip").split()
REASON_CORE = 3
THREAD_EXITED, THREAD_MAIN, THREAD_CRASHED = 1, 2, 4
EV = 16
CONTINUATION = 1 << 63  # CTR_TSC_CONTINUATION
MAX_THREADS = 65536
FATAL_SIGNALS = {3, 4, 6, 7, 8, 11, 24, 25, 31}  # those that dump core
# limits a damaged image must not pass (as in core_snapshot.c)
MAX_MODULES, MAX_SEGMENTS, MAX_RING = 65536, 256, 1 << 40


class CtrailError(Exception):
    pass


class Image:
    """The inferior's memory, read as little-endian integers."""

    def __init__(self, inferior):
        self.inf = inferior

    def read(self, addr, size):
        if size == 0:
            return b""
        try:
            return self.inf.read_memory(addr, size).tobytes()
        except gdb.MemoryError:
            raise CtrailError("address 0x%x is not readable" % addr)

    def u64(self, addr):
        return struct.unpack("<Q", self.read(addr, 8))[0]

    def i32(self, addr):
        return struct.unpack("<i", self.read(addr, 4))[0]


def read_state(img):
    try:
        addr = int(gdb.parse_and_eval("(unsigned long)&ctrail_state"))
    except gdb.error:
        raise CtrailError("no ctrail_state symbol: not built with ctrail, or stripped")
    f = struct.unpack(STATE_FMT, img.read(addr, struct.calcsize(STATE_FMT)))
    if f[0] != STATE_MAGIC:
        raise CtrailError("ctrail_state has no magic: not a ctrail runtime, or damaged")
    if f[1] != STATE_VERSION or f[2] != struct.calcsize(STATE_FMT):
        raise CtrailError("ctrail_state version %d (size %d); this script reads version %d"
                          % (f[1], f[2], STATE_VERSION))
    st = dict(zip(LAYOUT, f[3:17]))
    (st["live"], st["exited"], st["dropped_threads"], st["dropped_events"],
     st["mods"], st["nmods"]) = f[19:25]
    st["clock"] = list(f[26:])  # tsc_hz, source, reserved, start, now
    return st


def ring_first_stable(written, cap):
    return written - cap if written > cap else 0


def ring_drop_unwritten(events):
    """The events whose slots were stored, as ring_drop_unwritten() keeps them."""
    tscs = [struct.unpack_from("<Q", events, i + 8)[0] & ~CONTINUATION
            for i in range(0, len(events), EV)]
    floor = min([t for t in tscs[:4] if t] or [1])
    return b"".join(events[i * EV:(i + 1) * EV] for i, t in enumerate(tscs) if t >= floor)


def read_thread(img, st, t, live):
    size = img.u64(t + st["thread_size"])
    if size < EV or size > MAX_RING or size & (size - 1):
        raise CtrailError("ctrail_state: ring size (%d): damaged core?" % size)
    tls = img.u64(t + st["thread_tls"])
    off = img.u64(tls + st["tls_off"]) if live else img.u64(t + st["thread_final_off"])
    ring = img.u64(t + st["thread_ring"])
    cap, written = size // EV, off // EV
    lo = ring_first_stable(written, cap)
    n = written - lo
    first = min(cap - lo % cap, n)
    events = img.read(ring + lo % cap * EV, first * EV) + img.read(ring, (n - first) * EV)
    if live:
        events = ring_drop_unwritten(events)
    is_main = img.i32(t + st["thread_is_main"]) != 0
    return {
        "tid": img.i32(t + st["thread_tid"]),
        "flags": (0 if live else THREAD_EXITED) | (THREAD_MAIN if is_main else 0),
        "name": img.read(t + st["thread_name"], 16),
        "capacity": cap, "written": written, "overwritten": lo, "events": events,
    }


def read_threads(img, st):
    threads = []
    for head, live in ((st["live"], True), (st["exited"], False)):
        t = img.u64(head)
        while t:
            if len(threads) == MAX_THREADS:
                raise CtrailError("ctrail_state: thread list does not end: damaged core?")
            threads.append(read_thread(img, st, t, live))
            t = img.u64(t + st["thread_next"])
    return threads


def read_modules(img, st):
    if st["nmods"] > MAX_MODULES:
        raise CtrailError("ctrail_state: module count (%d): damaged core?" % st["nmods"])
    mods = []
    for i in range(st["nmods"]):
        m = st["mods"] + i * st["module_size"]
        hdr = img.read(m + st["module_hdr"], 24)
        _, nsegs, id_size, path_size, _ = struct.unpack("<QIIII", hdr)
        if nsegs > MAX_SEGMENTS or id_size > 64 or path_size > 4096:
            raise CtrailError("ctrail_state: module %d record: damaged core?" % i)
        mods.append(hdr + img.read(img.u64(m + st["module_segs"]), nsegs * 32)
                    + img.read(m + st["module_build_id"], id_size)
                    + img.read(img.u64(m + st["module_path"]), path_size))
    return mods


def pending_signal(thread, is_core):
    """The signal this thread stopped with, if it is the kind that dumps core
    (in a core only the dumping thread has one)."""
    try:
        thread.switch()
        signo = int(gdb.parse_and_eval("$_siginfo.si_signo"))
    except gdb.error:
        return 0
    return signo if is_core or (signo in FATAL_SIGNALS and signo != 5) else 0


def mark_crashed(inf, threads, is_core):
    selected = gdb.selected_thread()
    crashed = None
    try:
        for th in inf.threads():
            if pending_signal(th, is_core):
                crashed = th.ptid[1]
                break
    finally:
        if selected:
            selected.switch()
    for i, t in enumerate(threads):
        if t["tid"] == crashed and not t["flags"] & THREAD_EXITED:
            t["flags"] |= THREAD_CRASHED
            threads.append(threads.pop(i))
            return


def process_info(inf, is_core):
    """(pid, ppid, exe, cmdline, main thread's name)."""
    exe = gdb.current_progspace().filename or ""
    pid, ppid, cmdline, fname = inf.pid, 0, b"", b""
    if not is_core and os.path.exists("/proc/%d/cmdline" % pid):
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmdline = f.read()
        with open("/proc/%d/stat" % pid, "rb") as f:
            ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
    # on a core, gdb shows the kernel's psargs (the command line's first 80
    # bytes, arguments joined by spaces) as "exe"; the main thread's name
    # is the program's base name, as the kernel's comm (ppid is not shown)
    for line in gdb.execute("info proc", to_string=True).splitlines():
        key, _, value = line.partition(" = ")
        value = value.strip().strip("'").encode()
        if key == "exe" and is_core:
            cmdline = value.rstrip(b" ").replace(b" ", b"\0")
            fname = os.path.basename(cmdline.split(b"\0")[0])[:15]
    return pid, ppid, exe.encode(), cmdline, fname


def thread_names(inf, threads, is_core, fname):
    """A live thread's name is not in the runtime's record: gdb knows it for
    a live process; a core only has the main thread's."""
    names = {th.ptid[1]: th.name for th in inf.threads() if th.name}
    for t in threads:
        if t["flags"] & THREAD_EXITED:
            continue
        name = names.get(t["tid"]) if not is_core else (fname if t["flags"] & THREAD_MAIN else None)
        if name:
            t["name"] = (name.encode() if isinstance(name, str) else name)[:15]


def readable(img, addr, size):
    """The bytes from addr up to size, ending at the first unreadable page."""
    out, at = b"", addr
    while at < addr + size:
        end = min((at // PAGE + 1) * PAGE, addr + size)
        try:
            out += img.read(at, end - at)
        except CtrailError:
            break
        at = end
    return out


def read_stacks(inf, img, threads):
    """Each live thread's registers and stack top, as t["stack"]."""
    by_tid = {th.ptid[1]: th for th in inf.threads()}
    selected = gdb.selected_thread()
    try:
        for t in threads:
            th = by_tid.get(t["tid"])
            if t["flags"] & THREAD_EXITED or not th:
                continue
            th.switch()
            frame = gdb.newest_frame()
            regs = [int(frame.read_register(r)) & (2**64 - 1) for r in DWARF_REGS]
            data = readable(img, regs[7], STACK_BYTES)
            flags = STACK_CUT if len(data) == STACK_BYTES else 0
            t["stack"] = struct.pack("<IIQQ17QQQ", t["tid"], flags, t["written"], 0,
                                     *regs, regs[7], len(data)) + data
    finally:
        if selected:
            selected.switch()


def chunk(tag, payload):
    pad = b"\0" * (-len(payload) % 8)
    return struct.pack("<IIQ", tag, 0, len(payload)) + payload + pad


def ctr_bytes(st, proc, mods, threads):
    pid, ppid, exe, cmdline, _ = proc
    taken = st["clock"][3]  # the start tsc, unless an event is newer
    for t in threads:
        ev = t["events"]
        for k in range(len(ev) // EV - 1, -1, -1):
            tsc = struct.unpack_from("<Q", ev, k * EV + 8)[0]
            if not tsc >> 63:
                taken = max(taken, tsc)
                break
    clock = st["clock"][:3] + st["clock"][3:6] * 2  # now = the start pair
    chunks = [
        chunk(CHUNK_SNAPSHOT, struct.pack("<QQIIIIQQ", 0, taken, REASON_CORE, 0,
                                          st["dropped_threads"], 0, st["dropped_events"], 0)),
        chunk(CHUNK_PROCESS, struct.pack("<IIII", pid, ppid, len(exe), len(cmdline)) + exe + cmdline),
        chunk(CHUNK_CLOCK, struct.pack("<QII6Q", *clock)),
    ]
    chunks += [chunk(CHUNK_MODULE, m) for m in mods]
    for t in threads:
        hdr = struct.pack("<II16sQQQQ", t["tid"], t["flags"], t["name"], t["capacity"],
                          t["written"], t["overwritten"], len(t["events"]) // EV)
        chunks.append(chunk(CHUNK_THREAD, hdr + t["events"]))
        if "stack" in t:
            chunks.append(chunk(CHUNK_STACK, t["stack"]))
    chunks.append(chunk(CHUNK_END, struct.pack("<Q", len(chunks))))
    return struct.pack("<8sII", CTR_MAGIC, CTR_VERSION, 16) + b"".join(chunks)


def dump(out, tsc_hz):
    inf = gdb.selected_inferior()
    if not inf.pid:
        raise CtrailError("no process or core file to read")
    is_core = inf.connection is not None and inf.connection.type == "core"
    img = Image(inf)
    st = read_state(img)
    st["dropped_threads"] = struct.unpack("<I", img.read(st["dropped_threads"], 4))[0]
    st["dropped_events"] = img.u64(st["dropped_events"])
    if tsc_hz:
        st["clock"][0] = tsc_hz
    if not st["clock"][0]:
        raise CtrailError("the process had not found its TSC rate yet; give it: ctrail-dump OUT HZ")
    threads = read_threads(img, st)
    mods = read_modules(img, st)
    proc = process_info(inf, is_core)
    mark_crashed(inf, threads, is_core)
    thread_names(inf, threads, is_core, proc[4])
    read_stacks(inf, img, threads)
    data = ctr_bytes(st, proc, mods, threads)
    tmp = "%s.tmp.%d" % (out, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, out)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise CtrailError("%s: %s" % (out, e.strerror))
    return len(threads)


class CtrailDump(gdb.Command):
    """ctrail-dump OUT.ctr [TSC_HZ]: write the ctrail trace held in memory (a
core file or a stopped process) as OUT.ctr, for `ctrail convert`.  TSC_HZ
is needed only if the process had not found its TSC rate."""

    def __init__(self):
        super().__init__("ctrail-dump", gdb.COMMAND_DATA, gdb.COMPLETE_FILENAME)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) not in (1, 2) or (len(args) == 2 and not args[1].isdigit()):
            raise gdb.GdbError("usage: ctrail-dump OUT.ctr [TSC_HZ]")
        try:
            n = dump(args[0], int(args[1]) if len(args) == 2 else 0)
        except CtrailError as e:
            raise gdb.GdbError("ctrail-dump: %s" % e)
        print("ctrail-dump: %d threads written to %s" % (n, args[0]))


CtrailDump()

#!/usr/bin/env python3
"""summaries_check.py - independent readers for summaries.sh: they parse
what ctrail wrote (Trace Event JSON, folded stacks, speedscope JSON, report
CSV, the flame graph's DOM after its script ran, a PNG screenshot) with
nothing but the standard library, check the format rules, and print facts
the shell script compares.  Any rule broken exits 1 with a message.

  roots FILE.json [THREAD]   sum of the durations of the outermost calls
                             (ns), all threads or the thread named THREAD
  folded FILE.folded         checks the lines; prints their value sum
  speedscope FILE.json       checks the schema and the O/C nesting; prints
                             the folded stacks its events add up to
  report FILE.csv            checks each row's numbers; prints "name calls"
                             and then "self-sum N"
  dom FILE.html              the frames the search marked, the percent the
                             page shows and the percent their widths give
  png FILE.png               number of distinct colours
"""
import collections
import json
import re
import struct
import sys
import zlib
from decimal import Decimal


def die(msg):
    print(msg)
    sys.exit(1)


def ns(us):
    """Exact ns of a Trace Event time (µs with three decimals)."""
    return int(Decimal(us) * 1000)


def roots(path, thread=None):
    doc = json.load(open(path), parse_float=Decimal)
    names = {e["tid"]: e["args"]["name"] for e in doc["traceEvents"]
             if e["ph"] == "M" and e["name"] == "thread_name"}
    calls = collections.defaultdict(list)
    for e in doc["traceEvents"]:
        if e["ph"] == "X" and (thread is None or names.get(e["tid"]) == thread):
            b = ns(e["ts"])
            calls[e["tid"]].append((b, -(b + ns(e["dur"]))))
    total = 0
    for spans in calls.values():
        end = -1
        # outer calls before inner ones; a call inside the last outermost
        # one begins before it ends (one of 0 ns at its end adds nothing)
        for b, neg_end in sorted(spans):
            if b >= end:
                total += -neg_end - b
                end = -neg_end
    print(total)


def folded(path):
    total = 0
    for n, line in enumerate(open(path), 1):
        m = re.fullmatch(r"([^;\n]+(?:;[^;\n]+)*) (\d+)\n", line)
        if not m:
            die(f"{path}:{n}: not 'a;b;c VALUE': {line!r}")
        total += int(m.group(2))
    print(total)


def speedscope(path):
    doc = json.load(open(path))
    if doc.get("$schema") != "https://www.speedscope.app/file-format-schema.json":
        die("bad $schema")
    frames = doc["shared"]["frames"]
    if not all(isinstance(f.get("name"), str) for f in frames):
        die("a frame without a name")
    stacks = collections.Counter()
    for p in doc["profiles"]:
        if p["type"] != "evented" or p["unit"] != "nanoseconds":
            die(f"profile {p.get('name')}: not evented nanoseconds")
        open_, last = [], p["startValue"]
        for e in p["events"]:
            if not 0 <= e["frame"] < len(frames):
                die(f"frame {e['frame']} out of range")
            if e["at"] < last:
                die(f"profile {p['name']}: 'at' goes back at {e}")
            if e["type"] == "O":
                open_.append([e["frame"], e["at"], 0])
            elif e["type"] == "C":
                if not open_ or open_[-1][0] != e["frame"]:
                    die(f"profile {p['name']}: close of a frame not innermost: {e}")
                frame, begin, callees = open_.pop()
                took = e["at"] - begin
                key = ";".join([frames[o[0]]["name"] for o in open_] +
                               [frames[frame]["name"]])
                stacks[key] += took - callees
                if open_:
                    open_[-1][2] += took
            else:
                die(f"unknown event type {e['type']}")
            last = e["at"]
        if open_:
            die(f"profile {p['name']}: frames left open")
        if last > p["endValue"]:
            die(f"profile {p['name']}: event after endValue")
    for key in sorted(stacks):
        print(key, stacks[key])


def report(path):
    lines = open(path).read().splitlines()
    head = "function,calls,total_ns,self_ns,min_ns,mean_ns,p50_ns,p99_ns,max_ns"
    if lines[0] != head:
        die(f"header {lines[0]!r}")
    self_sum = 0
    for row in lines[1:]:
        m = re.fullmatch(r'"((?:[^"]|"")*)",(\d+(?:,\d+){7})', row)
        if not m:
            die(f"row {row!r}")
        name = m.group(1).replace('""', '"')
        calls, total, self_, lo, mean, p50, p99, hi = map(int, m.group(2).split(","))
        if not (lo <= p50 <= p99 <= hi and lo <= mean <= hi and self_ <= total
                and calls >= 1 and hi <= total):
            die(f"{name}: inconsistent {row}")
        self_sum += self_
        print(name, calls)
    print("self-sum", self_sum)


def dom(path):
    text = open(path).read()
    if 'data-ready="1"' not in text:
        die("the script did not finish (no data-ready)")
    frames = []
    for g in re.finditer(r'<g class="f[^"]*"([^>]*)>', text):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', g.group(1)))
        frames.append(attrs)
    root = [f for f in frames if f["data-d"] == "0"][0]
    hits = sorted((int(f["data-x"]), int(f["data-d"]), int(f["data-w"]), f["data-n"])
                  for f in frames if f.get("data-match") == "1")
    total, end = 0, -1
    for x, d, w, n in hits:
        if x >= end:
            total += w
            end = x + w
    shown = re.search(r'data-matched="([^"]*)"', text)
    print("matched", " ".join(sorted(h[3] for h in hits)))
    print("shown", shown.group(1) if shown else "none")
    print("computed", f"{100 * total / int(root['data-w']):.2f}")


def png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        die("not a PNG")
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    width, height, depth, ctype = hdr[:4]
    if depth != 8 or ctype not in (2, 6):
        die(f"unexpected PNG type depth={depth} colour={ctype}")
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), width * bpp
    prev, colours = bytearray(stride), set()
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else
                                      b if pb <= pc else c)) & 255
        for i in range(0, stride, bpp):
            colours.add(bytes(line[i:i + 3]))
        prev = line
    print(len(colours))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"roots": roots, "folded": folded, "speedscope": speedscope,
     "report": report, "dom": dom, "png": png}[cmd](*args)

#!/usr/bin/env python3
"""stress_check.py - checks the raw events of h_stress.c's `alarm` run.

Reads `ctrail dump` of the run's exit snapshot on stdin (the main thread:
a recursion of rec() of depth 20 interrupted every 100 us by a SIGALRM
handler, on_alarm(), which calls h_leaf() twice) and asserts:

  whole     every event is a call or return of a function of the program
            (no slot left unwritten, no torn or foreign event);
  blocks    the handler's events come in unbroken blocks, each exactly
            call on_alarm, call h_leaf, return h_leaf, call h_leaf,
            return h_leaf, return on_alarm (two or more back to back when
            a signal came again before the interrupted code recorded
            anything: as the handler returned, or while the exit snapshot
            is written, in untraced runtime code; the first and last may be
            cut by the ring's ends), so no event of the interrupted code
            sits in a handler's slot and no handler event is lost;
  nesting   without the blocks, the other events nest: each return is of
            the function on top of the stack (frames opened before the
            ring's first event excepted), never deeper than 30;
  order     stamps never go backwards, except the one documented anomaly:
            an event right before a block may be stamped after the block
            (the hook was interrupted between reserving its slot and
            reading the TSC), but then not after the event that follows the
            block;
  enough    at least 2 blocks, so the run did test something.

Prints one line of figures, then exits 0, or prints what failed and exits 1.
"""
import sys

HANDLER = ("on_alarm", "h_leaf")
BLOCK = [("call", "on_alarm"), ("call", "h_leaf"), ("return", "h_leaf"),
         ("call", "h_leaf"), ("return", "h_leaf"), ("return", "on_alarm")]
KNOWN = {"main", "alarm_storm", "now_ms", "rec"} | set(HANDLER)


def read_main_events(lines):
    events, on = [], False
    for line in lines:
        if line.startswith("thread "):
            on = " flags=main " in line + " "
        elif on and line.startswith("  "):
            f = line.split()
            if f[1] in ("signal", "signal_end"):
                continue  # the handler wrapper's own (signals.sh checks them)
            events.append((int(f[0]), f[1], f[3] if len(f) > 3 else "?"))
        elif not line.startswith(" "):
            on = False
    return events


def blocks_of(events):
    """(start, end) index pairs of the runs of handler events."""
    runs, i = [], 0
    while i < len(events):
        if events[i][2] in HANDLER:
            j = i
            while j < len(events) and events[j][2] in HANDLER:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


def check_whole(events, errors):
    for i, (tsc, kind, name) in enumerate(events):
        if kind not in ("call", "return") or name not in KNOWN:
            errors.append("whole: event %d is %s %s (tsc %d)" % (i, kind, name, tsc))


def is_blocks(got, cut_front, cut_back):
    """Whether got is whole blocks back to back (a signal can come again
    before the interrupted code records anything), the first cut short at
    its front and the last at its back where the ring cuts them."""
    if cut_front and got and got[0] != BLOCK[0]:
        k = next((i for i, e in enumerate(got) if e == BLOCK[0]), len(got))
        if got[:k] != BLOCK[len(BLOCK) - k:]:
            return False
        got = got[k:]
    while len(got) >= len(BLOCK) and got[:len(BLOCK)] == BLOCK:
        got = got[len(BLOCK):]
    return not got or (cut_back and got == BLOCK[:len(got)])


def check_blocks(events, runs, errors):
    for a, b in runs:
        got = [(e[1], e[2]) for e in events[a:b]]
        if not is_blocks(got, a == 0, b == len(events)):
            errors.append("blocks: events %d-%d are %s" % (a, b - 1, got))


def check_nesting(events, in_block, errors):
    stack = []
    for i, (tsc, kind, name) in enumerate(events):
        if i in in_block:
            continue
        if kind == "call":
            stack.append(name)
            if len(stack) > 30:
                errors.append("nesting: depth %d at event %d" % (len(stack), i))
                return
        elif stack and stack.pop() != name:
            errors.append("nesting: return %s at event %d does not match" % (name, i))
            return


def check_order(events, runs, in_block, errors):
    """Returns the events stamped after the handler that interrupted them."""
    late = set()
    for a, b in runs:
        if a > 0 and events[a - 1][0] > events[a][0] and (a - 1) not in in_block:
            late.add(a - 1)
            if b < len(events) and events[a - 1][0] > events[b][0]:
                errors.append("order: event %d, stamped after the handler, is also after "
                              "event %d that follows it" % (a - 1, b))
    prev = None
    for i, (tsc, kind, name) in enumerate(events):
        if i in late:
            continue
        if prev is not None and tsc < events[prev][0]:
            errors.append("order: event %d (tsc %d) after event %d (tsc %d)" %
                          (i, tsc, prev, events[prev][0]))
            if len(errors) > 20:
                break
        prev = i
    return late


def check(events):
    errors = []
    check_whole(events, errors)
    runs = blocks_of(events)
    check_blocks(events, runs, errors)
    in_block = set()
    for a, b in runs:
        in_block.update(range(a, b))
    check_nesting(events, in_block, errors)
    late = check_order(events, runs, in_block, errors)
    if len(runs) < 2:
        errors.append("enough: only %d handler blocks" % len(runs))
    return errors, len(runs), len(late)


def main():
    events = read_main_events(sys.stdin)
    errors, nblocks, late = check(events)
    print("%d events, %d handler blocks, %d stamped after the handler that interrupted them"
          % (len(events), nblocks, late))
    for e in errors[:20]:
        print(e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

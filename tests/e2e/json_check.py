#!/usr/bin/env python3
"""json_check.py - checks `ctrail convert` output for the e2e tests.

  json_check.py check FILE
      Validates FILE against the Trace Event Format (the JSON object form):
      a "traceEvents" list; every event an object with a known "ph"; "X"
      events with string name, numeric ts and dur >= 0, integer pid and tid,
      object args; "M" events naming processes and threads.  Then, per
      thread, the X events must nest (no partial overlap) and the durations
      of a slice's direct children must not add up to more than its own.
      Prints "ok" or the first problem, and exits 1 on a problem.

  json_check.py tree FILE THREAD [--repairs] [--all]
      Prints the X events of the thread named THREAD (its "M" thread_name)
      in begin order, one per line, indented two spaces per depth level;
      with --repairs, a slice's "repair" argument follows in brackets; with
      --all, the trees of every thread so named (contexts and fibers are
      threads of their own in the JSON), in tid order; with --hide=PREFIX,
      slices whose name starts with PREFIX are left out and their
      children shown one level up.

Times are read as decimals and turned into integer nanoseconds, so the
checks are exact.  Slices beginning together are ordered longest first,
equal ones in file order, as Perfetto does (ctrail writes a call that
begins in its caller's first nanosecond right after its caller)."""
import json
import sys
from decimal import Decimal

PHASES = set('BEXIiCbneMPONDsft(),RcvV')


def load(path):
    with open(path, 'rb') as f:
        return json.loads(f.read().decode('utf-8'), parse_float=Decimal)


def ns(value):
    return int(Decimal(value) * 1000)


def check_event(i, e):
    where = 'event %d' % i
    if not isinstance(e, dict):
        return where + ': not an object'
    ph = e.get('ph')
    if not isinstance(ph, str) or ph not in PHASES:
        return where + ': bad ph %r' % (ph,)
    for key in ('pid', 'tid'):
        if key in e and (not isinstance(e[key], int) or isinstance(e[key], bool)):
            return where + ': %s is not an integer' % key
    if 'args' in e and not isinstance(e['args'], dict):
        return where + ': args is not an object'
    if ph == 'X':
        if not isinstance(e.get('name'), str):
            return where + ': X without a string name'
        for key in ('ts', 'dur'):
            if not isinstance(e.get(key), (int, Decimal)) or isinstance(e.get(key), bool):
                return where + ': X without a numeric %s' % key
        if e['dur'] < 0:
            return where + ': negative dur'
        if 'pid' not in e or 'tid' not in e:
            return where + ': X without pid/tid'
    if ph == 'M':
        if e.get('name') not in ('process_name', 'thread_name', 'process_labels',
                                 'process_sort_index', 'thread_sort_index'):
            return where + ': unknown metadata %r' % (e.get('name'),)
        if e['name'].endswith('_name') and not isinstance(e.get('args', {}).get('name'), str):
            return where + ': metadata without args.name'
    return None


def slices_by_thread(doc):
    threads = {}
    for i, e in enumerate(doc['traceEvents']):
        if e.get('ph') == 'X':
            begin = ns(e['ts'])
            threads.setdefault((e['pid'], e['tid']), []).append(
                (begin, begin + ns(e['dur']), i, e))
    # as Perfetto orders them: by ts, longer first, file order for the
    # same ts and dur (ctrail writes a caller before a callee of its ts)
    for evs in threads.values():
        evs.sort(key=lambda s: (s[0], -(s[1] - s[0]), s[2]))
    return threads


def nest(evs):
    """Yields (depth, slice) in begin order; raises ValueError on overlap
    or when children outlast their parent."""
    stack = []  # [begin, end, children's total, event]
    for begin, end, _, e in evs:
        while stack and not (begin >= stack[-1][0] and end <= stack[-1][1]):
            if begin < stack[-1][1]:
                raise ValueError('%s [%d, %d] overlaps %s [%d, %d]' % (
                    e['name'], begin, end, stack[-1][3]['name'], stack[-1][0], stack[-1][1]))
            stack.pop()
        if stack:
            stack[-1][2] += end - begin
            if stack[-1][2] > stack[-1][1] - stack[-1][0]:
                raise ValueError('children of %s last longer than it' % stack[-1][3]['name'])
        yield len(stack), e
        stack.append([begin, end, 0, e])


def check(path):
    try:
        doc = load(path)
    except (OSError, ValueError) as err:
        return 'not JSON: %s' % err
    if not isinstance(doc, dict) or not isinstance(doc.get('traceEvents'), list):
        return 'no traceEvents list'
    for i, e in enumerate(doc['traceEvents']):
        problem = check_event(i, e)
        if problem:
            return problem
    for (pid, tid), evs in slices_by_thread(doc).items():
        try:
            for _ in nest(evs):
                pass
        except ValueError as err:
            return 'thread %d: %s' % (tid, err)
    return None


def tree(path, thread, repairs, every, hide):
    doc = load(path)
    tids = sorted(e['tid'] for e in doc['traceEvents']
                  if e.get('ph') == 'M' and e.get('name') == 'thread_name'
                  and e['args']['name'] == thread)
    if not tids:
        return
    if not every:
        tids = tids[:1]
    threads = slices_by_thread(doc)
    for (pid, tid) in sorted(k for k in threads if k[1] in tids):
        hidden = []  # depths of the hidden slices open around the next
        for depth, e in nest(threads[(pid, tid)]):
            while hidden and hidden[-1] >= depth:
                hidden.pop()
            if hide and e['name'].startswith(hide):
                hidden.append(depth)
                continue
            depth -= len(hidden)
            repair = e.get('args', {}).get('repair')
            print('  ' * depth + e['name'] +
                  (' [%s]' % repair if repairs and repair else ''))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == 'check':
        problem = check(sys.argv[2])
        print(problem or 'ok')
        return 1 if problem else 0
    if len(sys.argv) in (4, 5, 6, 7) and sys.argv[1] == 'tree':
        hide = [a[7:] for a in sys.argv[4:] if a.startswith('--hide=')]
        tree(sys.argv[2], sys.argv[3], '--repairs' in sys.argv[4:],
             '--all' in sys.argv[4:], hide[0] if hide else None)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""perfetto_judge.py - Perfetto's own importer as the judge of one trace's
three outputs (JSON, FXT, protobuf).

    perfetto_judge.py TP NAME BASE DUMP [--wall] [--snapshot N]

TP is trace_processor_shell; BASE.json, BASE.fxt and BASE.pftrace are
`ctrail convert` of one snapshot, DUMP is `ctrail dump` of it (the
process, its threads, whether it has scheduling events; of its snapshot
N, 0 by default).  With --wall,
BASE.wall.{json,fxt,pftrace} are the same converted with --wall-clock.

Each output is imported once with perfetto_judge.sql, which prints one
row per fact (import problem, slice, flow, counter, thread, sched slice,
thread state).  Printed checks, "PASS NAME-what" or "FAIL NAME-what: why":
  stats-FORMAT   no stats row of severity error or data_loss above 0
                 (but a mismatched switch where the recording itself has
                 a gap: switch_gaps);
  slices, instants, flows, counters, sched, states: the same rows in the
                 three formats (times in ns, depth, parent, names);
  threads        the same threads (tid, name, process) in the three, and
                 the snapshot's threads, and the ctrail-sched helper when
                 the snapshot has scheduling events, in our process with
                 their names;
  sched-present  scheduling rows imported when the snapshot has some;
  wall-*         with --wall: the wall-clock outputs hold the same rows
                 (FXT and protobuf: absolute; JSON: the time of day, as
                 docs/ctrail.md says), all moved by one constant.
  helpers        no call slice of ctrail.h's own inline helpers.
A call slice's category is the format's own business (FXT puts the
source location there), so it only tells calls from custom events.  Thread names
are compared with spaces as "_" (the JSON's ftrace text cannot hold a
space in a task name).  Flows are
compared as the pair of slices they join: the JSON and FXT importers join
the two ends in time order, so an end stamped before its begin (another
CPU's clock) turns the arrow around there.  Each
importer names a counter track its own way (JSON: "NAME value", FXT:
"NAME:value:0", protobuf: our track's "NAME"); the suffix is dropped."""
import collections
import csv
import io
import re
import subprocess
import sys

FORMATS = ('json', 'fxt', 'pftrace')
SQL = __file__.rsplit('/', 1)[0] + '/perfetto_judge.sql'
CUSTOM = ('log', 'instant', 'flow')
DAY_NS = 86400 * 10**9
OTHERS = '4294967295'  # FXT's made-up process of other processes' tasks
COUNTER_SUFFIX = {'json': r' value$', 'fxt': r':value:0$'}
# the fields of each kind that are times, to move wall-clock rows by
TIMES = {'call': (1, 4), 'instant': (1, 4), 'flow': (0, 2), 'counter': (1,),
         'sched': (0,), 'state': (0,)}


def fxt_sched_view(facts):
    """What FXT can say of scheduling, from protobuf's or JSON's rows: the
    spec's thread states have one "blocked" (D and I show as S), no
    preempted runnable (R+ as R), and Perfetto's FXT importer calls a
    woken thread "W" (compared as R), keeps no idle task (tid 0) slices
    or states; other processes' tasks are in a made-up process (compared
    as none, its own main thread left out); it gives every state a cpu, the others only running ones."""
    state = lambda s: {'D': 'S', 'I': 'S', 'R+': 'R', 'W': 'R'}.get(s, s)
    out = collections.defaultdict(list, facts)
    out['sched'] = sorted(r[:4] + (state(r[4]),) + r[5:] for r in facts['sched'] if r[3] != '0')
    out['state'] = sorted(r[:3] + (state(r[3]), r[4] if r[3] == 'Running' else '-') + r[5:]
                          for r in facts['state'] if r[2] != '0')
    out['thread'] = sorted(r[:2] + ('-', '-') if r[2] == OTHERS else r
                           for r in facts['thread'] if r[0] != OTHERS)
    return out


def load(tp, path):
    """The facts of one output, by kind: lists of field tuples."""
    out = subprocess.run([tp, '-q', SQL, path], capture_output=True, text=True)
    facts = collections.defaultdict(list)
    if out.returncode != 0:
        facts['stat'].append(('trace_processor failed: ' + out.stderr[-300:],))
        return facts
    rows = csv.reader(io.StringIO(out.stdout))
    next(rows, None)
    for kind, text in rows:
        f = tuple(text.split('\t'))
        if kind == 'slice':
            kind = 'instant' if f[6] in CUSTOM else 'call'
            if f[6] == 'flow':
                continue  # protobuf's flow anchors: compared as flows
            if kind == 'call':
                f = f[:6] + f[7:]
        if kind == 'state' and f[2] == '0':
            continue  # the idle task: only the JSON importer keeps its states
        if kind == 'thread':
            f = (f[0], f[1].replace(' ', '_')) + f[2:]  # see above
        if kind == 'flow':
            f = sum(sorted((f[:2], f[2:]), key=lambda end: int(end[0])), ())  # either way: see above
        if kind == 'counter':
            f = (re.sub(COUNTER_SUFFIX.get(path.rsplit('.', 1)[-1], '$^'), '', f[0]),) + f[1:]
        facts[kind].append(f)
    for v in facts.values():
        v.sort()
    if path.endswith('.fxt'):
        facts = fxt_sched_view(facts)
    return facts


def diff(a, b, n=4):
    """A short account of how two sorted row lists differ."""
    ca, cb = collections.Counter(a), collections.Counter(b)
    only_a = sorted((ca - cb).elements())
    only_b = sorted((cb - ca).elements())
    show = lambda rows: '; '.join(' '.join(r) for r in rows[:n])
    return '%d vs %d rows; only in first %d: %s; only in second %d: %s' % (
        len(a), len(b), len(only_a), show(only_a), len(only_b), show(only_b))


def check(name, ok, why):
    print('PASS %s' % name if ok else 'FAIL %s: %s' % (name, why))


def parse_dump(path, snapshot):
    """Our pid, executable's name, {tid: name} of the threads with events,
    and whether the scheduling events show the ctrail-sched helper made
    (task_newtask) and named, in snapshot number `snapshot` of the dump."""
    pid, exe, threads, n = None, None, {}, -1
    made, renamed = set(), set()
    for line in open(path, errors='replace'):
        if line.startswith('snapshot '):
            n += 1
        if n != snapshot:
            continue
        m = re.match(r'process pid=(\d+) .*exe=(\S+)', line)
        if m:
            pid, exe = m.group(1), m.group(2).rsplit('/', 1)[-1]
        m = re.match(r'thread tid=(\d+) name=(\S*) .* events=(\d+)', line)
        if m and m.group(3) != '0':
            threads[m.group(1)] = m.group(2) or 'thread %s' % m.group(1)
        m = re.search(r' task_newtask .*pid=(\d+) ', line)
        if m:
            made.add(m.group(1))
        m = re.search(r' task_rename .*pid=(\d+) .*newcomm=ctrail-sched', line)
        if m:
            renamed.add(m.group(1))
    # the helper is known to be ours when the recording has its birth
    return pid, exe, threads, bool(made & renamed)


def switch_gaps(path, snapshot):
    """Switches of the recording itself whose outgoing task is not the one
    the CPU's previous switch put on it: one switch the kernel's buffers
    or the reader missed (rare, on a loaded machine).  Each is one
    mismatched_sched_switch_tids in the importer, not the emitters' doing."""
    on_cpu, gaps, n = {}, 0, -1
    for line in open(path, errors='replace'):
        if line.startswith('snapshot '):
            n += 1
        m = re.match(r'  \d+ cpu=(\d+) sched_switch .*prev_pid=(-?\d+) .*next_pid=(-?\d+)', line)
        if n == snapshot and m:
            cpu, prev, nxt = m.groups()
            gaps += cpu in on_cpu and on_cpu[cpu] != prev
            on_cpu[cpu] = nxt
    return gaps


def stats_check(name, facts, gaps):
    """No import problem, but as many mismatched switches as the
    recording has gaps (switch_gaps)."""
    bad = [r for r in facts['stat']
           if not (r[0].startswith('mismatched_sched_switch_tids ') and
                   int(r[0].split()[-1]) <= gaps)]
    note = ' (%d switch gaps in the recording itself)' % gaps if gaps else ''
    check(name + note, not bad, '; '.join(' '.join(r) for r in bad))


def shifted(facts, by):
    """The rows of facts with every time moved by -by."""
    out = collections.defaultdict(list)
    for kind, rows in facts.items():
        idx = TIMES.get(kind, ())
        out[kind] = sorted(tuple(str(int(v) - by) if i in idx and v != '-' else v
                                 for i, v in enumerate(r)) for r in rows)
    return out


def origin(facts):
    return min(int(r[1]) for r in facts['call']) if facts['call'] else 0


def json_calls(calls):
    """The calls as JSON can hold them: Perfetto's JSON importer sorts
    "X" events by ts, longer first, and keeps a zero-length call open for
    what begins in its nanosecond; so a zero-length call in the nanosecond
    a sibling begins becomes that sibling's callee (or, both zero-length,
    the later one the earlier one's).  Depth and parent follow."""
    out, by_thread = [], collections.defaultdict(list)
    for r in calls:
        by_thread[r[0]].append(r)
    for tid, rows in by_thread.items():
        stack = []  # (ts, end, name)
        for r in sorted(rows, key=lambda r: (int(r[1]), -int(r[2]), int(r[3]), r[6])):
            ts, end = int(r[1]), int(r[1]) + int(r[2])
            while stack and not (end <= stack[-1][1] and
                                 (ts < stack[-1][1] or stack[-1][0] == stack[-1][1])):
                stack.pop()
            parent = (str(stack[-1][0]), stack[-1][2]) if stack else ('-', '-')
            out.append((tid, r[1], r[2], str(len(stack))) + parent + (r[6],))
            stack.append((ts, end, r[6]))
    return sorted(out)


def expected(pftrace, f):
    """What format f can hold of the protobuf's facts: FXT fxt_sched_view,
    JSON json_calls, protobuf all."""
    if f == 'fxt':
        return fxt_sched_view(pftrace)
    view = collections.defaultdict(list, pftrace)
    if f == 'json':
        view['call'] = json_calls(pftrace['call'])
    return view


def compare(name, facts, kinds, gaps):
    """One check per kind: the three formats hold the same rows (as each
    can hold them: expected()).  Where the recording has switch gaps the
    protobuf and JSON importers drop the switch after each, the FXT
    importer does not: FXT's scheduling rows are then not compared."""
    views = {f: expected(facts['pftrace'], f) for f in ('json', 'fxt')}
    for kind in kinds:
        if gaps and kind in ('sched', 'state'):
            facts['fxt'][kind] = views['fxt'][kind]
        bad = ['%s: %s' % (f, diff(views[f][kind], facts[f][kind]))
               for f in ('json', 'fxt') if facts[f][kind] != views[f][kind]]
        check('%s-%s' % (name, kind), not bad, 'protobuf vs ' + ' | '.join(bad))


def threads_check(name, facts, dump, snapshot):
    pid, exe, threads, helper = parse_dump(dump, snapshot)
    # Perfetto's ftrace importer names a process after its main thread's
    # comm (task_rename), as Linux does: the protobuf output of a program
    # that renames its main thread may carry that name instead
    renamed = threads.get(pid) if helper else None
    for f in FORMATS:
        rows = {r[0]: r for r in facts[f]['thread']}
        names = (exe, renamed) if f == 'pftrace' else (exe,)
        # JSON names a kept flow occurrence's process "exe: flow #rank (ms)"
        ok = lambda r: r[3] in names or (f == 'json' and r[3].startswith(exe + ': '))
        bad = ['%s=%s: got %s' % (tid, n, ' '.join(rows.get(tid, ('absent',))))
               for tid, n in threads.items()
               if rows.get(tid, ())[1:3] != (n, pid) or not ok(rows[tid])]
        named = [r for r in rows.values() if r[1] == 'ctrail-sched']
        if helper and not any(r[2] == pid and ok(r) for r in named):
            bad.append('ctrail-sched: got %s' % (named or 'absent'))
        check('%s-threads-%s' % (name, f), not bad, '; '.join(bad))
    # tid 0 is the idle task, named differently by each importer; the
    # process names were checked above
    others = {f: sorted(r[:3] for r in facts[f]['thread'] if r[0] != '0')
              for f in FORMATS}
    bad = ['%s: %s' % (f, diff(others['pftrace'], others[f]))
           for f in ('json', 'fxt') if others[f] != others['pftrace']]
    check('%s-threads' % name, not bad, 'protobuf vs ' + ' | '.join(bad))
    return helper


def main():
    tp, name, base, dump = sys.argv[1:5]
    wall = '--wall' in sys.argv[5:]
    snapshot = int(sys.argv[sys.argv.index('--snapshot') + 1]) if '--snapshot' in sys.argv else 0
    facts = {f: load(tp, '%s.%s' % (base, f)) for f in FORMATS}
    gaps = switch_gaps(dump, snapshot)
    for f in FORMATS:
        stats_check('%s-stats-%s' % (name, f), facts[f], gaps)
    kinds = ('call', 'instant', 'flow', 'counter', 'sched', 'state')
    compare(name, facts, kinds, gaps)
    helpers = [r for r in facts['pftrace']['call'] if r[-1].startswith('ctrail_')]
    check('%s-helpers' % name, not helpers, 'traced: ' + ' '.join(sorted(set(r[-1] for r in helpers))))
    has_sched = threads_check(name, facts, dump, snapshot) or \
        any(l.startswith('sched ') for l in open(dump, errors='replace'))
    if has_sched:
        check('%s-sched-present' % name,
              facts['pftrace']['sched'] and facts['pftrace']['state'],
              'no sched or thread_state rows imported')
    if not wall:
        return
    walls = {f: load(tp, '%s.wall.%s' % (base, f)) for f in FORMATS}
    for f in FORMATS:
        stats_check('%s-wall-stats-%s' % (name, f), walls[f], gaps)
    absolute, day = origin(walls['pftrace']), origin(walls['json'])
    check('%s-wall-times' % name,
          absolute > 10**18 and origin(walls['fxt']) == absolute and
          0 <= day < DAY_NS and (absolute - day) % DAY_NS == 0,
          'first call at %d (protobuf), %d (FXT), %d (JSON)' % (
              absolute, origin(walls['fxt']), day))
    for f in FORMATS:
        base = expected(facts['pftrace'], f)
        rel = shifted(base, origin(facts['pftrace']))
        moved = shifted(walls[f], origin(walls[f]))
        if gaps and f == 'fxt':
            for k in ('sched', 'state'):
                moved[k] = rel[k]  # not compared: see compare()
        bad = ['%s: %s' % (k, diff(rel[k], moved.get(k, [])))
               for k in kinds if moved.get(k, []) != rel[k]]
        check('%s-wall-%s' % (name, f), not bad, 'relative vs wall: ' + ' | '.join(bad))


if __name__ == '__main__':
    main()

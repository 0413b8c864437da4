#!/usr/bin/env python3
"""perfetto_judge.py - Perfetto's own importer as the judge of one trace's
three outputs (JSON, FXT, protobuf).

    perfetto_judge.py TP NAME BASE DUMP [--wall]

TP is trace_processor_shell; BASE.json, BASE.fxt and BASE.pftrace are
`ctrail convert` of one snapshot, DUMP is `ctrail dump` of it (the
process, its threads, whether it has scheduling events).  With --wall,
BASE.wall.{json,fxt,pftrace} are the same converted with --wall-clock.

Each output is imported once with perfetto_judge.sql, which prints one
row per fact (import problem, slice, flow, counter, thread, sched slice,
thread state).  Printed checks, "PASS NAME-what" or "FAIL NAME-what: why":
  stats-FORMAT   no stats row of severity error or data_loss above 0;
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
source location there), so it only tells calls from custom events.  Each
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


def parse_dump(path):
    """Our pid, executable's name, {tid: name}, and whether there are
    scheduling events naming the ctrail-sched helper."""
    pid, exe, threads, helper = None, None, {}, False
    for line in open(path, errors='replace'):
        m = re.match(r'process pid=(\d+) .*exe=(\S+)', line)
        if m:
            pid, exe = m.group(1), m.group(2).rsplit('/', 1)[-1]
        m = re.match(r'thread tid=(\d+) name=(\S*)', line)
        if m:
            threads[m.group(1)] = m.group(2) or 'thread %s' % m.group(1)
        if 'ctrail-sched' in line and not line.startswith('thread '):
            helper = True
    return pid, exe, threads, helper


def shifted(facts, by):
    """The rows of facts with every time moved by -by."""
    out = {}
    for kind, rows in facts.items():
        idx = TIMES.get(kind, ())
        out[kind] = sorted(tuple(str(int(v) - by) if i in idx and v != '-' else v
                                 for i, v in enumerate(r)) for r in rows)
    return out


def origin(facts):
    return min(int(r[1]) for r in facts['call']) if facts['call'] else 0


def compare(name, facts, kinds):
    """One check per kind: the three formats hold the same rows (FXT
    what it can hold of the protobuf's: fxt_sched_view)."""
    fxt_view = fxt_sched_view(facts['pftrace'])
    for kind in kinds:
        base = facts['pftrace'][kind]
        bad = ['%s: %s' % (f, diff(fxt_view[kind] if f == 'fxt' else base, facts[f][kind]))
               for f in ('json', 'fxt')
               if facts[f][kind] != (fxt_view[kind] if f == 'fxt' else base)]
        check('%s-%s' % (name, kind), not bad, 'protobuf vs ' + ' | '.join(bad))


def threads_check(name, facts, dump):
    pid, exe, threads, helper = parse_dump(dump)
    # Perfetto's ftrace importer names a process after its main thread's
    # comm (task_rename), as Linux does: the protobuf output of a program
    # that renames its main thread may carry that name instead
    renamed = threads.get(pid) if helper else None
    for f in FORMATS:
        rows = {r[0]: r for r in facts[f]['thread']}
        names = (exe, renamed) if f == 'pftrace' else (exe,)
        bad = ['%s=%s: got %s' % (tid, n, ' '.join(rows.get(tid, ('absent',))))
               for tid, n in threads.items()
               if rows.get(tid, ())[1:3] != (n, pid) or rows[tid][3] not in names]
        named = [r for r in rows.values() if r[1] == 'ctrail-sched']
        if helper and not any(r[2] == pid and r[3] in names for r in named):
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
    facts = {f: load(tp, '%s.%s' % (base, f)) for f in FORMATS}
    for f in FORMATS:
        check('%s-stats-%s' % (name, f), not facts[f]['stat'],
              '; '.join(' '.join(r) for r in facts[f]['stat']))
    kinds = ('call', 'instant', 'flow', 'counter', 'sched', 'state')
    compare(name, facts, kinds)
    helpers = [r for r in facts['pftrace']['call'] if r[-1].startswith('ctrail_')]
    check('%s-helpers' % name, not helpers, 'traced: ' + ' '.join(sorted(set(r[-1] for r in helpers))))
    has_sched = threads_check(name, facts, dump) or \
        any(l.startswith('sched ') for l in open(dump, errors='replace'))
    if has_sched:
        check('%s-sched-present' % name,
              facts['pftrace']['sched'] and facts['pftrace']['state'],
              'no sched or thread_state rows imported')
    if not wall:
        return
    walls = {f: load(tp, '%s.wall.%s' % (base, f)) for f in FORMATS}
    for f in FORMATS:
        check('%s-wall-stats-%s' % (name, f), not walls[f]['stat'],
              '; '.join(' '.join(r) for r in walls[f]['stat']))
    absolute, day = origin(walls['pftrace']), origin(walls['json'])
    check('%s-wall-times' % name,
          absolute > 10**18 and origin(walls['fxt']) == absolute and
          0 <= day < DAY_NS and (absolute - day) % DAY_NS == 0,
          'first call at %d (protobuf), %d (FXT), %d (JSON)' % (
              absolute, origin(walls['fxt']), day))
    for f in FORMATS:
        base = fxt_sched_view(facts['pftrace']) if f == 'fxt' else facts['pftrace']
        rel = shifted(base, origin(facts['pftrace']))
        moved = shifted(walls[f], origin(walls[f]))
        bad = ['%s: %s' % (k, diff(rel[k], moved.get(k, [])))
               for k in kinds if moved.get(k, []) != rel[k]]
        check('%s-wall-%s' % (name, f), not bad, 'relative vs wall: ' + ' | '.join(bad))


if __name__ == '__main__':
    main()

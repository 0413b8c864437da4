#!/bin/sh
# decode_binary.sh - the binary outputs of `ctrail convert` (Fuchsia trace
# format, Perfetto protobuf) read back by independent readers written from
# the specs (fxt_read.py, perfetto_read.py).  For programs of
# decode_modes.sh (threads, recursion, exceptions, longjmp, a wrapped ring)
# in every mode:
#   - each holds exactly the slices of the JSON output, per thread: the
#     same names, begin and end nanoseconds, source locations and repairs;
#   - both give the same call trees (depth, begin order).  JSON cannot say
#     whether a zero-length call at its caller's first nanosecond is a
#     child or a sibling; the binary formats keep the true nesting.
# Custom events (r_events.c, every mode): both hold exactly the JSON's log
# lines, instants, counters and flow arrows: kind, name or text, format,
# thread, nanosecond, value, flow id and the call each one sits in (the
# call a flow is bound to).
# Scheduling events (f_sleep.c with CTRAIL_FTRACE=1, as sched.sh; skipped
# without a usable tracefs): the Perfetto output holds every one of the
# snapshot's events as `ctrail dump` prints them (cpu, nanosecond on the
# JSON time base, type, pids, prev_state...), on the track events' clock;
# the FXT output its sched_switch events as context switch records (the
# same nanoseconds, the spec's thread states).
# Then damaged input leaving no output.
. "$(dirname "$0")/../lib.sh"
E2E=$CTRAIL_ROOT/tests/e2e

# The JSON "X" events in the readers' `ends` line format.
json_slices() {
	python3 - "$1" "$E2E" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import json_check
doc = json_check.load(sys.argv[1])
names = {e['tid']: e['args']['name'] for e in doc['traceEvents']
         if e.get('ph') == 'M' and e.get('name') == 'thread_name'}
events = [e for e in doc['traceEvents'] if e.get('ph') == 'X']
for tid in sorted(set(e['tid'] for e in events)):
    for e in events:
        if e['tid'] != tid:
            continue
        begin = json_check.ns(e['ts'])
        args = e.get('args', {})
        loc = args.get('file', '') + (':%d' % args['line'] if 'line' in args else '')
        print('%d %s\t%d\t%d\t%s\t%s\t%s' % (
            tid, names.get(tid, ''), begin, begin + json_check.ns(e['dur']),
            e['name'], loc, args.get('repair', '')))
PY
}

# The JSON's instant, counter and flow events in the readers' `events`
# line format; an event sits in the innermost "X" event around its time
# that was written after it (an "X" is written when its call ends, custom
# events as they come, so that one had not ended: this settles a call
# ending in the event's very nanosecond).
json_events() {
	python3 - "$1" "$E2E" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import json_check
doc = json_check.load(sys.argv[1])
names = {e['tid']: e['args']['name'] for e in doc['traceEvents']
         if e.get('ph') == 'M' and e.get('name') == 'thread_name'}
xs = [(json_check.ns(e['ts']), json_check.ns(e['ts']) + json_check.ns(e['dur']),
       e['tid'], e['name'], i) for i, e in enumerate(doc['traceEvents'])
      if e.get('ph') == 'X']
events = [(i, e) for i, e in enumerate(doc['traceEvents'])
          if e.get('ph') in ('i', 'C', 's', 'f')]
kinds = {'C': 'counter', 's': 'flow_begin', 'f': 'flow_end'}
for tid in sorted(set(e['tid'] for i, e in events)):
    for i, e in sorted(((i, e) for i, e in events if e['tid'] == tid),
                       key=lambda ie: json_check.ns(ie[1]['ts'])):
        t = json_check.ns(e['ts'])
        around = [x for x in xs if x[2] == tid and x[0] <= t <= x[1] and x[4] > i]
        within = max(around, key=lambda x: (x[0], -x[4]))[3] if around else ''
        args = e.get('args', {})
        detail = (args.get('format', '') if e['ph'] == 'i' else
                  str(args['value']) if e['ph'] == 'C' else e['id'])
        # both ends of a flow are named "flow", the program's name in args
        name = args['name'] if e['ph'] in 'sf' else e['name']
        print('%d %s\t%d\t%s\t%s\t%s\t%s' % (
            tid, names.get(tid, ''), t, kinds.get(e['ph'], e.get('cat')),
            name, detail, within))
PY
}

# dump_sched perfetto|fxt FILE.ctr : the snapshot's scheduling events from
# `ctrail dump` in the `sched` line format of perfetto_read.py (nanoseconds
# on the JSON time base: from the earliest function or scheduling event;
# without the wakeups of a task on a CPU, which ctrail leaves out) or of
# fxt_read.py (sched_switch only, the same nanoseconds, the FXT thread
# state ctrail documents for each Linux state).
dump_sched() {
	"$BIN/ctrail" dump "$2" | python3 -c '
import re, sys
keys = {"sched_switch": ["prev_pid", "prev_state", "next_pid"],
        "sched_waking": ["pid", "target_cpu"], "sched_wakeup_new": ["pid", "target_cpu"],
        "task_newtask": ["pid", "comm"], "task_rename": ["pid", "oldcomm", "newcomm"],
        "sched_process_exit": ["pid"]}
zircon = {"R": "new", "R+": "new", "S": "blocked", "D": "blocked", "I": "blocked",
          "P": "blocked", "T": "suspended", "t": "suspended", "Z": "dying", "X": "dead"}
hz, firsts, sched, part = 0, [], [], None
for line in sys.stdin:
    if line.startswith("clock "):
        hz = int(re.search(r"hz=(\d+)", line).group(1))
    elif line.startswith("thread "):
        part = "first"
    elif line.startswith("sched "):
        part = "sched"
    elif not line.startswith(" "):
        part = None
    elif part == "first":
        firsts.append(int(line.split()[0]))
        part = None
    elif part == "sched":
        tsc, cpu, name = line.split()[:3]
        args = dict(kv.split("=", 1) for kv in line.split()[3:] if "=" in kv)
        sched.append((int(tsc), int(cpu[4:]), name, args))
origin = min(firsts + [sched[0][0]])
ns = lambda tsc: (tsc - origin) * 10**9 // hz
if sys.argv[1] == "fxt":
    for tsc, cpu, name, a in sched:
        if name == "sched_switch":
            print("%d cpu=%d sched_switch prev_pid=%s prev_state=%s next_pid=%s" % (
                ns(tsc), cpu, a["prev_pid"], zircon[a["prev_state"]], a["next_pid"]))
    sys.exit(0)
# left out: wakeups of a task still on a CPU (sched_wakeups_on_cpu), each
# task on one from the start if its first switch is out of one
on = {}
for tsc, cpu, name, a in sched:
    if name == "sched_switch":
        on.setdefault(a["prev_pid"], True)
        on.setdefault(a["next_pid"], False)
kept = []
for tsc, cpu, name, a in sched:
    if name == "sched_switch":
        on[a["prev_pid"]], on[a["next_pid"]] = False, True
    elif name == "sched_waking" and a["pid"] != "0" and on.get(a["pid"]):
        continue
    kept.append((tsc, cpu, name, a))
lines = [(ns(tsc), cpu, "%d cpu=%d %s %s" % (
    ns(tsc), cpu, name, " ".join("%s=%s" % (k, a[k]) for k in keys[name])))
    for tsc, cpu, name, a in kept if name in keys]
for l in sorted(lines, key=lambda l: l[:2]):
    print(l[2])
' "$1"
}

# same NAME FILE.ctr : converts to the three formats and compares.
same() {
	for f in json fxt pftrace; do
		if ! out=$("$BIN/ctrail" convert "$2" -o "$WORK/$1.$f" 2>&1); then
			fail "$1-$f" "convert failed: $out"
			return
		fi
	done
	json=$(json_slices "$WORK/$1.json" | sort)
	if [ -z "$json" ]; then fail "$1" "no slices in the JSON"; return; fi
	expect_eq "$1-fxt" "$json" "$(python3 "$E2E/fxt_read.py" ends "$WORK/$1.fxt" 2>&1 | sort)"
	expect_eq "$1-perfetto" "$json" \
		"$(python3 "$E2E/perfetto_read.py" ends "$WORK/$1.pftrace" 2>&1 | sort)"
	expect_eq "$1-trees" "$(python3 "$E2E/fxt_read.py" slices "$WORK/$1.fxt" 2>&1)" \
		"$(python3 "$E2E/perfetto_read.py" slices "$WORK/$1.pftrace" 2>&1)"
}

for mode in $MODES; do
	build $mode "$WORK/calls" "$PROGS/d_calls.c" -lpthread &&
		trace "$WORK/calls.ctr" "$WORK/calls" &&
		same $mode-threads "$WORK/calls.ctr" ||
		fail "$mode-threads" "build or run failed"
	expect_eq "$mode-threads-tree" "0 main
1 middle
2 leaf
2 leaf
1 fact
2 fact
3 fact" "$(python3 "$E2E/perfetto_read.py" slices "$WORK/$mode-threads.pftrace" |
		awk -F '\t' '$1 ~ / calls$/ { print $2, $5 }')"
	build $mode "$WORK/exc" "$PROGS/d_exception.cpp" &&
		trace "$WORK/exc.ctr" "$WORK/exc" &&
		same $mode-exception "$WORK/exc.ctr" ||
		fail "$mode-exception" "build or run failed"
	build $mode "$WORK/ljmp" "$PROGS/d_longjmp.c" &&
		trace "$WORK/ljmp.ctr" "$WORK/ljmp" &&
		same $mode-longjmp "$WORK/ljmp.ctr" ||
		fail "$mode-longjmp" "build or run failed"
	build $mode "$WORK/wrap" "$PROGS/d_wrap.c" &&
		CTRAIL_RING_SIZE=4K trace "$WORK/wrap.ctr" "$WORK/wrap" &&
		same $mode-wrap "$WORK/wrap.ctr" ||
		fail "$mode-wrap" "build or run failed"
done

for mode in $MODES; do
	if ! build $mode "$WORK/events" "$PROGS/r_events.c" -lpthread ||
	   ! trace "$WORK/events.ctr" "$WORK/events"; then
		fail "$mode-events" "build or run failed"
		continue
	fi
	same $mode-events "$WORK/events.ctr"
	json=$(json_events "$WORK/$mode-events.json")
	expect_eq "$mode-custom-fxt" "$json" \
		"$(python3 "$E2E/fxt_read.py" events "$WORK/$mode-events.fxt" 2>&1)"
	expect_eq "$mode-custom-perfetto" "$json" \
		"$(python3 "$E2E/perfetto_read.py" events "$WORK/$mode-events.pftrace" 2>&1)"
	expect_eq "$mode-custom-exact" "events	log	resized to 640x480	resized to %dx%d	resize
events	log	no arguments, 100% literal	no arguments, 100%% literal	main
events	log	ctrail|pad     | 3.14|2.500000e-03|ff|010|Z	%s|%-8s|%5.2f|%e|%x|%#o|%c	main
events	log	-1234567890123|200|42|0x1000	%lld|%hhu|%zu|%p	main
events	log	1 2 3 4 5 6 7 8	%d %d %d %d %d %d %d %d	main
events	counter	queue depth	-1	main
events	counter	queue depth	0	main
events	counter	queue depth	1	main
events	instant	checkpoint		main
events	flow_begin	producer	0x1234	producer
events	flow_end	consumer	0x1234	consumer" \
		"$(python3 "$E2E/fxt_read.py" events "$WORK/$mode-events.fxt" |
		   sed 's/^[0-9]* //' | cut -f 1,3-)"
done

build gcc-finstr "$WORK/sleep" "$PROGS/f_sleep.c" -pthread || fail sched-build "f_sleep did not build"
CTRAIL_FTRACE=1 trace "$WORK/sleep.ctr" "$WORK/sleep" 2>"$WORK/sleep.err"
if [ -s "$WORK/sleep.err" ] || ! "$BIN/ctrail" dump "$WORK/sleep.ctr" | grep -q '^sched '; then
	for t in sched-perfetto sched-perfetto-clock sched-fxt; do
		echo "SKIP $t: no usable tracefs ($(head -n 1 "$WORK/sleep.err"))"
	done
else
	for f in pftrace fxt; do
		expect_ok sched-convert-$f "$BIN/ctrail" convert "$WORK/sleep.ctr" \
			-o "$WORK/sleep.$f"
	done
	expect_eq sched-perfetto "$(dump_sched perfetto "$WORK/sleep.ctr")" \
		"$(python3 "$E2E/perfetto_read.py" sched "$WORK/sleep.pftrace" 2>&1)"
	# the main thread goes to sleep (S) once inside its sleeper slice
	pid=$("$BIN/ctrail" dump "$WORK/sleep.ctr" | sed -n 's/^process pid=\([0-9]*\).*/\1/p')
	sleeper=$(python3 "$E2E/perfetto_read.py" slices "$WORK/sleep.pftrace" |
		awk -F '\t' '$5 == "sleeper" { print $3, $4 }')
	expect_eq sched-perfetto-clock 1 "$(python3 "$E2E/perfetto_read.py" sched "$WORK/sleep.pftrace" |
		awk -v b="${sleeper% *}" -v e="${sleeper#* }" -v p="$pid" '
			$3 == "sched_switch" && $4 == "prev_pid=" p && $5 == "prev_state=S" &&
			$1 >= b + 0 && $1 <= e + 0 { n++ } END { print n + 0 }')"
	expect_eq sched-fxt "$(dump_sched fxt "$WORK/sleep.ctr")" \
		"$(python3 "$E2E/fxt_read.py" sched "$WORK/sleep.fxt" 2>&1)"
fi

# Damaged input: a truncated trace and one with a bad chunk size fail with
# a message, and leave neither the output nor a temporary behind.
if build gcc-finstr "$WORK/calls" "$PROGS/d_calls.c" -lpthread &&
	trace "$WORK/good.ctr" "$WORK/calls"; then
	size=$(wc -c < "$WORK/good.ctr")
	head -c $((size / 2)) "$WORK/good.ctr" > "$WORK/short.ctr"
	cp "$WORK/good.ctr" "$WORK/bent.ctr"
	# the first chunk's 8-byte size (file header 16, tag 4, reserved 4)
	printf '\377\377\377\377\377\377\377\177' |
		dd of="$WORK/bent.ctr" bs=1 seek=24 conv=notrunc 2>/dev/null
	for bad in short bent; do
		for f in fxt pftrace; do
			mkdir "$WORK/out-$bad-$f"
			expect_fail "damaged-$bad-$f" "$BIN/ctrail" convert "$WORK/$bad.ctr" \
				-o "$WORK/out-$bad-$f/x.$f"
			expect_eq "damaged-$bad-$f-no-output" "" "$(ls "$WORK/out-$bad-$f")"
		done
	done
else
	fail damaged "build or run failed"
fi

#!/bin/sh
# decode_binary.sh - the binary outputs of `ctrail convert` (Fuchsia trace
# format, Perfetto protobuf) read back by independent readers written from
# the specs (fxt_read.py, perfetto_read.py).  For programs of
# decode_modes.sh (threads, recursion, exceptions, longjmp, a wrapped ring)
# in every mode:
#   - each holds exactly the slices of the JSON output, per thread in the
#     same order (the order calls ended, which is JSON's event order): the
#     same names, begin and end nanoseconds, source locations and repairs;
#   - both give the same call trees (depth, begin order).  JSON cannot say
#     whether a zero-length call at its caller's first nanosecond is a
#     child or a sibling; the binary formats keep the true nesting.
# Then exact record sizes, and damaged input leaving no output.
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

# same NAME FILE.ctr : converts to the three formats and compares.
same() {
	for f in json fxt pftrace; do
		if ! out=$("$BIN/ctrail" convert "$2" -o "$WORK/$1.$f" 2>&1); then
			fail "$1-$f" "convert failed: $out"
			return
		fi
	done
	json=$(json_slices "$WORK/$1.json")
	if [ -z "$json" ]; then fail "$1" "no slices in the JSON"; return; fi
	expect_eq "$1-fxt" "$json" "$(python3 "$E2E/fxt_read.py" ends "$WORK/$1.fxt" 2>&1)"
	expect_eq "$1-perfetto" "$json" \
		"$(python3 "$E2E/perfetto_read.py" ends "$WORK/$1.pftrace" 2>&1)"
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

#!/bin/sh
# stacks.sh - the calls open before the ring (STACK chunks, unwound by
# libdwfl).  tests/progs/o_deep.c sits in a leaf loop 43 calls deep, far
# longer than a 4 KiB ring, when it raises SIGTRAP (or aborts, for a core):
# in every mode the snapshot must hold the whole recursion, outermost
# first, with the names and nesting of a snapshot whose ring is big enough
# to hold it all (taken with CTRAIL_STACK_BYTES=0), plus what the ring
# cannot show: libc's frames above main and the uninstrumented `middle`
# halfway down.  The same from `ctrail core` and from ctrail-gdb.py.  Then
# races (tests/progs/o_race.c), a thread that cannot answer, the thread
# taking the snapshot, the switch (CTRAIL_STACK_BYTES=0 and `ctrail record
# --stack-bytes 0` write no STACK chunk) and Perfetto's importer.
. "$(dirname "$0")/../lib.sh"
CTRAIL=$BIN/ctrail
CHECK="python3 $CTRAIL_ROOT/tests/e2e/json_check.py"
GDB_PY=$CTRAIL_BUILD/share/ctrail/ctrail-gdb.py
cores=1
core_setup stacks.sh-cores || cores=0

# chain FILE.ctr PROG MODE : the main thread's frames from main down to
# leaf, one name a line, "middle" left out (the big ring cannot see it),
# and the inlined "step" too but in the finstr modes (which trace it);
# "not a chain" when one is not the only child of the one before.
chain() {
	case $3 in *finstr) hidden=middle ;; *) hidden="middle|step" ;; esac
	"$CTRAIL" convert "$1" -o "$1.json" >/dev/null 2>&1 &&
		$CHECK tree "$1.json" "$2" | awk -v hidden="^($hidden)$" '
		{ d = match($0, /[^ ]/); name = substr($0, d) }
		name == "main" && !on { on = 1; want = d }
		name == "tiny" { done = 1 }
		!on || done { next }
		d != want { print "not a chain at " name; done = 1; next }
		{ want = d + 2 }
		name !~ hidden { print name }'
}

# outside FILE.ctr PROG : what the big ring cannot show: libc above main,
# middle in the recursion, the inlined step (from DWARF), each frame
# marked open before the ring.
outside() {
	$CHECK tree "$1.json" "$2" --repairs | awk '
		/__libc_start_call_main \[open before ring/ { libc = 1 }
		/middle \[open before ring/ { middle = 1 }
		/step \[open before ring/ { step = 1 }
		END { print (libc ? "libc" : "no libc"), (middle ? "middle" : "no middle"),
			(step ? "step" : "no step") }'
}

# trap_run MODE-DIR NAME ENV... : runs o_deep until its SIGTRAP snapshot.
trap_run() {
	dir=$1 out=$1/$2.ctr
	shift 2
	env "$@" CTRAIL_OUTPUT="$out" timeout 60 "$dir/o_deep" trap "$out" >"$out.log" 2>&1
	rc=$?
	[ -f "$out" ] || fail "${dir##*/}-${out##*/}" "no snapshot: exit $rc: $(tail -n 3 "$out.log")"
}

for mode in $MODES clang-xray; do
	d=$WORK/$mode
	mkdir -p "$d"
	if ! build $mode "$d/o_deep" "$PROGS/o_deep.c"; then
		fail "$mode-stacks-build" "build failed"
		continue
	fi
	trap_run "$d" big CTRAIL_RING_SIZE=64M CTRAIL_STACK_BYTES=0
	trap_run "$d" small CTRAIL_RING_SIZE=4K
	want=$(chain "$d/big.ctr" o_deep $mode)
	expect_eq "$mode-big-ring-chain" 43 "$(echo "$want" | grep -c -e '^main$' -e '^descend$' -e '^leaf$')"
	case $mode in *finstr) traced=1 ;; *) traced=0 ;; esac
	expect_eq "$mode-big-ring-inlined" $traced "$(echo "$want" | grep -c '^step$')"
	expect_eq "$mode-no-stacks-off" "" "$("$CTRAIL" dump "$d/big.ctr" | grep '^stack')"
	expect_eq "$mode-trap-chain" "$want" "$(chain "$d/small.ctr" o_deep $mode)"
	# XRay builds: the symbolizer finds no DWARF scopes for the program's
	# clang unit next to libctrail-xray's gcc one (no file:line either)
	case $mode in clang-xray) outs="libc middle" ;; *) outs="libc middle step" ;; esac
	expect_eq "$mode-trap-outside" "$outs" "$(outside "$d/small.ctr" o_deep | cut -d' ' -f1-$(echo $outs | wc -w))"
	expect_eq "$mode-trap-info" 1 "$("$CTRAIL" info "$d/small.ctr" |
		grep -c 'stack: .* frames unwound, 4[0-9] open before the ring')"
	[ $cores = 1 ] || continue
	core=$(crash "$d" "$d/o_deep" CTRAIL_RING_SIZE=4K crash -)
	if [ -z "$core" ] || ! "$CTRAIL" core "$core" --exe "$d/o_deep" -o "$d/core.ctr" >/dev/null 2>&1; then
		fail "$mode-core" "no core, or ctrail core failed"
		continue
	fi
	expect_eq "$mode-core-chain" "$want" "$(chain "$d/core.ctr" o_deep $mode)"
	expect_eq "$mode-core-outside" "$outs" "$(outside "$d/core.ctr" o_deep | cut -d' ' -f1-$(echo $outs | wc -w))"
	gdb -nx -batch -ex "source $GDB_PY" -ex "ctrail-dump $d/gdb.ctr" "$d/o_deep" "$core" >/dev/null 2>&1
	expect_eq "$mode-gdb-chain" "$want" "$(chain "$d/gdb.ctr" o_deep $mode)"
done

# races, 2 s a mode: two threads snapshotting at once while workers block
# and unblock the stack signal and come and go; no crash, no hang, every
# snapshot written decodes
for mode in $MODES clang-xray; do
	d=$WORK/race-$mode
	mkdir -p "$d"
	if ! build $mode "$d/o_race" "$PROGS/o_race.c" -lpthread; then
		fail "$mode-race-build" "build failed"
		continue
	fi
	if CTRAIL_RING_SIZE=64K timeout 60 "$d/o_race" "$d/r" 2 >"$d/out" 2>&1; then
		pass "$mode-race"
	else
		fail "$mode-race" "exit $?: $(tail -n 3 "$d/out")"
	fi
	n=0 bad=
	for f in "$d"/r-*.ctr; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		"$CTRAIL" convert "$f" -o "$d/x.json" >/dev/null 2>&1 || bad="$bad ${f##*/}"
	done
	if [ $n -gt 0 ] && [ -z "$bad" ]; then pass "$mode-race-decodes ($n)"
	else fail "$mode-race-decodes" "$n snapshots, these do not decode:$bad"; fi
done

# a thread with every signal blocked cannot answer: the snapshot goes on
# without its stack (bounded wait), and the thread taking the snapshot
# keeps its own stack up to its call of the API
d=$WORK/blocked
mkdir -p "$d"
if build gcc-fentry "$d/o_blocked" "$PROGS/o_blocked.c" -lpthread &&
	CTRAIL_RING_SIZE=4K timeout 10 "$d/o_blocked" "$d/b.ctr"; then
	expect_eq blocked-missing "flags=missing" \
		"$("$CTRAIL" dump "$d/b.ctr" | awk '/^thread .*name=blocked/ { getline; while ($1 != "stack") getline; print $3 }')"
	# replay, not JSON: the ring may begin with an orphan tick of zero
	# length in the nanosecond the next tick begins, which JSON nests
	expect_eq blocked-self-stack "main
  outer
    tick
    inner" "$("$CTRAIL" replay --threads o_blocked "$d/b.ctr" |
		sed -n 's/^ *[0-9.]*[a-z]*s  //p' | sed 's/ \[.*//' | uniq |
		sed -n '/^      main$/,$p' | sed 's/^      //')"
else
	fail blocked "build or run failed"
fi

# the switch: ctrail record --stack-bytes 0 writes no STACK chunk, the
# default writes one per live thread
d=$WORK/gcc-fentry
if [ -x "$d/o_deep" ]; then
	"$CTRAIL" record --stack-bytes 0 -o "$d/off.ctr" -- "$d/o_deep" trap "$d/off.ctr" >/dev/null 2>&1
	expect_eq record-stacks-off 0 "$("$CTRAIL" dump "$d/off.ctr" | grep -c '^stack')"
	# the SIGTRAP snapshot (the one at exit has no stack: main is in exit)
	"$CTRAIL" record -o "$d/on-%n.ctr" -- "$d/o_deep" trap "$d/on-0.ctr" >/dev/null 2>&1
	expect_eq record-stacks-on 1 "$("$CTRAIL" dump "$d/on-0.ctr" | grep -c '^stack')"
fi

# Perfetto's own importer sees the frames open before the ring as slices:
# leaf as deep as the JSON tree has it, under the whole recursion
TP=$CTRAIL_ROOT/../shared/tools/trace_processor_shell
[ -x "$TP" ] || TP=$(command -v trace_processor_shell)
d=$WORK/gcc-fentry
if [ -z "$TP" ]; then
	pass "perfetto-open-before-ring (skipped: trace_processor_shell not found)"
elif [ -f "$d/small.ctr" ] && "$CTRAIL" convert "$d/small.ctr" -o "$d/small.pftrace" >/dev/null 2>&1; then
	echo "select depth from slice where name = 'leaf';" > "$d/q.sql"
	want=$($CHECK tree "$d/small.ctr.json" o_deep | awk '$1 == "leaf" && !done { print (length($0) - 4) / 2; done = 1 }')
	got=$(timeout 120 "$TP" -q "$d/q.sql" "$d/small.pftrace" 2>/dev/null | tail -n 1)
	[ -n "$want" ] || want="no leaf in the JSON tree"
	expect_eq perfetto-open-before-ring "$want" "$got"
else
	fail perfetto-open-before-ring "no gcc-fentry snapshot to convert"
fi

#!/bin/sh
# decode_modes.sh - programs built in every instrumentation mode, run,
# converted with `ctrail convert`, and the JSON checked twice: against the
# Trace Event format and nesting rules (json_check.py check), and for the
# exact call tree of each thread (name, depth, order, repairs).  Covers
# nesting, recursion, threads, a shared and a dlopen'ed library,
# exceptions through several frames, longjmp, a wrapped ring and a
# snapshot of the events since a time.
. "$(dirname "$0")/../lib.sh"
CHECK="python3 $CTRAIL_ROOT/tests/e2e/json_check.py"

# tree NAME FILE.ctr THREAD : converts, checks the JSON (one PASS/FAIL
# line), prints the thread's call tree with repairs.
tree() {
	json=$WORK/$1.json
	if ! out=$("$BIN/ctrail" convert "$2" -o "$json" 2>&1); then
		fail "$1-convert" "$out" >&2
		return
	fi
	# check lines go to stderr, out of the tree the caller compares
	if out=$($CHECK check "$json"); then pass "$1-json" >&2; else
		fail "$1-json" "$out" >&2; fi
	$CHECK tree "$json" "$3" --repairs
}

for mode in $MODES; do
	if build $mode "$WORK/calls" "$PROGS/d_calls.c" -lpthread &&
		trace "$WORK/calls.ctr" "$WORK/calls"; then
		expect_eq "$mode-nesting-recursion" "main
  middle
    leaf
    leaf
  fact
    fact
      fact" "$(tree $mode-calls "$WORK/calls.ctr" calls)"
		for t in d-one d-two; do
			expect_eq "$mode-thread-$t" "worker
  middle
    leaf
    leaf" "$($CHECK tree "$WORK/$mode-calls.json" $t)"
		done
	else
		fail "$mode-calls" "build or run failed"
	fi

	if build $mode "$WORK/libd_lib.so" -shared -fPIC "$PROGS/d_lib.c" &&
		build $mode "$WORK/d_plugin.so" -shared -fPIC "$PROGS/d_plugin.c" &&
		build $mode "$WORK/shlib" "$PROGS/d_shlib.c" -L"$WORK" -ld_lib \
			-Wl,-rpath,"$WORK" -ldl &&
		trace "$WORK/shlib.ctr" "$WORK/shlib" "$WORK/d_plugin.so"; then
		expect_eq "$mode-shlib-dlopen" "main
  lib_outer
    lib_inner
  plugin_entry
    plugin_inner" "$(tree $mode-shlib "$WORK/shlib.ctr" shlib)"
	else
		fail "$mode-shlib" "build or run failed"
	fi

	# gcc's -finstrument-functions runs exit hooks while unwinding; in
	# the other modes the catch event closes the frames it unwound.
	case $mode in
	gcc-finstr) unwound= ;;
	*) unwound=" [unwound by exception]" ;;
	esac
	if build $mode "$WORK/exc" "$PROGS/d_exception.cpp" &&
		trace "$WORK/exc.ctr" "$WORK/exc"; then
		expect_eq "$mode-exception" "main
  catcher(int)
    upper(int)$unwound
      middle(int)$unwound
        thrower(int)$unwound
  after(int)" "$(tree $mode-exc "$WORK/exc.ctr" exc)"
	else
		fail "$mode-exception" "build or run failed"
	fi

	if build $mode "$WORK/ljmp" "$PROGS/d_longjmp.c" &&
		trace "$WORK/ljmp.ctr" "$WORK/ljmp"; then
		expect_eq "$mode-longjmp" "main
  setter
    middle [unwound by longjmp]
      jumper [unwound by longjmp]
  after" "$(tree $mode-ljmp "$WORK/ljmp.ctr" ljmp)"
	else
		fail "$mode-longjmp" "build or run failed"
	fi

	if build $mode "$WORK/wrap" "$PROGS/d_wrap.c" &&
		CTRAIL_RING_SIZE=4K trace "$WORK/wrap.ctr" "$WORK/wrap"; then
		# the ring may begin inside a leaf call: its return is then an
		# orphan too, of no duration, and when the next leaf call is
		# stamped with the same tick JSON cannot say which holds which
		t=$(tree $mode-wrap "$WORK/wrap.ctr" wrap |
			grep -v '^ *leaf \[orphan return\]$' | uniq)
		expect_eq "$mode-wrap-shape" "main [orphan return]
  leaf
  last" "$t"
		lost=$("$BIN/ctrail" info "$WORK/wrap.ctr" |
			sed -n 's/.* \([0-9]*\) lost to ring wrap.*/\1/p')
		if [ "${lost:-0}" -gt 0 ]; then pass "$mode-wrap-lost"; else
			fail "$mode-wrap-lost" "info shows no events lost: $lost"; fi
	else
		fail "$mode-wrap" "build or run failed"
	fi

	if build $mode "$WORK/since" "$PROGS/d_since.c" &&
		"$WORK/since" "$WORK/since.ctr"; then
		expect_eq "$mode-since" "phase_two
  leaf
  leaf" "$(tree $mode-since "$WORK/since.ctr" since)"
	else
		fail "$mode-since" "build or run failed"
	fi
done

#!/bin/sh
# xray.sh - XRay mode (ctrail-cc --ctrail-mode=xray, clang -fxray-instrument):
# the cases of runtime_modes.sh and decode_modes.sh that need no
# instrumented shared library (clang 14's XRay patches only the
# executable), checked the same way: exact event sequences with `ctrail
# dump`, and JSON from `ctrail convert` checked and turned into call trees.
# Then what is XRay's own: tail-call exits, constructors, CTRAIL_XRAY_PATCH=0
# and patching from the program, a library traced in another mode, and the
# wrapper's errors.
. "$(dirname "$0")/../lib.sh"
xm=clang-xray

# ---- the cases of runtime_modes.sh and decode_modes.sh ----
if build $xm "$WORK/basic" "$PROGS/r_basic.c" && trace "$WORK/basic.ctr" "$WORK/basic"; then
	expect_eq "$xm-basic" "call main
call middle
call leaf
return leaf
return middle
call fact
call fact
call fact
return fact
return fact
return fact
return main" "$(thread_events "$WORK/basic.ctr" basic)"
else
	fail "$xm-basic" "build or run failed"
fi

if build $xm "$WORK/threads" "$PROGS/r_threads.c" && trace "$WORK/threads.ctr" "$WORK/threads"; then
	for i in 0 1 2 3; do
		# worker-3 leaves through pthread_exit: no return from worker
		expect_eq "$xm-thread-$i" "$(printf '%s\n' "call worker" "call work" \
			"call leaf" "return leaf" "return work"
			[ $i = 3 ] || echo "return worker")" \
			"$(thread_events "$WORK/threads.ctr" worker-$i)"
	done
else
	fail "$xm-threads" "build or run failed"
fi

if build $xm "$WORK/calls" "$PROGS/d_calls.c" -lpthread && trace "$WORK/calls.ctr" "$WORK/calls"; then
	expect_eq "$xm-nesting-recursion" "main
  middle
    leaf
    leaf
  fact
    fact
      fact" "$(call_tree $xm-calls "$WORK/calls.ctr" calls)"
	for t in d-one d-two; do
		expect_eq "$xm-decoded-thread-$t" "worker
  middle
    leaf
    leaf" "$(python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" tree "$WORK/$xm-calls.json" $t)"
	done
else
	fail "$xm-calls" "build or run failed"
fi

# XRay's exit sleds do not run while unwinding: the catch event repairs
if build $xm "$WORK/exc" "$PROGS/d_exception.cpp" && trace "$WORK/exc.ctr" "$WORK/exc"; then
	expect_eq "$xm-exception" "call main
call catcher(int)
call upper(int)
call middle(int)
call thrower(int)
catch catcher(int)
return catcher(int)
call after(int)
return after(int)
return main" "$(thread_events "$WORK/exc.ctr" exc)"
	expect_eq "$xm-decoded-exception" "main
  catcher(int)
    upper(int) [unwound by exception]
      middle(int) [unwound by exception]
        thrower(int) [unwound by exception]
  after(int)" "$(call_tree $xm-exc "$WORK/exc.ctr" exc)"
else
	fail "$xm-exception" "build or run failed"
fi

if build $xm "$WORK/ljmp" "$PROGS/d_longjmp.c" && trace "$WORK/ljmp.ctr" "$WORK/ljmp"; then
	expect_eq "$xm-longjmp" "call main
call setter
call middle
call jumper
longjmp setter
return setter
call after
return after
return main" "$(thread_events "$WORK/ljmp.ctr" ljmp)"
	expect_eq "$xm-decoded-longjmp" "main
  setter
    middle [unwound by longjmp]
      jumper [unwound by longjmp]
  after" "$(call_tree $xm-ljmp "$WORK/ljmp.ctr" ljmp)"
else
	fail "$xm-longjmp" "build or run failed"
fi

if build $xm "$WORK/wrap" "$PROGS/d_wrap.c" &&
	CTRAIL_RING_SIZE=4K trace "$WORK/wrap.ctr" "$WORK/wrap"; then
	# as in decode_modes.sh: a zero-length orphan leaf may lead
	t=$(call_tree $xm-wrap "$WORK/wrap.ctr" wrap |
		grep -v '^ *leaf \[orphan return\]$' | uniq)
	expect_eq "$xm-wrap-shape" "main [orphan return]
  leaf
  last" "$t"
	lost=$("$BIN/ctrail" info "$WORK/wrap.ctr" |
		sed -n 's/.* \([0-9]*\) lost to ring wrap.*/\1/p')
	if [ "${lost:-0}" -gt 0 ]; then pass "$xm-wrap-lost"; else
		fail "$xm-wrap-lost" "info shows no events lost: $lost"; fi
else
	fail "$xm-wrap" "build or run failed"
fi

if build $xm "$WORK/since" "$PROGS/d_since.c" && "$WORK/since" "$WORK/since.ctr"; then
	expect_eq "$xm-since" "phase_two
  leaf
  leaf" "$(call_tree $xm-since "$WORK/since.ctr" since)"
else
	fail "$xm-since" "build or run failed"
fi

# ---- XRay's own ----
# -O2 makes tailer's call a jump: its TAIL sled records its return first
build $xm "$WORK/tail" "$PROGS/x_tail.c" -O2 && trace "$WORK/tail.ctr" "$WORK/tail"
expect_eq "$xm-tail-constructor" "call setup
return setup
call main
call tailer
return tailer
call callee
return callee
return main" "$(thread_events "$WORK/tail.ctr" tail)"

CTRAIL_XRAY_PATCH=0 trace "$WORK/nopatch.ctr" "$WORK/tail"
expect_eq "$xm-no-patch" "0" "$(thread_field "$WORK/nopatch.ctr" tail events)"

# patched by main itself: from main's first sled on, which is past its entry
CTRAIL_XRAY_PATCH=0 trace "$WORK/selfpatch.ctr" "$WORK/tail" patch
expect_eq "$xm-program-patches" "call tailer
return tailer
call callee
return callee
return main" "$(thread_events "$WORK/selfpatch.ctr" tail)"

# --min-insns is -fxray-instruction-threshold: leaf and last are short,
# main has a loop, which XRay instruments whatever its size
if build $xm "$WORK/small" "$PROGS/d_wrap.c" --min-insns 100 && trace "$WORK/small.ctr" "$WORK/small"; then
	expect_eq "$xm-min-insns" "call main
return main" "$(thread_events "$WORK/small.ctr" small)"
else
	fail "$xm-min-insns" "build or run failed"
fi

# libraries: built in another mode, they record into the same rings
if build clang-after "$WORK/libd_lib.so" -shared -fPIC "$PROGS/d_lib.c" &&
	build clang-after "$WORK/d_plugin.so" -shared -fPIC "$PROGS/d_plugin.c" &&
	build $xm "$WORK/shlib" "$PROGS/d_shlib.c" -L"$WORK" -ld_lib -Wl,-rpath,"$WORK" -ldl &&
	trace "$WORK/shlib.ctr" "$WORK/shlib" "$WORK/d_plugin.so"; then
	expect_eq "$xm-libraries-after-inlining" "main
  lib_outer
    lib_inner
  plugin_entry
    plugin_inner" "$(call_tree $xm-shlib "$WORK/shlib.ctr" shlib)"
else
	fail "$xm-libraries-after-inlining" "build or run failed"
fi

# counting (--count) goes through the same handler
if CTRAIL_CC=clang "$BIN/ctrail-cc" --ctrail-mode=xray --count -O1 -o "$WORK/count" \
	"$PROGS/r_basic.c" && CTRAIL_OUTPUT="$WORK/count.ctr" "$WORK/count"; then
	expect_eq "$xm-count" "3,fact
1,leaf
1,main
1,middle" "$("$BIN/ctrail" count --csv "$WORK/count.ctr" | awk -F, 'NR > 1 { print $1 "," $2 }')"
else
	fail "$xm-count" "build or run failed"
fi

# wrapper errors: exit status 2 and one line saying what to do instead
expect_err "$xm-gcc" "mode xray needs clang" \
	env CTRAIL_CC=gcc "$BIN/ctrail-cc" --ctrail-mode=xray -o "$WORK/g" "$PROGS/r_basic.c"
expect_err "$xm-shared" "cannot trace a shared library" \
	build $xm "$WORK/x.so" -shared -fPIC "$PROGS/d_lib.c"
echo leaf > "$WORK/exclude.txt"
expect_err "$xm-exclude-file" "use --min-insns" \
	build $xm "$WORK/x" "$PROGS/r_basic.c" --exclude-file "$WORK/exclude.txt"

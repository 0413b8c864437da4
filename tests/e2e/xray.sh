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
	expect_basic_events $xm "$WORK/basic.ctr"
else
	fail "$xm-basic" "build or run failed"
fi

if build $xm "$WORK/threads" "$PROGS/r_threads.c" && trace "$WORK/threads.ctr" "$WORK/threads"; then
	expect_worker_events $xm "$WORK/threads.ctr"
else
	fail "$xm-threads" "build or run failed"
fi

if build $xm "$WORK/calls" "$PROGS/d_calls.c" -lpthread && trace "$WORK/calls.ctr" "$WORK/calls"; then
	expect_calls_tree $xm "$WORK/calls.ctr" $xm-decoded-thread
else
	fail "$xm-calls" "build or run failed"
fi

# XRay's exit sleds do not run while unwinding: the catch event repairs
if build $xm "$WORK/exc" "$PROGS/d_exception.cpp" && trace "$WORK/exc.ctr" "$WORK/exc"; then
	expect_exception_events $xm "$WORK/exc.ctr"
	expect_exception_tree $xm-decoded-exception $xm "$WORK/exc.ctr"
else
	fail "$xm-exception" "build or run failed"
fi

if build $xm "$WORK/ljmp" "$PROGS/d_longjmp.c" && trace "$WORK/ljmp.ctr" "$WORK/ljmp"; then
	expect_longjmp_events $xm "$WORK/ljmp.ctr"
	expect_longjmp_tree $xm-decoded-longjmp $xm "$WORK/ljmp.ctr"
else
	fail "$xm-longjmp" "build or run failed"
fi

if build $xm "$WORK/wrap" "$PROGS/d_wrap.c" &&
	CTRAIL_RING_SIZE=4K trace "$WORK/wrap.ctr" "$WORK/wrap"; then
	expect_wrap_tree $xm "$WORK/wrap.ctr"
else
	fail "$xm-wrap" "build or run failed"
fi

if build $xm "$WORK/since" "$PROGS/d_since.c" && "$WORK/since" "$WORK/since.ctr"; then
	expect_since_tree $xm "$WORK/since.ctr"
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
	expect_shlib_tree $xm-libraries-after-inlining $xm "$WORK/shlib.ctr"
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

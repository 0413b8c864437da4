#!/bin/sh
# decode_modes.sh - programs built in every instrumentation mode, run,
# converted with `ctrail convert`, and the JSON checked twice: against the
# Trace Event format and nesting rules (json_check.py check), and for the
# exact call tree of each thread (name, depth, order, repairs).  Covers
# nesting, recursion, threads, a shared and a dlopen'ed library,
# exceptions through several frames, longjmp, a wrapped ring and a
# snapshot of the events since a time.
. "$(dirname "$0")/../lib.sh"

for mode in $MODES; do
	if build $mode "$WORK/calls" "$PROGS/d_calls.c" -lpthread &&
		trace "$WORK/calls.ctr" "$WORK/calls"; then
		expect_calls_tree $mode "$WORK/calls.ctr" $mode-thread
	else
		fail "$mode-calls" "build or run failed"
	fi

	if build $mode "$WORK/libd_lib.so" -shared -fPIC "$PROGS/d_lib.c" &&
		build $mode "$WORK/d_plugin.so" -shared -fPIC "$PROGS/d_plugin.c" &&
		build $mode "$WORK/shlib" "$PROGS/d_shlib.c" -L"$WORK" -ld_lib \
			-Wl,-rpath,"$WORK" -ldl &&
		trace "$WORK/shlib.ctr" "$WORK/shlib" "$WORK/d_plugin.so"; then
		expect_shlib_tree $mode-shlib-dlopen $mode "$WORK/shlib.ctr"
		# dlopen("./d_plugin.so"), decoded from a directory whose
		# ./d_plugin.so is another library: the recorded path is absolute
		mkdir -p "$WORK/elsewhere"
		cp "$WORK/libd_lib.so" "$WORK/elsewhere/d_plugin.so"
		(cd "$WORK" && trace "$WORK/rel.ctr" ./shlib ./d_plugin.so) &&
			(cd "$WORK/elsewhere" && expect_shlib_tree $mode-dlopen-relative $mode "$WORK/rel.ctr")
	else
		fail "$mode-shlib" "build or run failed"
	fi

	if build $mode "$WORK/exc" "$PROGS/d_exception.cpp" &&
		trace "$WORK/exc.ctr" "$WORK/exc"; then
		expect_exception_tree $mode-exception $mode "$WORK/exc.ctr"
	else
		fail "$mode-exception" "build or run failed"
	fi

	if build $mode "$WORK/ljmp" "$PROGS/d_longjmp.c" &&
		trace "$WORK/ljmp.ctr" "$WORK/ljmp"; then
		expect_longjmp_tree $mode-longjmp $mode "$WORK/ljmp.ctr"
	else
		fail "$mode-longjmp" "build or run failed"
	fi

	if build $mode "$WORK/wrap" "$PROGS/d_wrap.c" &&
		CTRAIL_RING_SIZE=4K trace "$WORK/wrap.ctr" "$WORK/wrap"; then
		expect_wrap_tree $mode "$WORK/wrap.ctr"
	else
		fail "$mode-wrap" "build or run failed"
	fi

	if build $mode "$WORK/since" "$PROGS/d_since.c" &&
		"$WORK/since" "$WORK/since.ctr"; then
		expect_since_tree $mode "$WORK/since.ctr"
	else
		fail "$mode-since" "build or run failed"
	fi
done

# The runtime records the exact call/return sequence in every mode: a call
# chain, recursion, threads, shared and dlopen'ed libraries, exceptions and
# longjmp.  Reads the raw events back with `ctrail dump`.
. "$(dirname "$0")/../lib.sh"

for mode in $MODES; do
	build $mode "$WORK/basic" "$PROGS/r_basic.c" &&
		trace "$WORK/basic.ctr" "$WORK/basic" ||
		{ fail "$mode-basic" "build or run failed"; continue; }
	expect_basic_events $mode "$WORK/basic.ctr"

	build $mode "$WORK/threads" "$PROGS/r_threads.c" && trace "$WORK/threads.ctr" "$WORK/threads"
	expect_worker_events $mode "$WORK/threads.ctr"
	expect_eq "$mode-threads-exited" "exited" "$(thread_field "$WORK/threads.ctr" worker-2 flags)"

	build $mode "$WORK/libr_lib.so" -shared -fPIC "$PROGS/r_shlib_lib.c" &&
		build $mode "$WORK/plugin.so" -shared -fPIC "$PROGS/r_shlib_plugin.c" &&
		build $mode "$WORK/shlib" "$PROGS/r_shlib.c" -L"$WORK" -lr_lib -Wl,-rpath,"$WORK" &&
		trace "$WORK/shlib.ctr" "$WORK/shlib" "$WORK/plugin.so"
	expect_eq "$mode-shlib" "call main
call lib_outer
call lib_inner
return lib_inner
return lib_outer
call plugin_entry
call plugin_inner
return plugin_inner
return plugin_entry
return main" "$(thread_events "$WORK/shlib.ctr" shlib)"
	expect_eq "$mode-dlopen-module" "flags=dlopen,unloaded" \
		"$("$BIN/ctrail" dump "$WORK/shlib.ctr" | awk '/^module .*plugin.so/ { print $NF }')"

	build $mode "$WORK/exc" "$PROGS/d_exception.cpp" && trace "$WORK/exc.ctr" "$WORK/exc"
	expect_exception_events $mode "$WORK/exc.ctr"

	build $mode "$WORK/ljmp" "$PROGS/d_longjmp.c" && trace "$WORK/ljmp.ctr" "$WORK/ljmp"
	expect_longjmp_events $mode "$WORK/ljmp.ctr"
done

# The runtime records the exact call/return sequence in every mode: a call
# chain, recursion, threads, shared and dlopen'ed libraries, exceptions and
# longjmp.  Reads the raw events back with `ctrail dump`.
. "$(dirname "$0")/../lib.sh"

for mode in $MODES; do
	build $mode "$WORK/basic" "$PROGS/r_basic.c" &&
		trace "$WORK/basic.ctr" "$WORK/basic" ||
		{ fail "$mode-basic" "build or run failed"; continue; }
	expect_eq "$mode-basic" "call main
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

	build $mode "$WORK/threads" "$PROGS/r_threads.c" && trace "$WORK/threads.ctr" "$WORK/threads"
	for i in 0 1 2 3; do
		# worker-3 leaves through pthread_exit: no return from worker
		expect_eq "$mode-thread-$i" "$(printf '%s\n' "call worker" "call work" \
			"call leaf" "return leaf" "return work"
			[ $i = 3 ] || echo "return worker")" \
			"$(thread_events "$WORK/threads.ctr" worker-$i)"
	done
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
	# gcc's -finstrument-functions runs exit hooks while unwinding; the
	# other modes do not, and the catch event is what repairs them
	case $mode in
	gcc-finstr) unwound="return thrower(int)
return middle(int)
return upper(int)
" ;;
	*) unwound= ;;
	esac
	expect_eq "$mode-exception" "call main
call catcher(int)
call upper(int)
call middle(int)
call thrower(int)
${unwound}catch catcher(int)
return catcher(int)
call after(int)
return after(int)
return main" "$(thread_events "$WORK/exc.ctr" exc)"

	build $mode "$WORK/ljmp" "$PROGS/d_longjmp.c" && trace "$WORK/ljmp.ctr" "$WORK/ljmp"
	expect_eq "$mode-longjmp" "call main
call setter
call middle
call jumper
longjmp setter
return setter
call after
return after
return main" "$(thread_events "$WORK/ljmp.ctr" ljmp)"
done

#!/bin/sh
# perfetto_import.sh - Perfetto's own importer (trace_processor_shell) as
# the judge of `ctrail convert`'s JSON, FXT and protobuf outputs.  Every
# e2e program the other scripts build (d_calls, d_exception, d_longjmp,
# d_wrap with a wrapping ring, d_since, d_shlib, r_events, r_flows,
# f_sleep), in every mode, and the demo as `make demo` builds it, are
# recorded without and (where tracefs is writable) with scheduling events,
# converted to the three formats, relative and --wall-clock, and each
# snapshot is judged by perfetto_judge.py: no import errors, the same
# slices, flows, counters, instants, log lines, threads, sched slices and
# thread states in all three, our threads in our process.
# trace_processor_shell is $CTRAIL_ROOT/../shared/tools/trace_processor_shell
# or one on PATH; without it the script says it skipped and passes.
. "$(dirname "$0")/../lib.sh"
E2E=$CTRAIL_ROOT/tests/e2e

TP=$CTRAIL_ROOT/../shared/tools/trace_processor_shell
[ -x "$TP" ] || TP=$(command -v trace_processor_shell)
if [ -z "$TP" ]; then
	pass "perfetto-import (skipped: trace_processor_shell not found)"
	exit 0
fi

# Is tracefs usable?  One scheduling run says.
SCHED=
build gcc-fentry "$WORK/api" "$PROGS/f_api.c" &&
	[ "$(trace "$WORK/api.ctr" "$WORK/api" 2>&1)" = "ctrail_sched_start: 0" ] && SCHED=1
[ -n "$SCHED" ] || echo "SKIP perfetto-import-sched: no usable tracefs"

# judge NAME FILE.ctr : converts every snapshot of FILE to the three
# formats, relative and wall-clock, and judges each.
judge() {
	"$BIN/ctrail" dump "$2" >"$WORK/$1.dump" || { fail "$1-dump" "dump failed"; return; }
	for f in json fxt pftrace; do
		"$BIN/ctrail" convert "$2" -o "$WORK/$1.$f" >/dev/null &&
			"$BIN/ctrail" convert --wall-clock "$2" -o "$WORK/$1.wall.$f" >/dev/null ||
			{ fail "$1-convert-$f" "convert failed"; return; }
	done
	if [ -e "$WORK/$1.json" ]; then
		python3 "$E2E/perfetto_judge.py" "$TP" "$1" "$WORK/$1" "$WORK/$1.dump" --wall
		return
	fi
	n=0 # several snapshots: NAME.0.json, NAME.1.json, ...
	while [ -e "$WORK/$1.$n.json" ]; do
		for f in json fxt pftrace; do
			mv "$WORK/$1.wall.$n.$f" "$WORK/$1.$n.wall.$f"
		done
		python3 "$E2E/perfetto_judge.py" "$TP" "$1.$n" "$WORK/$1.$n" "$WORK/$1.dump" \
			--wall --snapshot $n
		n=$((n + 1))
	done
}

# record NAME PROG ARGS... : traces PROG (writing at exit) and judges it,
# then again with scheduling events.
record() {
	name=$1; shift
	rm -f "$WORK/$name.ctr" "$WORK/$name-sched.ctr"
	if CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT=$WORK/$name.ctr "$@" >/dev/null; then
		judge "$name" "$WORK/$name.ctr"
	else
		fail "$name-run" "exit status $?"
	fi
	[ -n "$SCHED" ] || return 0
	if CTRAIL_FTRACE=1 CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT=$WORK/$name-sched.ctr \
		"$@" >/dev/null; then
		judge "$name-sched" "$WORK/$name-sched.ctr"
	else
		fail "$name-sched-run" "exit status $?"
	fi
}

for mode in $MODES; do
	b=$WORK/$mode
	build $mode "$b-calls" "$PROGS/d_calls.c" -lpthread &&
		record $mode-calls "$b-calls" || fail "$mode-calls" "build failed"
	build $mode "$b-exc" "$PROGS/d_exception.cpp" &&
		record $mode-exc "$b-exc" || fail "$mode-exc" "build failed"
	build $mode "$b-ljmp" "$PROGS/d_longjmp.c" &&
		record $mode-ljmp "$b-ljmp" || fail "$mode-ljmp" "build failed"
	build $mode "$b-wrap" "$PROGS/d_wrap.c" &&
		CTRAIL_RING_SIZE=4K record $mode-wrap "$b-wrap" || fail "$mode-wrap" "build failed"
	build $mode "$b-events" "$PROGS/r_events.c" -lpthread &&
		record $mode-events "$b-events" || fail "$mode-events" "build failed"
	build $mode "$b-sleep" "$PROGS/f_sleep.c" -pthread &&
		record $mode-sleep "$b-sleep" || fail "$mode-sleep" "build failed"
	# these write their own snapshots
	build $mode "$b-since" "$PROGS/d_since.c" && "$b-since" "$b-since.ctr" &&
		judge $mode-since "$b-since.ctr" || fail "$mode-since" "build or run failed"
	build $mode "$b-flows" "$PROGS/r_flows.c" && CTRAIL_OUTPUT=$b-flows.ctr "$b-flows" &&
		judge $mode-flows "$b-flows.ctr" || fail "$mode-flows" "build or run failed"
	mkdir -p "$b-lib"
	build $mode "$b-lib/libd_lib.so" -shared -fPIC "$PROGS/d_lib.c" &&
		build $mode "$b-lib/d_plugin.so" -shared -fPIC "$PROGS/d_plugin.c" &&
		build $mode "$b-shlib" "$PROGS/d_shlib.c" -L"$b-lib" -ld_lib -Wl,-rpath,"$b-lib" -ldl &&
		record $mode-shlib "$b-shlib" "$b-lib/d_plugin.so" || fail "$mode-shlib" "build failed"
done

# the demo, as `make demo` builds it
"$BIN/ctrail-c++" -O2 -std=c++17 "$CTRAIL_ROOT/examples/demo.cpp" -o "$WORK/demo" &&
	record demo "$WORK/demo" || fail demo "build failed"

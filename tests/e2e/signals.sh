#!/bin/sh
# signals.sh - signal handlers, ucontext coroutines, the fiber API and
# C++20 coroutines, built in every instrumentation mode, run, and decoded
# to exact call trees (names, depth, order; no repairs but longjmp's) on
# the stack each call ran on: a 10 kHz SIGALRM during deep recursion,
# nested handlers, siglongjmp out of a handler, two and ten ucontext
# coroutines ping-ponging, a hand-made fiber scheduler, a generator and
# awaiting tasks.  The signal wrapper's semantics (old actions, SA_RESTART
# and EINTR, SA_RESETHAND, siginfo) are checked by g_semantics.c, its table
# under concurrent changes and deliveries by g_flip.c.  Every
# trace also goes through Perfetto's importer (trace_processor_shell, when
# at hand) in the three formats, with no error stats.
. "$(dirname "$0")/../lib.sh"

TP=$CTRAIL_ROOT/../shared/tools/trace_processor_shell
[ -x "$TP" ] || TP=$(command -v trace_processor_shell || true)
[ -n "$TP" ] || pass "signals-perfetto (skipped: trace_processor_shell not found)"

# tree NAME FILE.ctr THREAD [json_check.py tree options]: the call tree of
# every thread or context named THREAD, with repairs.
tree() {
	n=$1 f=$2 t=$3; shift 3
	[ -f "$WORK/$n.json" ] || call_tree "$n" "$f" "$t" >/dev/null
	python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" tree "$WORK/$n.json" "$t" --repairs "$@"
}

# perfetto NAME FILE.ctr: the trace in each format imports with no error
# or data-loss stats, and with as many slices as the JSON has X events.
perfetto() {
	[ -n "$TP" ] || return 0
	want=$(grep -c '"ph":"X"' "$WORK/$1.json")
	echo "select (select count(*) from slice) || ' slices, ' || (select count(*) from stats where value > 0 and severity in ('error', 'data_loss')) || ' error stats' as r;" >"$WORK/q.sql"
	for fmt in perfetto fxt json; do
		if ! out=$("$BIN/ctrail" convert "$2" --format $fmt -o "$WORK/$1.$fmt" 2>&1); then
			fail "$1-perfetto-$fmt" "$out"
			continue
		fi
		got=$("$TP" -q "$WORK/q.sql" "$WORK/$1.$fmt" 2>/dev/null | sed 1d | tr -d '"')
		expect_eq "$1-perfetto-$fmt" "$want slices, 0 error stats" "$got"
	done
}

# leave_out NAME: the tree on stdin without the subtrees of slices NAME.
leave_out() {
	awk -v n="$1" '{ match($0, /^ */); d = RLENGTH; s = substr($0, d + 1) }
		skip >= 0 && d > skip { next }
		{ skip = -1 }
		s == n { skip = d; next }
		{ print }' skip=-1
}

# subtrees NAME: each subtree of slices NAME on stdin, shifted to depth 0.
subtrees() {
	awk -v n="$1" '{ match($0, /^ */); d = RLENGTH; s = substr($0, d + 1) }
		in_ && d > base { print substr($0, base + 1); next }
		{ in_ = 0 }
		s == n { in_ = 1; base = d; print s }'
}

# expect_prog NAME PROG TREE: tests/progs/PROG.c built in $mode and run;
# the call tree of its main thread is TREE; then Perfetto's import.
expect_prog() {
	if build $mode "$WORK/$2" "$PROGS/$2.c" && trace "$WORK/$2.ctr" "$WORK/$2"; then
		expect_eq "$mode-$1" "$3" "$(tree $mode-$1 "$WORK/$2.ctr" $2)"
		perfetto $mode-$1 "$WORK/$2.ctr"
	else
		fail "$mode-$1" "build or run failed"
	fi
}

expect_alarm() {
	tr=$(tree $1-alarm "$2" g_alarm)
	rec=$(awk 'BEGIN { for (r = 0; r < 2000; r++) for (d = 0; d <= 21; d++) {
		s = ""; for (i = 0; i <= d; i++) s = s "  "; print s (d < 21 ? "rec" : "spin") } }')
	expect_eq "$1-alarm-interrupted" "main
$rec" "$(printf '%s\n' "$tr" | leave_out "signal SIGALRM")"
	# every handler run, and only those, with the handler's calls in it
	want=$(seq 1 "$3" | sed 's/.*/signal SIGALRM\n  on_alarm\n    alarm_leaf/' | sort | uniq -c)
	expect_eq "$1-alarm-handlers" "$want" \
		"$(printf '%s\n' "$tr" | subtrees "signal SIGALRM" | sort | uniq -c)"
	if [ "$3" -gt 20 ]; then pass "$1-alarm-rate"; else
		fail "$1-alarm-rate" "only $3 ticks"; fi
	deepest=$(printf '%s\n' "$tr" | awk '{ match($0, /^ */); if (RLENGTH > m) m = RLENGTH } END { print m / 2 }')
	expect_eq "$1-alarm-depth" 25 "$deepest"
}

# expect_coro MODE FILE.ctr: g_coro.cpp's tree, the standard library's
# inline functions left out.  Each compiler lowers a coroutine its own way:
# gcc into a ramp (the declared name), an actor that runs the body from one
# suspension to the next and a destroyer; clang before inlining traces the
# ramp only (the body's calls appear under whoever resumes it); clang after
# inlining traces the .resume and .cleanup funclets.  Every resumption is a
# call of the body made by the resumer, ending at the next suspension.
expect_coro() {
	case $1 in
	clang-finstr) want="main
  consume()
    count(int)
      generator::promise_type::promise_type()
    twice(int)
    use(int)
    twice(int)
    use(int)
    twice(int)
    use(int)
  run_task()
    compute()
      task::promise_type::promise_type()
    leaf(int)
      task::promise_type::promise_type()
    twice(int)
    waits(int)
      task::promise_type::promise_type()
    use(int)
    use(int)" ;;
	clang-after) want="main
  consume()
    twice(int)
    use(int)
    twice(int)
    use(int)
    twice(int)
    use(int)
  run_task()
    compute() [clone .resume]
    leaf(int) [clone .resume]
      twice(int)
    compute() [clone .resume]
      leaf(int) [clone .cleanup]
    waits(int) [clone .resume]
    waits(int) [clone .resume]
    compute() [clone .resume]
      waits(int) [clone .cleanup]
      use(int)
    use(int)
    compute() [clone .cleanup]" ;;
	gcc-*) want="main
  consume()
    count(int)
      count(count(int)::_Z5counti.Frame*) [clone .actor]
    count(count(int)::_Z5counti.Frame*) [clone .actor]
      twice(int)
    use(int)
    count(count(int)::_Z5counti.Frame*) [clone .actor]
      twice(int)
    use(int)
    count(count(int)::_Z5counti.Frame*) [clone .actor]
      twice(int)
    use(int)
    count(count(int)::_Z5counti.Frame*) [clone .actor]
    count(count(int)::_Z5counti.Frame*) [clone .destroy]
      count(count(int)::_Z5counti.Frame*) [clone .actor]
  run_task()
    compute()
      compute(compute()::_Z7computev.Frame*) [clone .actor]
    compute(compute()::_Z7computev.Frame*) [clone .actor]
      leaf(int)
        leaf(leaf(int)::_Z4leafi.Frame*) [clone .actor]
      leaf(leaf(int)::_Z4leafi.Frame*) [clone .actor]
        twice(int)
        compute(compute()::_Z7computev.Frame*) [clone .actor]
          leaf(leaf(int)::_Z4leafi.Frame*) [clone .destroy]
            leaf(leaf(int)::_Z4leafi.Frame*) [clone .actor]
          waits(int)
            waits(waits(int)::_Z5waitsi.Frame*) [clone .actor]
          waits(waits(int)::_Z5waitsi.Frame*) [clone .actor]
    waits(waits(int)::_Z5waitsi.Frame*) [clone .actor]
      compute(compute()::_Z7computev.Frame*) [clone .actor]
        waits(waits(int)::_Z5waitsi.Frame*) [clone .destroy]
          waits(waits(int)::_Z5waitsi.Frame*) [clone .actor]
        use(int)
    use(int)
    compute(compute()::_Z7computev.Frame*) [clone .destroy]
      compute(compute()::_Z7computev.Frame*) [clone .actor]" ;;
	esac
	# gcc instruments the promise's constructor before inlining only
	[ $1 = gcc-finstr ] && want=$(printf '%s\n' "$want" |
		sed '/^    compute()$/a\      task::promise_type::promise_type()')
	expect_eq "$1-coroutines" "$want" "$(tree $1-coro "$2" g_coro --hide=std::)"
}

for mode in $MODES; do
	# 10 kHz ticks: 2000 recursions of 20 us each get several hundred
	if build $mode "$WORK/g_alarm" "$PROGS/g_alarm.c" &&
		ticks=$(CTRAIL_RING_SIZE=16M trace "$WORK/alarm.ctr" "$WORK/g_alarm"); then
		expect_alarm $mode "$WORK/alarm.ctr" "$ticks"
		perfetto $mode-alarm "$WORK/alarm.ctr"
	else
		fail "$mode-alarm" "build or run failed"
	fi

	expect_prog nested g_nested "main
  early
    signal SIGHUP
      on_hup
  fire
    signal SIGUSR1
      on_usr1
        inner1
        signal SIGUSR2
          on_usr2
            leaf2
        after1
  again
    signal SIGURG
      on_again
        signal SIGURG
          on_again
            again_leaf
        again_leaf"

	expect_prog siglongjmp g_sigjmp "main
  setter
    middle [unwound by longjmp]
      signal SIGUSR1 [unwound by longjmp]
        on_usr1 [unwound by longjmp]
          jumper [unwound by longjmp]
  after
    signal SIGUSR2
      on_usr2
        leaf"

	if build $mode "$WORK/g_ucontext" "$PROGS/g_ucontext.c"; then
		for n in 2 10; do
			if trace "$WORK/uc$n.ctr" "$WORK/g_ucontext" $n; then
				# main runs each context 3 times, then once more to end it
				expect_eq "$mode-ucontext-$n-main" "main
$(seq 1 $((4 * n)) | sed 's/.*/  running coro/')" \
					"$(tree $mode-uc$n "$WORK/uc$n.ctr" g_ucontext)"
				expect_eq "$mode-ucontext-$n-contexts" "$(seq 1 $n | sed 's/.*/coro\n  step\n  step\n  step/')" \
					"$(tree $mode-uc$n "$WORK/uc$n.ctr" coro --all)"
				perfetto $mode-uc$n "$WORK/uc$n.ctr"
			else
				fail "$mode-ucontext-$n" "run failed"
			fi
		done
	else
		fail "$mode-ucontext" "build failed"
	fi

	if build $mode "$WORK/g_fibers" "$PROGS/g_fibers.c" &&
		trace "$WORK/fibers.ctr" "$WORK/g_fibers"; then
		expect_eq "$mode-fibers-scheduler" "main
  schedule
$(for r in 1 2 3 4; do printf '    running fiber-%s\n' a b c; done)" \
			"$(tree $mode-fibers "$WORK/fibers.ctr" g_fibers)"
		for f in a b c; do
			expect_eq "$mode-fiber-$f" "worker
  task_step
  yield
  task_step
  yield
  task_step
  yield" "$(tree $mode-fibers "$WORK/fibers.ctr" fiber-$f)"
		done
		perfetto $mode-fibers "$WORK/fibers.ctr"
	else
		fail "$mode-fibers" "build or run failed"
	fi

	# handlers replaced by two threads while a third signals them (bounded
	# stress of the wrapper's table; signals.c says why it is safe)
	if build $mode "$WORK/g_flip" "$PROGS/g_flip.c" -lpthread; then
		expect_eq "$mode-handler-races" ok "$(CTRAIL_RING_SIZE=64K "$WORK/g_flip" 700 2>&1)"
	else
		fail "$mode-handler-races" "build failed"
	fi

	rm -f "$WORK"/sem-*.ctr
	if build $mode "$WORK/g_semantics" "$PROGS/g_semantics.c" &&
		out=$(trace "$WORK/sem-%n.ctr" "$WORK/g_semantics" 2>&1); then
		expect_eq "$mode-semantics" "ok" "$out"
		# SIGUSR1 (10) and SIGALRM (14) were wrapped, the runtime's
		# SIGTRAP (5) was not; one snapshot on SIGTRAP, one at exit
		expect_eq "$mode-runtime-signals" "2 files: 10 14" "$(ls "$WORK"/sem-*.ctr | wc -l) files:$(
			for f in "$WORK"/sem-*.ctr; do "$BIN/ctrail" dump "$f"; done |
			awk '$2 == "signal" { print $3 }' | sort -nu | tr '\n' ' ' | sed 's/^/ /; s/ $//')"
	else
		fail "$mode-semantics" "build or run failed: $out"
	fi

	if build $mode "$WORK/g_coro" "$PROGS/g_coro.cpp" -std=c++20 &&
		trace "$WORK/coro.ctr" "$WORK/g_coro"; then
		expect_coro $mode "$WORK/coro.ctr"
		perfetto $mode-coro "$WORK/coro.ctr"
	else
		fail "$mode-coroutines" "build or run failed"
	fi
done

# Helpers for the end-to-end scripts in tests/e2e/: source this file.
# Each check prints "PASS name" or "FAIL name: why"; tests/run.sh counts them.
: "${CTRAIL_ROOT:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${CTRAIL_BUILD:=$CTRAIL_ROOT/build}"
BIN=$CTRAIL_BUILD/bin
PROGS=$CTRAIL_ROOT/tests/progs
WORK=$(mktemp -d /tmp/ctrail-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else
		fail "$1" "expected:"
		printf '%s\n' "$2" | sed 's/^/    /'
		echo "  got:"
		printf '%s\n' "$3" | sed 's/^/    /'
	fi
}

# expect_ok NAME CMD... : the command must exit 0
expect_ok() {
	n=$1; shift
	if out=$("$@" 2>&1); then pass "$n"; else fail "$n" "'$*' failed: $out"; fi
}

# expect_fail NAME CMD... : the command must exit non-zero
expect_fail() {
	n=$1; shift
	if out=$("$@" 2>&1); then fail "$n" "'$*' succeeded: $out"; else pass "$n"; fi
}

# expect_status NAME STATUS PATTERN CMD... : the command must exit with
# STATUS and print PATTERN
expect_status() {
	n=$1 st=$2 pat=$3
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	case "$rc:$out" in
	"$st":*$pat*) pass "$n" ;;
	*) fail "$n" "wanted exit $st and '$pat', got $rc: $out" ;;
	esac
}

# expect_err NAME PATTERN CMD... : the command must exit 2 (the wrappers'
# usage errors) and print PATTERN
expect_err() {
	n=$1 pat=$2
	shift 2
	expect_status "$n" 2 "$pat" "$@"
}

# The instrumentation modes end-to-end tests run in: name, compilers, mode.
MODES="gcc-finstr clang-finstr clang-after gcc-fentry"

# build MODE OUT SOURCES-AND-FLAGS... : compiles and links with the wrappers
# (C++ when the first source ends in .cpp).
build() {
	mode=$1 out=$2; shift 2
	case $mode in
	gcc-finstr) cc=gcc cxx=g++ m=finstr ;;
	clang-finstr) cc=clang cxx=clang++ m=finstr ;;
	clang-after) cc=clang cxx=clang++ m=after-inlining ;;
	gcc-fentry) cc=gcc cxx=g++ m=fentry ;;
	clang-xray) cc=clang cxx=clang++ m=xray ;; # executables only: tests/e2e/xray.sh
	esac
	case $1 in
	*.cpp) CTRAIL_CXX=$cxx "$BIN/ctrail-c++" --ctrail-mode=$m -O1 -o "$out" "$@" ;;
	*) CTRAIL_CC=$cc "$BIN/ctrail-cc" --ctrail-mode=$m -O1 -o "$out" "$@" ;;
	esac
}

# trace OUT.ctr PROG ARGS... : runs a traced program that writes at exit.
trace() {
	out=$1; shift
	CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT=$out "$@"
}

# thread_events FILE.ctr NAME : "kind function" lines of the first thread
# called NAME, as `ctrail dump` prints them.
thread_events() {
	"$BIN/ctrail" dump "$1" | awk -v n="name=$2" '
		/^thread / { on = !done && $3 == n; if (on) done = 1; next }
		/^[^ ]/ { on = 0 }
		on { print $2, $4 }'
}

# slice_lines FILE.json : "function file:line" of every slice in a JSON
# trace, sorted (the args the decoder gives each slice).
slice_lines() {
	python3 -c '
import json, os, sys
seen = {}
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e["ph"] == "X":
        a = e.get("args", {})
        seen[e["name"]] = "%s:%s" % (os.path.basename(a.get("file", "?")), a.get("line", "?"))
print("\n".join("%s %s" % kv for kv in sorted(seen.items())))' "$1"
}

# thread_field FILE.ctr NAME FIELD : a field of that thread's header line.
thread_field() {
	"$BIN/ctrail" dump "$1" | awk -v n="name=$2" -v f="$3=" '
		/^thread / && $3 == n { for (i = 1; i <= NF; i++)
			if (index($i, f) == 1) { print substr($i, length(f) + 1); exit } }'
}

# call_tree NAME FILE.ctr THREAD : converts to JSON ($WORK/NAME.json),
# checks it against the Trace Event rules (a PASS/FAIL line on stderr, out
# of the tree the caller compares) and prints the thread's call tree with
# repairs (json_check.py tree).
call_tree() {
	if ! out=$("$BIN/ctrail" convert "$2" -o "$WORK/$1.json" 2>&1); then
		fail "$1-convert" "$out" >&2
		return
	fi
	if out=$(python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" check "$WORK/$1.json"); then
		pass "$1-json" >&2
	else
		fail "$1-json" "$out" >&2
	fi
	python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" tree "$WORK/$1.json" "$3" --repairs
}

# ---- The test programs' expected traces, shared by runtime_modes.sh
# (events), decode_modes.sh (call trees) and xray.sh (both).  Each checks
# one trace already made; MODE names the checks and says how the mode
# records an exception.

# expect_basic_events MODE FILE.ctr : r_basic.c's call chain and recursion.
expect_basic_events() {
	expect_eq "$1-basic" "call main
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
return main" "$(thread_events "$2" basic)"
}

# expect_worker_events MODE FILE.ctr : r_threads.c's four workers.
expect_worker_events() {
	for w in 0 1 2 3; do
		# worker-3 leaves through pthread_exit: no return from worker
		expect_eq "$1-thread-$w" "$(printf '%s\n' "call worker" "call work" \
			"call leaf" "return leaf" "return work"
			[ $w = 3 ] || echo "return worker")" \
			"$(thread_events "$2" worker-$w)"
	done
}

# expect_exception_events MODE FILE.ctr : d_exception.cpp's events.
expect_exception_events() {
	# gcc's -finstrument-functions runs exit hooks while unwinding; the
	# other modes do not, and the catch event is what repairs them
	case $1 in
	gcc-finstr) unwound="return thrower(int)
return middle(int)
return upper(int)
" ;;
	*) unwound= ;;
	esac
	expect_eq "$1-exception" "call main
call catcher(int)
call upper(int)
call middle(int)
call thrower(int)
${unwound}catch catcher(int)
return catcher(int)
call after(int)
return after(int)
return main" "$(thread_events "$2" exc)"
}

# expect_longjmp_events MODE FILE.ctr : d_longjmp.c's events.
expect_longjmp_events() {
	expect_eq "$1-longjmp" "call main
call setter
call middle
call jumper
longjmp setter
return setter
call after
return after
return main" "$(thread_events "$2" ljmp)"
}

# expect_calls_tree MODE FILE.ctr WORKER_NAME : d_calls.c's call trees, the
# main thread's (check MODE-nesting-recursion) and each worker's (checks
# WORKER_NAME-d-one, WORKER_NAME-d-two).
expect_calls_tree() {
	expect_eq "$1-nesting-recursion" "main
  middle
    leaf
    leaf
  fact
    fact
      fact" "$(call_tree $1-calls "$2" calls)"
	for w in d-one d-two; do
		expect_eq "$3-$w" "worker
  middle
    leaf
    leaf" "$(python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" tree "$WORK/$1-calls.json" $w)"
	done
}

# expect_shlib_tree NAME MODE FILE.ctr : d_shlib.c's calls into its library
# and its dlopen'ed plugin.
expect_shlib_tree() {
	expect_eq "$1" "main
  lib_outer
    lib_inner
  plugin_entry
    plugin_inner" "$(call_tree $2-shlib "$3" shlib)"
}

# expect_exception_tree NAME MODE FILE.ctr : d_exception.cpp's call tree.
expect_exception_tree() {
	# gcc's -finstrument-functions runs exit hooks while unwinding; in
	# the other modes the catch event closes the frames it unwound.
	case $2 in
	gcc-finstr) unwound= ;;
	*) unwound=" [unwound by exception]" ;;
	esac
	expect_eq "$1" "main
  catcher(int)
    upper(int)$unwound
      middle(int)$unwound
        thrower(int)$unwound
  after(int)" "$(call_tree $2-exc "$3" exc)"
}

# expect_longjmp_tree NAME MODE FILE.ctr : d_longjmp.c's call tree.
expect_longjmp_tree() {
	expect_eq "$1" "main
  setter
    middle [unwound by longjmp]
      jumper [unwound by longjmp]
  after" "$(call_tree $2-ljmp "$3" ljmp)"
}

# expect_wrap_tree MODE FILE.ctr : d_wrap.c's call tree from a ring that
# wrapped (check MODE-wrap-shape), and events lost to it (MODE-wrap-lost).
expect_wrap_tree() {
	# the ring may begin inside a leaf call: its return is then an
	# orphan too, of no duration, and when the next leaf call is
	# stamped with the same tick JSON cannot say which holds which
	expect_eq "$1-wrap-shape" "main [orphan return]
  leaf
  last" "$(call_tree $1-wrap "$2" wrap |
		grep -v '^ *leaf \[orphan return\]$' | uniq)"
	lost=$("$BIN/ctrail" info "$2" |
		sed -n 's/.* \([0-9]*\) lost to ring wrap.*/\1/p')
	if [ "${lost:-0}" -gt 0 ]; then pass "$1-wrap-lost"; else
		fail "$1-wrap-lost" "info shows no events lost: $lost"; fi
}

# expect_since_tree MODE FILE.ctr : d_since.c's snapshot of the events
# since its second phase, under main and its callers from the unwound
# stack (open before the window).
expect_since_tree() {
	o="[open before ring; no return in snapshot]"
	expect_eq "$1-since" "_start $o
  __libc_start_main $o
    __libc_start_call_main $o
      main $o
        phase_two
          leaf
          leaf" "$(call_tree $1-since "$2" since)"
}

# ---- Core dumps (core.sh, stacks.sh).  Cores land in the current
# directory when core_pattern is a plain file name.  When it pipes to a
# handler (or names another directory) and we are root, the pattern is set
# to "core" for each crash and restored at once, under a lock so concurrent
# runs do not restore each other's setting.
CORE_PATTERN=/proc/sys/kernel/core_pattern

# core_setup SCRIPT : 0 when cores can be made, else prints why SCRIPT skips.
core_setup() {
	if ! (ulimit -c unlimited) 2>/dev/null; then
		echo "SKIP $1: cannot raise the core size limit (ulimit -c unlimited)"
		return 1
	fi
	case $(cat $CORE_PATTERN) in
	'|'* | */*)
		if ! [ -w $CORE_PATTERN ]; then
			echo "SKIP $1: core_pattern '$(cat $CORE_PATTERN)' sends cores elsewhere and cannot be changed (not root)"
			return 1
		fi
		own_pattern=1 ;;
	*) own_pattern=0 ;;
	esac
}

# crash DIR PROG [ENV=VALUE...] [ARG...] : runs PROG ARG... in DIR with
# cores enabled and ENV set; prints the core's path.
crash() {
	(
		cd "$1" || exit 1
		if [ $own_pattern = 1 ]; then
			exec 9>/tmp/ctrail-core-pattern.lock
			flock 9
			saved=$(cat $CORE_PATTERN)
			echo core >$CORE_PATTERN
		fi
		prog=$2
		shift 2
		(
			ulimit -c unlimited || exit 1
			for a; do
				case $a in *=*) export "$a"; shift ;; *) break ;; esac
			done
			exec "$prog" "$@"
		) >/dev/null 2>&1
		[ $own_pattern = 1 ] && printf '%s\n' "$saved" >$CORE_PATTERN
	) 2>/dev/null # the shell's "Aborted (core dumped)"
	ls "$1"/core* 2>/dev/null | head -n 1
}

# chromium_dom URL OUT : headless Chromium's DOM of URL (a local file://
# page, run until its timers and work settle) into OUT, its console on
# OUT.console.  Returns 1 when chromium is not installed.
chromium_dom() {
	command -v chromium >/dev/null || return 1
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run \
		--user-data-dir="$(mktemp -d "$WORK/chr.XXXXXX")" --enable-logging=stderr --v=0 \
		--virtual-time-budget=10000 --dump-dom "$1" >"$2" 2>"$2.console"
}

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

# expect_err NAME PATTERN CMD... : the command must exit 2 (the wrappers'
# usage errors) and print PATTERN
expect_err() {
	n=$1 pat=$2
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	case "$rc:$out" in
	2:*$pat*) pass "$n" ;;
	*) fail "$n" "wanted exit 2 and '$pat', got $rc: $out" ;;
	esac
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

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

#!/bin/sh
# Runs every unit test program and end-to-end script, and counts the
# "PASS name" / "FAIL name: why" lines they print.  A test that exits
# non-zero without printing FAIL counts as one failure, so a crash is never
# taken for success.  Ends with "N passed, N failed".
cd "$(dirname "$0")/.."
export CTRAIL_ROOT="$PWD" CTRAIL_BUILD="$PWD/build"
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
passed=0 failed=0
for t in build/tests/unit/* tests/e2e/*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t")
	case "$t" in *.sh) set -- sh "$t" ;; *) set -- "$t" ;; esac
	"$@" >"$log/out" 2>&1
	rc=$?
	p=$(grep -c '^PASS ' "$log/out")
	f=$(grep -c '^FAIL ' "$log/out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $name: exited with status $rc" >>"$log/out"
		f=1
	fi
	if [ "$f" != 0 ]; then
		echo "--- $name"
		tail -n 40 "$log/out"
	else
		echo "ok   $name ($p)"
	fi
	passed=$((passed + p)) failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

#!/bin/sh
# core.sh - traces out of core dumps.  tests/progs/k_crash.c aborts in a
# known call chain on one thread while two others wait in theirs and one
# has exited; built against libctrail.so in every mode and against
# libctrail.a (linked into a dynamic executable), it dumps core, and
# `ctrail core` must recover every thread's last calls, the crashing chain
# last; `ctrail convert` must decode the result; ctrail-gdb.py in gdb batch
# mode must give the same events.  Then the errors: a truncated core, a
# program without ctrail, not a core, a newer state version, the wrong
# program - one line each, exit 1, no output left.
# Cores are made with lib.sh's crash.
. "$(dirname "$0")/../lib.sh"
CTRAIL=$BIN/ctrail
GDB_PY=$CTRAIL_BUILD/share/ctrail/ctrail-gdb.py
CHECK="python3 $CTRAIL_ROOT/tests/e2e/json_check.py"

core_setup core.sh || exit 0

# threads FILE.ctr : one line per thread, "flags name: kind function, ...",
# as `ctrail dump` prints them; the other threads sorted (they register in
# any order), the last (crashed) thread last.
threads() {
	"$CTRAIL" dump "$1" | awk '
		/^thread / { if (line) print line; split($4, f, "="); split($3, n, "=")
			line = f[2] " " n[2] ":"; sep = " "; next }
		/^[^ ]/ { if (line) print line; line = ""; next }
		line { line = line sep $2 " " $4; sep = ", " }
		END { if (line) print line }' >"$1.threads"
	head -n -1 "$1.threads" | sort
	tail -n 1 "$1.threads"
}

# same_dump FILE.ctr : the dump gdb's must equal.  gdb reads memory the
# core did not dump (another mapping's pages) as zeros, so its STACK chunks
# may run further: their flags and sizes are left out.
same_dump() {
	"$CTRAIL" dump "$1" | grep -v '^process' | sed 's/^\(stack tid=[0-9]*\) flags=[^ ]* \(.*\) bytes=[0-9]*/\1 \2/'
}

# the main thread is named after the program, as the kernel names it
expected() {
	echo "- -: call a_thread, call a_outer, call a_inner, call block
- -: call b_thread, call b_only, call block
exited k-exited: call exited_thread, call b_only, return b_only, return exited_thread
main $1: call main, call main_wait
crashed -: call c_thread, call c_outer, call c_middle, call c_inner"
}

# check NAME DIR PROG : crashes PROG and checks `ctrail core`, convert and gdb.
check() {
	name=$1 dir=$2 prog=$3
	core=$(crash "$dir" "$prog")
	if [ -z "$core" ]; then
		fail "$name-core" "no core file in $dir (core_pattern '$(cat $CORE_PATTERN)')"
		return
	fi
	pass "$name-core"
	if ! out=$("$CTRAIL" core "$core" --exe "$prog" -o "$dir/k.ctr" 2>&1); then
		fail "$name-ctrail-core" "$out"
		return
	fi
	expect_eq "$name-threads" "$(expected "$(basename "$prog")")" "$(threads "$dir/k.ctr")"
	expect_eq "$name-reason" "snapshot 0 reason=core" \
		"$("$CTRAIL" dump "$dir/k.ctr" | head -n 1 | cut -d' ' -f1-3)"
	if "$CTRAIL" convert "$dir/k.ctr" -o "$dir/k.json" >/dev/null 2>&1 &&
		$CHECK check "$dir/k.json" >/dev/null; then
		expect_eq "$name-convert" "main
  main_wait" "$($CHECK tree "$dir/k.json" "$(basename "$prog")")"
	else
		fail "$name-convert" "ctrail convert or the JSON check failed"
	fi
	# the same through gdb: identical but for the process line (gdb does
	# not show a core's parent pid) and how many stack bytes each kept
	out=$(gdb -nx -batch -ex "source $GDB_PY" -ex "ctrail-dump $dir/g.ctr" \
		"$prog" "$core" 2>&1)
	if [ -f "$dir/g.ctr" ]; then
		expect_eq "$name-gdb-threads" "$(expected "$(basename "$prog")")" \
			"$(threads "$dir/g.ctr")"
		expect_eq "$name-gdb-same" "$(same_dump "$dir/k.ctr")" "$(same_dump "$dir/g.ctr")"
	else
		fail "$name-gdb" "no output: $(echo "$out" | tail -n 2)"
	fi
}

# error NAME EXPECTED-MESSAGE CTRAIL-CORE-ARGS... : exit 1, that message,
# no output file and no temporary left.
error() {
	name=$1 msg=$2
	shift 2
	rm -f "$WORK"/err.ctr*
	out=$("$CTRAIL" core -o "$WORK/err.ctr" "$@" 2>&1)
	rc=$?
	left=$(ls "$WORK"/err.ctr* 2>/dev/null)
	expect_eq "$name" "1 $msg" "$rc $out$left"
}

for mode in $MODES; do
	mkdir -p "$WORK/$mode"
	if build $mode "$WORK/$mode/k_crash" "$PROGS/k_crash.c" -lpthread; then
		check "$mode-shared" "$WORK/$mode" "$WORK/$mode/k_crash"
	else
		fail "$mode-shared-build" "build failed"
	fi
done

# libctrail.a in a dynamically linked program: ctrail_state is the
# executable's own symbol
mkdir -p "$WORK/static"
if gcc -finstrument-functions -g -O1 -o "$WORK/static/k_crash" "$PROGS/k_crash.c" \
	"$CTRAIL_BUILD/lib/libctrail.a" -ldl -pthread; then
	check static "$WORK/static" "$WORK/static/k_crash"
else
	fail static-build "build failed"
fi

# a wrapped ring: the thread was stopped anywhere, but a writer stores only
# into slots it reserved, so the whole ring is kept: 403 written, the last
# 256 (and a slot reserved but not stored would be dropped)
mkdir -p "$WORK/wrap"
if build gcc-finstr "$WORK/wrap/k_wrap" "$PROGS/k_wrap.c" &&
	wcore=$(crash "$WORK/wrap" "$WORK/wrap/k_wrap" CTRAIL_RING_SIZE=4K) &&
	"$CTRAIL" core "$wcore" -o "$WORK/wrap/w.ctr" 2>&1; then
	expect_eq wrap "capacity=256 written=403 overwritten=147 events=256
return leaf
call leaf
return leaf
call crash_outer
call crash_inner" "$("$CTRAIL" dump "$WORK/wrap/w.ctr" | awk '/^thread/ { print $5, $6, $7, $8 }
		/^  / { print $2, $4 }' | sed -n '1p;253,$p')"
else
	fail wrap "build, crash or ctrail core failed"
fi

# a live process under gdb: nothing crashed, thread names from gdb (an
# unnamed thread has the process's name)
mkfifo "$WORK/fifo"
"$WORK/gcc-finstr/k_crash" wait >"$WORK/fifo" &
pid=$!
read -r ready <"$WORK/fifo"
gdb -nx -batch -p $pid -ex "source $GDB_PY" -ex "ctrail-dump $WORK/live.ctr" >/dev/null 2>&1
kill $pid
wait $pid 2>/dev/null
expect_eq gdb-live "- k_crash: call a_thread, call a_outer, call a_inner, call block
- k_crash: call b_thread, call b_only, call block
- k_crash: call c_thread, call c_outer, call c_middle, call c_inner
exited k-exited: call exited_thread, call b_only, return b_only, return exited_thread
main k_crash: call main, call main_wait" "$(threads "$WORK/live.ctr" 2>&1 | LC_ALL=C sort)"

core=$(ls "$WORK"/static/core* | head -n 1)
size=$(wc -c <"$core")
head -c $((size / 2)) "$core" >"$WORK/cut"
rm -f "$WORK"/err.ctr*
out=$("$CTRAIL" core "$WORK/cut" --exe "$WORK/static/k_crash" -o "$WORK/err.ctr" 2>&1)
rc=$?
case "$rc $out$(ls "$WORK"/err.ctr* 2>/dev/null)" in
"1 ctrail: $WORK/cut: truncated: segment "*" needs bytes up to "*", the file has $((size / 2))")
	pass truncated ;;
*) fail truncated "$rc $out" ;;
esac

mkdir -p "$WORK/plain"
gcc -g -O1 -o "$WORK/plain/k_crash" "$PROGS/k_crash.c" -pthread
plain=$(crash "$WORK/plain" "$WORK/plain/k_crash")
error no-ctrail "ctrail: $plain: no ctrail_state in $WORK/plain/k_crash or the libraries it mapped: not built with ctrail, or stripped" \
	"$plain" --exe "$WORK/plain/k_crash"
error not-core "ctrail: $WORK/static/k_crash: not a core file (ELF type 3)" \
	"$WORK/static/k_crash" --exe "$WORK/static/k_crash"
error not-elf "ctrail: $WORK/static/k.ctr: not an ELF file" \
	"$WORK/static/k.ctr" --exe "$WORK/static/k_crash"
error wrong-program "ctrail: $(ls "$WORK"/gcc-finstr/core* | head -n 1): $WORK/gcc-fentry/k_crash is not the program that dumped it (build ids differ)" \
	"$(ls "$WORK"/gcc-finstr/core* | head -n 1)" --exe "$WORK/gcc-fentry/k_crash"

# a state from a newer runtime: version 2 in place of 1 after the magic
python3 - "$core" "$WORK/v2core" <<'EOF'
import sys
data = bytearray(open(sys.argv[1], 'rb').read())
at = data.index(b'CTRSTATE\x01\x00\x00\x00')
data[at + 8] = 2
open(sys.argv[2], 'wb').write(data)
EOF
error version "ctrail: $WORK/v2core: ctrail_state version 2 (size 160); this ctrail reads version 1" \
	"$WORK/v2core" --exe "$WORK/static/k_crash"
out=$(gdb -nx -batch -ex "source $GDB_PY" -ex "ctrail-dump $WORK/g2.ctr" \
	"$WORK/static/k_crash" "$WORK/v2core" 2>&1 | grep '^ctrail-dump')
expect_eq gdb-version "ctrail-dump: ctrail_state version 2 (size 160); this script reads version 1" "$out"

# Uprobes (runtime/uprobes.c, probes.c) and `ctrail attach`:
#   - an uninstrumented program (p_plain.c) attached to before its known
#     calls: exact nesting and counts, file:line, its thread's name, and
#     the trace kept when it exits while attached;
#   - a ctrail-built program (p_traced.c, every mode) calling a library
#     built without ctrail (p_lib.c) under `record --probe`: the library's
#     calls nest inside the traced caller;
#   - attach for 1 s to a running uninstrumented loop; attach to a
#     ctrail-built process (its own snapshot, copied);
#   - the errors: no tracefs, no permission, no such function, a stripped
#     binary, a glob past its limit, no --probe, no process;
#   - probes and instances removed at exit, on a fatal signal, and stale
#     ones (SIGKILL) at the next start;
#   - outputs load in trace_processor_shell (when present) without errors.
# Without a writable tracefs everything is skipped with one PASS line.
. "$(dirname "$0")/../lib.sh"

ROOT=/sys/kernel/tracing
if ! mkdir "$ROOT/instances/probes_check_$$" 2>/dev/null; then
	pass "probes (skipped: $ROOT/instances not writable)"
	exit 0
fi
rmdir "$ROOT/instances/probes_check_$$"

C=$BIN/ctrail
gcc -O1 -g -o "$WORK/plain" "$PROGS/p_plain.c" &&
	gcc -O1 -g -shared -fPIC -o "$WORK/libp_lib.so" "$PROGS/p_lib.c" &&
	cp "$WORK/plain" "$WORK/stripped" && strip "$WORK/stripped" ||
	{ fail probes-build "p_plain or p_lib did not build"; exit 0; }

# no_leftovers NAME PID : neither probes nor instances of PID remain.
no_leftovers() {
	left=$(grep "ctrail_$2/" "$ROOT/uprobe_events"; ls "$ROOT/instances" | grep "^ctrail-$2\(\.switches\)\?$")
	expect_eq "$1" "" "$left"
}

# tree NAME FILE.ctr THREAD : the thread's call tree with repairs.
tree() {
	"$C" convert "$2" -o "$WORK/$1.json" >/dev/null &&
		python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" tree "$WORK/$1.json" "$3" --repairs
}

# wait_line FILE TEXT : until FILE has TEXT (10 s at most).
wait_line() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null || [ $i -ge 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# ---- an uninstrumented program, attached before its calls ----
"$WORK/plain" "$WORK/go" &
pid=$!
"$C" attach $pid --probe 'outer,inner,leaf' -o "$WORK/plain.ctr" 2>"$WORK/plain.err" &
att=$!
wait_line "$WORK/plain.err" "attached to"
touch "$WORK/go"
wait $att
expect_eq attach-exit-status 0 $?
wait $pid
expect_eq attach-exited-kept "ctrail: process $pid exited while attached; kept what was recorded" \
	"$(grep exited "$WORK/plain.err")"
one='outer
  inner
  inner
    leaf'
expect_eq plain-nesting "$one
$one
$one" "$(tree plain "$WORK/plain.ctr" plain)"
expect_eq plain-thread-name "name=plain flags=main" \
	"$("$C" dump "$WORK/plain.ctr" | sed -n 's/^thread tid=[0-9]* \(name=[^ ]* flags=[^ ]*\).*/\1/p')"
expect_eq plain-lines "inner p_plain.c:18
leaf p_plain.c:16
outer p_plain.c:25" "$(slice_lines "$WORK/plain.json")"
expect_eq plain-reason "reason=attach" "$("$C" dump "$WORK/plain.ctr" | sed -n 's/^snapshot 0 \(reason=[a-z]*\).*/\1/p')"
no_leftovers attach-cleaned "$att"

# ---- a ctrail-built program calling an uninstrumented library ----
call='    p_lib_outer
      p_lib_inner
      p_lib_inner'
for mode in $MODES; do
	build $mode "$WORK/traced-$mode" "$PROGS/p_traced.c" -L"$WORK" -lp_lib -Wl,-rpath,"$WORK" ||
		{ fail "$mode-lib-build" "p_traced did not build"; continue; }
	"$C" record --probe 'libp_lib:p_lib_*' -o "$WORK/lib-$mode.ctr" "$WORK/traced-$mode" \
		>/dev/null 2>&1
	expect_eq "$mode-lib-nests" "main
  caller
$call
  caller
$call" "$(tree "lib-$mode" "$WORK/lib-$mode.ctr" "$(printf %.15s "traced-$mode")")"
done
T=$WORK/traced-gcc-fentry
expect_eq record-probes-counted "probes events=12 lost=0 probes=2" \
	"$("$C" dump "$WORK/lib-gcc-fentry.ctr" | grep '^probes')"

# ---- attach for 1 s to a running loop ----
"$WORK/plain" "$WORK/go" 4 &
pid=$!
start=$(date +%s%N)
"$C" attach $pid --probe 'outer,inner,leaf' --duration 1s -o "$WORK/loop.ctr" 2>"$WORK/loop.err"
rc=$?
took=$((($(date +%s%N) - start) / 1000000))
kill $pid 2>/dev/null
wait $pid 2>/dev/null
expect_eq loop-status 0 $rc
case $took in
[0-9] | [0-9][0-9] | [0-9][0-9][0-9] | [1-4][0-9][0-9][0-9]) pass loop-duration ;;
*) fail loop-duration "took $took ms" ;;
esac
# whole rounds of outer (the first and last may be cut by the attachment)
expect_eq loop-nesting "ok" "$(tree loop "$WORK/loop.ctr" plain | python3 -c '
import sys
lines = [l.rstrip("\n") for l in sys.stdin]
body = [l for l in lines if "[" not in l]
names = {l.strip() for l in body}
outers = sum(1 for l in body if l == "outer")
print("ok" if outers > 100 and names <= {"outer", "inner", "leaf"} else
      "%d outer calls, names %s" % (outers, sorted(names)))')"

# ---- attach until Ctrl-C (SIGINT) ----
"$WORK/plain" "$WORK/go" 4 &
pid=$!
"$C" attach $pid --probe 'outer' -o "$WORK/int.ctr" 2>"$WORK/int.err" &
att=$!
wait_line "$WORK/int.err" "Ctrl-C to stop"
sleep 0.5
kill -INT $att
wait $att
expect_eq attach-ctrl-c-status 0 $?
kill $pid 2>/dev/null
wait $pid 2>/dev/null
expect_eq attach-ctrl-c-kept "ok" "$("$C" dump "$WORK/int.ctr" | awk '/^probes events=/ { split($2, a, "="); print (a[2] > 10 ? "ok" : $0) }')"

# ---- attach to a ctrail-built process ----
CTRAIL_OUTPUT=$WORK/own-%p.ctr "$T" 3 >/dev/null &
pid=$!
sleep 0.3
"$C" attach $pid -o "$WORK/own.ctr" 2>"$WORK/own.err"
expect_eq ctrail-attach-status 0 $?
expect_eq ctrail-attach-said "ctrail: process $pid wrote $WORK/own-$pid.ctr, copied to $WORK/own.ctr" \
	"$(cat "$WORK/own.err")"
expect_eq ctrail-attach-snapshot "reason=signal" \
	"$("$C" dump "$WORK/own.ctr" | sed -n 's/^snapshot 0 \(reason=[a-z]*\).*/\1/p')"
expect_err ctrail-attach-no-probe "start it with CTRAIL_PROBES" "$C" attach $pid --probe caller
kill $pid
wait $pid 2>/dev/null

# ---- errors ----
# attach_err NAME STATUS PATTERN ARGS... : ctrail attach on a waiting
# p_plain (or p_plain stripped, with STRIPPED=1) must exit STATUS saying PATTERN.
attach_err() {
	name=$1 status=$2 pat=$3
	shift 3
	prog=$WORK/plain
	[ -n "$STRIPPED" ] && prog=$WORK/stripped
	"$prog" "$WORK/never" &
	p=$!
	sleep 0.1
	out=$("$C" attach $p "$@" 2>&1)
	rc=$?
	kill $p
	wait $p 2>/dev/null
	case "$rc:$out" in
	"$status":*"$pat"*) pass "$name" ;;
	*) fail "$name" "wanted exit $status and '$pat', got $rc: $out" ;;
	esac
}
export CTRAIL_TRACEFS=/nonexistent
attach_err err-no-tracefs 1 "no usable tracefs at /nonexistent: No such file or directory" --probe inner
unset CTRAIL_TRACEFS
attach_err err-no-function 1 "no function nosuch in $WORK/plain" --probe 'inner,nosuch'
STRIPPED=1 attach_err err-stripped 1 "$WORK/stripped has no symbol table (stripped) and does not export inner" \
	--probe inner
attach_err err-glob-limit 1 "matches more than 64 functions in" --probe 'libc.so.6:*'
attach_err err-no-module 1 "maps no file named libnothere" --probe 'libnothere:f'
attach_err err-no-probe 2 "name the functions to trace with --probe SPEC"
expect_eq err-no-process "ctrail: no process 2147483646" "$("$C" attach 2147483646 --probe f 2>&1)"
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$WORK/plain" "$WORK/never" &
	p=$!
	sleep 0.1
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$C" attach $p --probe inner 2>&1)
	rc=$?
	kill $p
	case "$rc:$out" in
	1:*"Permission denied"* | 1:*"Operation not permitted"*) pass err-no-permission ;;
	*) fail err-no-permission "got $rc: $out" ;;
	esac
else
	echo "SKIP err-no-permission: no setpriv"
fi
out=$("$C" record --probe 'libp_lib:nosuch' -o "$WORK/bad.ctr" "$T" 2>&1)
expect_eq record-err-no-function "1:ctrail: CTRAIL_PROBES: no function nosuch in $WORK/libp_lib.so
ctrail: not running without the probes CTRAIL_PROBES asks for" "$?:$out"
out=$(CTRAIL_TRACEFS=/nonexistent "$C" record --probe 'libp_lib:p_lib_inner' -o "$WORK/bad.ctr" "$T" 2>&1)
expect_eq record-err-no-tracefs "1:ctrail: no scheduling events: no tracefs at /nonexistent: No such file or directory
ctrail: not running without the probes CTRAIL_PROBES asks for" "$?:$out"

# ---- removal: at exit, on a fatal signal, stale ones at the next start ----
CTRAIL_PROBES='libp_lib:p_lib_inner' CTRAIL_OUTPUT=$WORK/x.ctr "$T" >/dev/null
CTRAIL_PROBES='libp_lib:p_lib_inner' CTRAIL_OUTPUT=$WORK/x.ctr "$T" 5 >/dev/null &
pid=$!
sleep 0.5
expect_eq probes-defined-while-running "2" "$(grep -c "ctrail_$pid/" "$ROOT/uprobe_events")"
kill -TERM $pid
wait $pid 2>/dev/null
no_leftovers removed-on-signal $pid
CTRAIL_PROBES='libp_lib:p_lib_inner' CTRAIL_OUTPUT=$WORK/x.ctr "$T" 5 >/dev/null &
pid=$!
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null
expect_eq killed-leaves-probes "2" "$(grep -c "ctrail_$pid/" "$ROOT/uprobe_events")"
CTRAIL_PROBES='libp_lib:p_lib_inner' CTRAIL_OUTPUT=$WORK/x.ctr "$T" >/dev/null
no_leftovers stale-removed $pid

# ---- Perfetto's importer ----
TP=$CTRAIL_ROOT/../shared/tools/trace_processor_shell
[ -x "$TP" ] || TP=$(command -v trace_processor_shell)
if [ -z "$TP" ]; then
	pass "probes-perfetto (skipped: trace_processor_shell not found)"
	exit 0
fi
for t in plain loop lib-gcc-fentry lib-clang-after; do
	"$C" dump "$WORK/$t.ctr" >"$WORK/$t.dump" &&
		for f in json fxt pftrace; do
			"$C" convert "$WORK/$t.ctr" -o "$WORK/$t.$f" >/dev/null &&
				"$C" convert --wall-clock "$WORK/$t.ctr" -o "$WORK/$t.wall.$f" >/dev/null
		done || { fail "$t-perfetto" "convert failed"; continue; }
	python3 "$CTRAIL_ROOT/tests/e2e/perfetto_judge.py" "$TP" "$t-perfetto" "$WORK/$t" \
		"$WORK/$t.dump" --wall
done

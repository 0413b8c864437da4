#!/bin/sh
# On-CPU / off-CPU split (decoder/timeline/cpu_split.c) end to end:
# f_split.c sleeps 20 ms, spins 20 ms and waits 20 ms for a mutex another
# thread holds, each inside a traced call, recorded with scheduling events.
# `report --cpu` must show the sleep and the wait blocked, the spin on a
# CPU or runnable (within the scheduler's precision),
# and on + runnable + blocked equal to each function's total exactly;
# `flame --on-cpu` / `--off-cpu` must put the time on the right stacks,
# the off-CPU one with a leaf per state.  Without scheduling events the
# options fail with one message.  Where tracefs is not writable the checks
# needing it print a PASS "skipped" line.
. "$(dirname "$0")/../lib.sh"
C=$BIN/ctrail

# field N of the CSV row of function NAME in FILE
csv_field() { awk -F, -v n="\"$2\"" -v f="$3" '$1 == n { print $f }' "$1"; }

# title of the box of FUNC in the SVG: "NAME — TIME (PCT%), ..."
box() { grep -o "<title>$2 [^<]*" "$1" | head -1; }

build gcc-finstr "$WORK/nosched" "$PROGS/f_split.c" -pthread || fail build "f_split did not build"
trace "$WORK/nosched.ctr" "$WORK/nosched"
for args in "report --cpu" "flame --on-cpu" "flame --off-cpu"; do
	name=$(echo "$args" | tr -d ' -')
	case $args in
	report*) out=$("$C" $args "$WORK/nosched.ctr" 2>&1 >/dev/null) ;;
	*) out=$("$C" $args "$WORK/nosched.ctr" -o "$WORK/x.svg" 2>&1 >/dev/null) ;;
	esac
	rc=$?
	case "$rc:$out" in
	1:*"needs the kernel's scheduling events"*"--sched"*) pass "$name-without-sched" ;;
	*) fail "$name-without-sched" "exit $rc: $out" ;;
	esac
done
expect_eq flame-without-sched-no-file "" "$(ls "$WORK" | grep 'x.svg')"
"$C" flame --on-cpu --off-cpu "$WORK/nosched.ctr" 2>/dev/null
expect_eq flame-on-and-off-usage 2 $?

for mode in gcc-finstr gcc-fentry; do
	d=$WORK/$mode
	mkdir -p "$d"
	build $mode "$d/split" "$PROGS/f_split.c" -pthread || { fail "$mode-build" "no f_split"; continue; }
	CTRAIL_FTRACE=1 trace "$d/split.ctr" "$d/split" 2>"$d/err"
	if ! "$C" info "$d/split.ctr" | grep -q '^  sched '; then
		pass "$mode-cpu-split (skipped: no scheduling events: $(cat "$d/err"))"
		continue
	fi
	"$C" report --cpu --csv "$d/split.ctr" >"$d/r.csv" || { fail "$mode-report-cpu" "exit $?"; continue; }
	# every row: on_cpu + runnable + blocked == total, exactly
	bad=$(awk -F, 'NR > 1 && $10 + $11 + $12 != $3 { print }' "$d/r.csv")
	expect_eq "$mode-split-sums-exact" "" "$bad"
	expect_eq "$mode-split-columns" "function,calls,total_ns,self_ns,min_ns,mean_ns,p50_ns,p99_ns,max_ns,on_cpu_ns,runnable_ns,blocked_ns" \
		"$(sed -n 1p "$d/r.csv")"
	for f in sleeper spinner waiter; do
		set -- $(awk -F, -v n="\"$f\"" '$1 == n { print $3, $10, $11, $12 }' "$d/r.csv")
		total=${1:-0} on=${2:-0} runnable=${3:-0} blocked=${4:-0}
		echo "$mode $f: total $total on $on runnable $runnable blocked $blocked"
		# on a busy machine a thread may wait for a CPU for milliseconds
		# (runnable), and reach the mutex late, so: the sleep is asleep
		# for all of its 20 ms, the wait blocked for most of the call, the
		# spin never blocked
		case $f in
		sleeper) ok=$([ "$total" -ge 19000000 ] && [ "$blocked" -ge 19000000 ] && echo 1) ;;
		spinner) ok=$([ "$total" -ge 19000000 ] && [ $((blocked * 20)) -le "$total" ] && echo 1) ;;
		waiter) ok=$([ $((blocked * 2)) -ge "$total" ] && [ $((on * 10)) -le "$total" ] && echo 1) ;;
		esac
		if [ "$ok" = 1 ]; then pass "$mode-split-$f"; else
			fail "$mode-split-$f" "total $total, on $on, runnable $runnable, blocked $blocked"; fi
	done
	"$C" report --cpu "$d/split.ctr" >"$d/r.txt"
	if grep -q '^ *calls .* self% *on-cpu *runnable *blocked ' "$d/r.txt" &&
	   grep -q '^of which on-CPU .*, runnable .*, blocked ' "$d/r.txt"; then
		pass "$mode-report-cpu-text"; else fail "$mode-report-cpu-text" "$(cat "$d/r.txt")"; fi

	# on-CPU flame graph: the spinner is most of it; off-CPU: the sleep
	# and the wait, under leaves naming the state
	"$C" flame --on-cpu "$d/split.ctr" -o "$d/on.svg" || fail "$mode-flame-on-cpu" "exit $?"
	"$C" flame --off-cpu "$d/split.ctr" -o "$d/off.svg" || fail "$mode-flame-off-cpu" "exit $?"
	on_total=$(csv_field "$d/r.csv" main 10)
	expect_eq "$mode-flame-on-cpu-total-is-report" "$(python3 -c "
import re, sys
print(re.search(r'data-n=\"all\" data-x=\"0\" data-w=\"(\d+)\"', open(sys.argv[1]).read()).group(1))" "$d/on.svg")" \
		"$(awk -F, 'NR > 1 && ($1 == "\"main\"" || $1 == "\"hold\"") { s += $10 } END { print s }' "$d/r.csv")"
	if grep -q '>on-CPU time ' "$d/on.svg" && box "$d/on.svg" spinner | grep -q '(9[0-9]\.\|(100\.'; then
		pass "$mode-flame-on-cpu-spinner"; else fail "$mode-flame-on-cpu-spinner" "$(box "$d/on.svg" spinner)"; fi
	stacks=$(python3 - "$d/off.svg" <<'PY'
import re, sys
# the paths of the boxes, from data-d and the order parents come first
paths, at = [], {}
for name, depth in re.findall(r'data-n="([^"]*)" data-x="\d+" data-w="\d+" data-d="(\d+)"', open(sys.argv[1]).read()):
    d = int(depth)
    at[d] = name
    paths.append(";".join(at[i] for i in range(1, d + 1)))
# pause_20ms may be inlined (fentry mode traces no inlined calls)
print("\n".join(sorted(p.replace(";pause_20ms", "") for p in paths if p.endswith("(S)]"))))
PY
)
	# main itself waits in sem_wait and pthread_join (not traced)
	expect_eq "$mode-flame-off-cpu-stacks" "hold;[sleeping (S)]
main;[sleeping (S)]
main;sleeper;[sleeping (S)]
main;waiter;[sleeping (S)]" "$stacks"
	# the wait's box is exactly report's runnable + blocked of waiter
	expect_eq "$mode-flame-off-cpu-wait" \
		"$(awk -F, '$1 == "\"waiter\"" { print $11 + $12 }' "$d/r.csv")" \
		"$(grep -o 'data-n="waiter" data-x="[0-9]*" data-w="[0-9]*"' "$d/off.svg" | sed 's/.*data-w="\([0-9]*\)"/\1/')"
done

# ctrail scope on the same trace colours on-CPU time, and says so: the
# cells of each thread add up to the on-CPU time of its outermost call.
d=$WORK/gcc-finstr
if [ -f "$d/r.csv" ]; then
	"$C" scope "$d/split.ctr" -o "$d/s.html" --span 100ms --rows 10 || fail scope-on-cpu "exit $?"
	expect_eq scope-says-on-cpu 1 "$(grep -c 'Colour: on-CPU time within traced calls' "$d/s.html")"
	expect_eq scope-on-cpu-cells "main $(csv_field "$d/r.csv" main 10)
hold $(csv_field "$d/r.csv" hold 10)" "$(python3 -c '
import json, re, sys
text = open(sys.argv[1]).read()
meta = json.loads(re.search(r"<script type=\"application/json\" id=\"meta\">(.*?)</script>", text, re.S).group(1))
for t in meta["threads"]:
    print("main" if t["tid"] == int(sys.argv[2]) else "hold", sum(t["cells"]))' "$d/s.html" \
		"$("$C" dump "$d/split.ctr" | sed -n 's/^process pid=\([0-9]*\).*/\1/p')")"
fi

# ... and draws the on-CPU flame graph of a dragged range box for box as
# `ctrail flame --on-cpu --clip` does: cells (0, 1) to (0, 4), 10 to 50 ms
if [ -f "$d/s.html" ] && chromium_dom "file://$d/s.html?time=on-cpu&drag=0,1,0,4" "$d/s.dom"; then
	expect_eq scope-on-cpu-console "" "$(grep -E 'CONSOLE|Uncaught' "$d/s.dom.console")"
	"$C" flame --on-cpu --since 10ms --until 50ms --clip "$d/split.ctr" -o "$d/on-range.svg"
	boxes() {
		python3 -c '
import re, sys
text = open(sys.argv[1]).read()
print("\n".join(sorted(set("%s %s %s %s" % (m[3], m[0], m[1], m[2]) for m in re.findall(
    r"class=\"f\" data-n=\"([^\"]*)\" data-x=\"(\d+)\" data-w=\"(\d+)\" data-d=\"(\d+)\"", text)))))' "$1"
	}
	want=$(boxes "$d/on-range.svg") got=$(boxes "$d/s.dom")
	if [ -n "$want" ] && [ "$want" = "$got" ]; then pass "scope-on-cpu-range-boxes ($(echo "$got" | wc -l) boxes)"
	else fail scope-on-cpu-range-boxes "flame: $want / page: $got"; fi
	expect_eq scope-on-cpu-range-says 1 "$(grep -c 'id="subtitle"[^>]*>exact on-CPU time' "$d/s.dom")"
elif [ -f "$d/s.html" ]; then
	fail scope-on-cpu-chromium "chromium is not installed (tools/install-deps.sh installs it)"
fi

#!/bin/sh
# stress.sh - the hooks against everything that runs beside them, in every
# mode (gcc and clang finstr, after-inlining, fentry, XRay, and the counting
# runtime in fentry and after-inlining builds), each run bounded in time
# (tests/progs/h_stress.c says what each scenario does):
#   pause   pause/resume storm beside two threads calling tiny(): no crash;
#   trap    SIGTRAP every 3 ms while three threads run hot loops: no crash,
#           and every snapshot written decodes (`ctrail convert`, or
#           `ctrail count` for counts);
#   churn   snapshots while threads are created and exit: no crash, the
#           snapshots written decode;
#   resize  ring resizes in three busy threads while main snapshots and
#           pauses: no crash;
#   alarm   a SIGALRM handler every 100 us calling traced functions during
#           a traced recursion: the raw events pass stress_check.py (every
#           slot whole, handler events in unbroken blocks, the rest nested,
#           stamps in order but for the documented anomaly); counting
#           builds count the handler's and the recursion's calls exactly;
#   many    500 busy threads and one snapshot: no crash, it decodes.
. "$(dirname "$0")/../lib.sh"
CTRAIL=$BIN/ctrail

# run NAME SCENARIO ARG : the scenario under a time limit, in $WORK/NAME/
run() {
	mkdir -p "$WORK/$1"
	H_STRESS_PATH=$WORK/$1/api.ctr CTRAIL_OUTPUT=$WORK/$1/s-%n.ctr \
		timeout 60 "$prog" "$2" "$3" >"$WORK/$1/out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then pass "$1"; else fail "$1" "exit $rc: $(tail -n 3 "$WORK/$1/out")"; fi
}

# decodes NAME : every snapshot in $WORK/NAME/ decodes
decodes() {
	bad= n=0
	for f in "$WORK/$1"/*.ctr; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		if [ -n "$count" ]; then
			"$CTRAIL" count "$f" >/dev/null 2>"$WORK/err" || bad="$bad $(basename "$f")"
		else
			"$CTRAIL" convert "$f" -o "$WORK/x.json" >/dev/null 2>"$WORK/err" ||
				bad="$bad $(basename "$f")"
		fi
	done
	if [ -z "$bad" ] && [ $n -gt 0 ]; then pass "$1-decodes ($n)"
	else fail "$1-decodes" "$n snapshots, these do not decode:$bad $(head -c 300 "$WORK/err")"; fi
	rm -f "$WORK/$1"/*.ctr "$WORK/x.json"
}

# calls FUNCTION FILE.ctr : its call count
calls() {
	"$CTRAIL" count --csv "$2" | awk -F, -v f="$1" '$2 == f { print $1 }'
}

for md in gcc-finstr clang-finstr clang-after gcc-fentry clang-xray count:gcc-fentry count:clang-after; do
	case $md in
	count:*) count=--count mode=${md#count:} ;;
	*) count= mode=$md ;;
	esac
	prog=$WORK/h_stress
	if ! build $mode "$prog" "$PROGS/h_stress.c" $count -lpthread; then
		fail "$md-build" "h_stress did not build"
		continue
	fi
	export CTRAIL_RING_SIZE=64K
	run "$md-pause" pause 1000
	run "$md-trap" trap 250
	decodes "$md-trap"
	run "$md-churn" churn 500
	decodes "$md-churn"
	run "$md-resize" resize 500
	CTRAIL_RING_SIZE=4M CTRAIL_WRITE_AT_EXIT=1 run "$md-alarm" alarm 300
	if [ -n "$count" ]; then
		set -- $(cat "$WORK/$md-alarm/out")
		f=$(ls "$WORK/$md-alarm"/*.ctr)
		expect_eq "$md-alarm-counts" "$1 $(($1 * 2)) $(($3 * 20))" \
			"$(calls on_alarm "$f") $(calls h_leaf "$f") $(calls rec "$f")"
	elif out=$("$CTRAIL" dump "$WORK/$md-alarm"/s-0.ctr | python3 "$CTRAIL_ROOT/tests/e2e/stress_check.py"); then
		pass "$md-alarm-events ($out)"
	else
		fail "$md-alarm-events" "$out"
	fi
	rm -rf "$WORK/$md-alarm"
	run "$md-many" many 500
	decodes "$md-many"
	unset CTRAIL_RING_SIZE
done

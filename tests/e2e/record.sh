#!/bin/sh
# record.sh - `ctrail record` on programs that fork, daemonize, are
# stopped by a signal, get SIGTRAP, or cannot write: one file per process
# (the program keeps -o, the others get -PID), every file reported, a
# snapshot when SIGINT/SIGTERM stop the program, SIGTRAP passed on, and
# the real reason when nothing could be written.
. "$(dirname "$0")/../lib.sh"
CTRAIL=$BIN/ctrail

# pid_of FILE.ctr : the pid in its PROCESS chunk.
pid_of() { "$CTRAIL" dump "$1" | sed -n 's/^process pid=\([0-9]*\) .*/\1/p' | head -1; }
# calls FILE.ctr FUNCTION : how many calls of FUNCTION it holds.
calls() { "$CTRAIL" dump "$1" | awk -v f="$2" '$2 == "call" && $4 == f { n++ } END { print n + 0 }'; }
# wrote ERR : the files record said it wrote, sorted.
wrote() { sed -n 's/^ctrail: wrote \([^ ]*\) .*/\1/p' "$1" | sort; }

# a fork: the child exits first, the parent waits for it
for mode in $MODES; do
	build $mode "$WORK/fork-$mode" "$PROGS/c_fork.c" || { fail "fork-$mode" "build"; continue; }
	d=$WORK/fork-$mode.d
	mkdir "$d"
	(cd "$d" && "$CTRAIL" record -o f.ctr -- "../fork-$mode" 2> err; echo $? > rc)
	child=$(ls "$d" | grep '^f-[0-9]*\.ctr$')
	expect_eq "fork-$mode-files" "0 $child
f.ctr" "$(cat "$d/rc") $(wrote "$d/err")"
	expect_eq "fork-$mode-calls" "11 15" "$(calls "$d/f.ctr" hot) $(calls "$d/$child" hot)"
	expect_eq "fork-$mode-pids" "${child#f-}" "$(pid_of "$d/$child").ctr"
done

# a daemon: the program exits at once, its grandchild writes last
build gcc-fentry "$WORK/daemon" "$PROGS/c_daemon.c"
mkdir "$WORK/dd"
(cd "$WORK/dd" && "$CTRAIL" record -o d.ctr -- ../daemon 2> err; echo $? > rc)
expect_eq daemon-status 0 "$(cat "$WORK/dd/rc")"
expect_eq daemon-all-reported "$(cd "$WORK/dd" && ls *.ctr | sort)" "$(wrote "$WORK/dd/err")"
expect_eq daemon-three-files 3 "$(ls "$WORK/dd"/*.ctr | wc -l)"
# the parent's 4 calls, not a child's 3 or the daemon's 10
expect_eq daemon-parent-keeps-o 4 "$(calls "$WORK/dd/d.ctr" hot)"
last=$(for f in "$WORK"/dd/d-*.ctr; do echo "$(calls "$f" hot)"; done | sort -n | tail -1)
expect_eq daemon-grandchild 10 "$last"

# -o with %p: every process names its own file, and record says so
mkdir "$WORK/pp"
(cd "$WORK/pp" && "$CTRAIL" record -o 'rec-%p.ctr' -- ../daemon 2> err)
expect_eq pattern-reported "$(cd "$WORK/pp" && ls *.ctr | sort)" "$(wrote "$WORK/pp/err")"
expect_eq pattern-no-note "" "$(grep 'no snapshot' "$WORK/pp/err")"

# serve NAME SIG [LAUNCHER...] : records c_serve until ctrail gets SIG;
# leaves $WORK/NAME.ctr, NAME.err and NAME.rc.
build gcc-fentry "$WORK/serve" "$PROGS/c_serve.c"
serve() {
	n=$1 sig=$2
	shift 2
	rm -f "$WORK/$n.ready"
	"$@" "$CTRAIL" record -o "$WORK/$n.ctr" -- "$WORK/serve" "$WORK/$n.ready" \
		2> "$WORK/$n.err" &
	rec=$!
	i=0
	while [ ! -e "$WORK/$n.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	sleep 0.1
	kill -$sig $rec
	wait $rec
	echo $? > "$WORK/$n.rc"
}
serve term TERM
expect_eq sigterm-snapshot "143 ctrail: wrote $WORK/term.ctr" \
	"$(cat "$WORK/term.rc") $(cut -d' ' -f1-3 "$WORK/term.err")"
expect_ok sigterm-ticks test "$(calls "$WORK/term.ctr" tick)" -gt 10
# a background job of sh ignores SIGINT: start it with the default action
serve int INT python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])'
expect_eq sigint-snapshot "130 ctrail: wrote $WORK/int.ctr" \
	"$(cat "$WORK/int.rc") $(cut -d' ' -f1-3 "$WORK/int.err")"

# a counting build writes its counts when SIGTERM stops it, too
build gcc-fentry "$WORK/serve-count" "$PROGS/c_serve.c" --count
rm -f "$WORK/cnt.ready"
"$CTRAIL" record -o "$WORK/cnt.ctr" -- "$WORK/serve-count" "$WORK/cnt.ready" 2> "$WORK/cnt.err" &
rec=$!
i=0
while [ ! -e "$WORK/cnt.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
sleep 0.1
kill -TERM $rec
wait $rec
expect_eq sigterm-counts "143 tick" "$? $("$CTRAIL" count --names "$WORK/cnt.ctr" 2>&1 | grep -x tick)"

# SIGTRAP: passed on (a snapshot), record lives on until SIGTERM
rm -f "$WORK/trap.ready"
"$CTRAIL" record -o "$WORK/trap.ctr" -- "$WORK/serve" "$WORK/trap.ready" 2> "$WORK/trap.err" &
rec=$!
i=0
while [ ! -e "$WORK/trap.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -TRAP $rec
i=0
while [ ! -e "$WORK/trap.ctr" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_ok sigtrap-record-alive kill -0 $rec
expect_eq sigtrap-snapshot "reason=signal" "$("$CTRAIL" dump "$WORK/trap.ctr" | head -1 | cut -d' ' -f3)"
kill -TERM $rec
wait $rec
expect_eq sigtrap-then-term 143 $?

# disk full: the runtime's own reason, not "was it built with ctrail-cc"
mkdir "$WORK/full"
if mount -t tmpfs -o size=64k ctrail-test "$WORK/full" 2> /dev/null; then
	# 20000 calls: 640 KB of events
	"$CTRAIL" record --ring-size 1M -o "$WORK/full/x.ctr" -- "$WORK/serve" \
		"$WORK/full.ready" 20000 2> "$WORK/full.err"
	umount "$WORK/full"
	expect_eq disk-full-reason "ctrail: could not write $WORK/full/x.ctr (pid" \
		"$(grep 'could not write' "$WORK/full.err" | cut -d' ' -f1-6)"
	expect_ok disk-full-errno grep -q "No space left on device" "$WORK/full.err"
	expect_eq disk-full-no-hint "" "$(grep 'ctrail-cc' "$WORK/full.err")"
else
	pass "disk-full (skipped: cannot mount a tmpfs)"
fi

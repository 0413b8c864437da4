# Snapshots in production (issue 14): configuration read once at start
# (programs that overwrite their environment), output paths that are not
# regular files, exit while a snapshot is written, no pause holes.
. "$(dirname "$0")/../lib.sh"

# setproctitle overwrites the environment's strings: the snapshot on
# SIGTRAP and at exit still go to CTRAIL_OUTPUT, in every mode and counted
for mode in $MODES; do
	build $mode "$WORK/title-$mode" "$PROGS/p_title.c" || fail "$mode-title" "did not build"
	out=$(CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT="$WORK/title-$mode-%n.ctr" \
		"$WORK/title-$mode" "$WORK/title-$mode-0.ctr" 2>&1)
	expect_eq "$mode-title-signal" "reason=signal" \
		"$("$BIN/ctrail" dump "$WORK/title-$mode-0.ctr" 2>&1 | awk '/^snapshot/ { print $3 }')"
	expect_eq "$mode-title-exit" "reason=exit" \
		"$("$BIN/ctrail" dump "$WORK/title-$mode-1.ctr" 2>&1 | awk '/^snapshot/ { print $3 }')"
	expect_eq "$mode-title-quiet" "" "$out"
done
build gcc-fentry "$WORK/title-count" "$PROGS/p_title.c" --count
out=$(CTRAIL_OUTPUT="$WORK/title-count-%n.ctr" "$WORK/title-count" "$WORK/title-count-0.ctr" 2>&1)
expect_eq count-title-signal "reason=signal" \
	"$("$BIN/ctrail" dump "$WORK/title-count-0.ctr" 2>&1 | awk '/^snapshot/ { print $3 }')"
expect_eq count-title-exit "reason=exit" \
	"$("$BIN/ctrail" dump "$WORK/title-count-1.ctr" 2>&1 | awk '/^snapshot/ { print $3 }')"
expect_eq count-title-quiet "" "$out"

# ---- Output paths that are not regular files: written in place, never
# replaced by a regular file; a failed write says so once, exits 1 and
# leaves no temporary.  $WORK/full is a private /dev/full (as root).
trace=$WORK/title-gcc-fentry-0.ctr
"$BIN/ctrail" convert "$trace" -o "$WORK/plain.json"
left() { ls "$WORK" | grep '\.tmp\.' ; }
is_type() { # NAME TEST PATH: test(1) flag the path must still pass
	if [ "$2" "$3" ]; then pass "$1"; else fail "$1" "$3 is no longer $2: $(ls -l "$3")"; fi
}
if mknod "$WORK/full" c 1 7 2>/dev/null; then
	out=$("$BIN/ctrail" convert "$trace" -o "$WORK/full" -f json 2>&1)
	rc=$?
	expect_eq convert-full "1 ctrail: $WORK/full: No space left on device" "$rc $out"
	is_type convert-full-device -c "$WORK/full"
	out=$("$BIN/ctrail" flame "$trace" -o "$WORK/full" 2>&1)
	expect_eq flame-full "1 ctrail: $WORK/full: No space left on device" "$? $out"
	is_type flame-full-device -c "$WORK/full"
	out=$(CTRAIL_WRITE_AT_EXIT=1 CTRAIL_OUTPUT="$WORK/full" "$WORK/title-gcc-fentry" 300 2>&1)
	expect_eq runtime-full "ctrail: cannot write snapshot to $WORK/full: No space left on device
ctrail: cannot write snapshot to $WORK/full: No space left on device" "$out"
	is_type runtime-full-device -c "$WORK/full"
	expect_eq full-no-tmp "" "$(left)"
else
	pass "convert-full (skipped: mknod needs root)"
fi

# a FIFO read by cat gets the whole output; it stays a FIFO
mkfifo "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/fifo.json" &
expect_ok convert-fifo-run "$BIN/ctrail" convert "$trace" -o "$WORK/fifo" -f json
wait
expect_eq convert-fifo "$(cat "$WORK/plain.json")" "$(cat "$WORK/fifo.json")"
is_type convert-fifo-kept -p "$WORK/fifo"
cat "$WORK/fifo" >"$WORK/fifo.ctr" &
CTRAIL_OUTPUT="$WORK/fifo" "$WORK/title-gcc-fentry" 300
wait
expect_eq runtime-fifo "reason=signal" \
	"$("$BIN/ctrail" dump "$WORK/fifo.ctr" 2>&1 | awk '/^snapshot/ { print $3; exit }')"
is_type runtime-fifo-kept -p "$WORK/fifo"

# a link to /proc/self/fd/1 writes into the pipe; the link stays
ln -s /proc/self/fd/1 "$WORK/stdout.json"
"$BIN/ctrail" convert "$trace" -o "$WORK/stdout.json" | cat >"$WORK/piped.json"
expect_eq convert-stdout-link "$(cat "$WORK/plain.json")" "$(cat "$WORK/piped.json")"
is_type convert-stdout-link-kept -L "$WORK/stdout.json"
"$BIN/ctrail" flame "$trace" -o "$WORK/stdout.json" | cat >"$WORK/piped.svg"
expect_eq flame-stdout-link "$("$BIN/ctrail" flame "$trace" -o -)" "$(cat "$WORK/piped.svg")"
CTRAIL_OUTPUT="$WORK/stdout.json" "$WORK/title-gcc-fentry" 300 | cat >"$WORK/piped.ctr"
expect_eq runtime-stdout-link "reason=signal" \
	"$("$BIN/ctrail" dump "$WORK/piped.ctr" 2>&1 | awk '/^snapshot/ { print $3; exit }')"
is_type runtime-stdout-link-kept -L "$WORK/stdout.json"

# a link to a regular file: the target is replaced, the link stays
echo old >"$WORK/target.json"
ln -s target.json "$WORK/link.json"
expect_ok convert-link-run "$BIN/ctrail" convert "$trace" -o "$WORK/link.json"
expect_eq convert-link "$(cat "$WORK/plain.json")" "$(cat "$WORK/target.json")"
is_type convert-link-kept -L "$WORK/link.json"
expect_eq paths-no-tmp "" "$(left)"

# ---- Exit while a SIGTRAP snapshot of large rings is being written: exit
# waits for it (CTRAIL_EXIT_WAIT), or gives up with one line and leaves
# no temporary
build gcc-fentry "$WORK/load" "$PROGS/p_load.c" -pthread || fail load-build "p_load did not build"
CTRAIL_RING_SIZE=64M CTRAIL_OUTPUT="$WORK/exit.ctr" "$WORK/load" exit 3 300 2>"$WORK/exit.err"
expect_eq exit-waits "reason=signal" \
	"$("$BIN/ctrail" dump "$WORK/exit.ctr" 2>&1 | awk '/^snapshot/ { print $3 }')"
expect_eq exit-waits-quiet "" "$(cat "$WORK/exit.err")"
expect_eq exit-waits-no-tmp "" "$(left)"
CTRAIL_EXIT_WAIT=0 CTRAIL_RING_SIZE=64M CTRAIL_OUTPUT="$WORK/gaveup.ctr" \
	"$WORK/load" exit 3 300 2>"$WORK/gaveup.err"
case $(cat "$WORK/gaveup.err") in
"ctrail: exiting without the snapshot "*"(not done after 0s, CTRAIL_EXIT_WAIT); nothing more is written")
	pass exit-gives-up ;;
*) fail exit-gives-up "$(cat "$WORK/gaveup.err")" ;;
esac
expect_eq exit-gives-up-nothing "" "$(ls "$WORK" | grep gaveup.ctr)"

# ---- No pause holes.  Recording used to stop in every thread while a
# SIGTRAP snapshot copied the rings (800 idle threads make that copy
# long), and calls that returned meanwhile showed in the next snapshot as
# slices invented across the hole.  p_load's "slow" threads log seq = 1,
# 2, 3... before each call, so an event missing from the middle of a ring
# is a jump in seq: in both snapshots every slow thread's counters must
# follow each other, so every slice between them is real.
# seq_jumps FILE.ctr : "counters jumps" per slow thread
seq_jumps() {
	"$BIN/ctrail" dump "$1" | awk '
	function hex(s,   i, v) {
		s = tolower(substr(s, 3))
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	/^thread / { on = $3 == "name=slow"; ctr = 0; prev = -1; if (on) { t = $2; seen[t] = 0; jumps[t] = 0 }; next }
	!on { next }
	$2 == "counter" { ctr = 1; next }
	$2 == "data" && ctr { v = hex($3); if (prev >= 0 && v != prev + 1) jumps[t]++; prev = v; seen[t]++ }
	{ ctr = 0 }
	END { for (t in seen) print (seen[t] > 100 ? "many" : seen[t]), jumps[t] }' | sort
}
CTRAIL_OUTPUT="$WORK/twice-%n.ctr" "$WORK/load" twice 3 300 "$WORK/twice-0.ctr" "$WORK/twice-1.ctr"
for n in 0 1; do
	expect_eq "no-hole-$n" "many 0
many 0
many 0" "$(seq_jumps "$WORK/twice-$n.ctr")"
	expect_eq "no-hole-$n-repairs" "" "$("$BIN/ctrail" info "$WORK/twice-$n.ctr" | grep 'missing return')"
done

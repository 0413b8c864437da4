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

#!/bin/sh
# window.sh - the default window (decoder/timeline/window.h) on a server's
# shape, c_idle.c: a helper thread's one call open since start, the main
# thread's ring wrapped 300 ms later.  By default convert and report show
# only where the busy ring has events, the idle call clipped to it (and
# flagged), times counted from it; --all shows the whole run; --since sets
# a window of its own; ctrail info says what the window clips.
. "$(dirname "$0")/../lib.sh"
CTRAIL=$BIN/ctrail

# total FILE.ctr FUNCTION [OPTIONS] : the function's total ns in `report`.
total() {
	f=$1 fn=$2
	shift 2
	"$CTRAIL" report --csv "$@" "$f" | awk -F, -v fn="\"$fn\"" '$1 == fn { print $3 }'
}

for mode in $MODES; do
	build $mode "$WORK/idle" "$PROGS/c_idle.c" -lpthread &&
		CTRAIL_RING_SIZE=4K trace "$WORK/idle.ctr" "$WORK/idle" ||
		{ fail "$mode-window" "build or run failed"; continue; }
	expect_ok "$mode-window-report-clipped" test "$(total "$WORK/idle.ctr" wait_for_work)" -lt 100000000
	expect_ok "$mode-window-report-all" test "$(total "$WORK/idle.ctr" wait_for_work --all)" -ge 300000000
	expect_ok "$mode-window-since" test "$(total "$WORK/idle.ctr" wait_for_work --since 0ns)" -ge 300000000
	"$CTRAIL" convert "$WORK/idle.ctr" -o "$WORK/idle.json"
	expect_eq "$mode-window-json" "wait_for_work 0 begun before the window; no return in snapshot
main 0 orphan return" "$(python3 -c '
import json, sys
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e.get("ph") == "X" and e["name"] in ("wait_for_work", "main"):
        print(e["name"], int(e["ts"] > 1000), e["args"].get("repair"))' "$WORK/idle.json")"
	case $("$CTRAIL" info "$WORK/idle.ctr") in
	*"window    from 3"*" ms after the first event, where the ring of tid "*": 2 calls open then clipped to it"*)
		pass "$mode-window-info" ;;
	*) fail "$mode-window-info" "$("$CTRAIL" info "$WORK/idle.ctr" | grep -A1 window)" ;;
	esac
done
# no busy ring (nothing wrapped): the whole snapshot, no window line
trace "$WORK/big.ctr" "$WORK/idle"
expect_eq window-none "" "$("$CTRAIL" info "$WORK/big.ctr" | grep '^  window')"
expect_ok window-none-report test "$(total "$WORK/big.ctr" wait_for_work)" -ge 300000000

# Custom events end to end: CTRAIL_LOG formatted at decode time from the
# binary's format strings, counters, instants and a cross-thread flow arrow,
# in the raw dump and in the JSON timeline.
. "$(dirname "$0")/../lib.sh"

for mode in gcc-fentry clang-after; do
	build $mode "$WORK/events" "$PROGS/r_events.c" &&
		trace "$WORK/events.ctr" "$WORK/events" ||
		{ fail "$mode-events-run" "build or run failed"; continue; }
	"$BIN/ctrail" convert "$WORK/events.ctr" -o "$WORK/events.json" ||
		fail "$mode-events-convert" "convert failed"
	python3 - "$WORK/events.json" >"$WORK/out" <<'PY'
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
threads = {e["tid"]: e["args"]["name"] for e in evs if e["ph"] == "M" and e["name"] == "thread_name"}
for e in sorted((e for e in evs if e["ph"] in "iCsf"), key=lambda e: e["ts"]):
    extra = e.get("args", {}).get("value", e.get("id", ""))
    # flow ends are all named "flow" (importers join them by name), the
    # program's name for each end is in args
    name = e["args"]["name"] if e["ph"] in "sf" else e["name"]
    print(e["ph"], threads[e["tid"]], name, extra)
PY
	expect_eq "$mode-events-json" "i events resized to 640x480 
i events no arguments, 100% literal 
i events ctrail|pad     | 3.14|2.500000e-03|ff|010|Z 
i events -1234567890123|200|42|0x1000 
i events 1 2 3 4 5 6 7 8 
C events queue depth -1
C events queue depth 0
C events queue depth 1
i events checkpoint 
s events producer 0x1234
f events consumer 0x1234" "$(cat "$WORK/out")"
	# the log line sits inside resize(): same thread, within its slice
	expect_eq "$mode-events-inside" "True" "$(python3 - "$WORK/events.json" <<'PY'
import json, sys
evs = json.load(open(sys.argv[1]))["traceEvents"]
r = [e for e in evs if e["ph"] == "X" and e["name"] == "resize"][0]
l = [e for e in evs if e["ph"] == "i" and e["name"].startswith("resized")][0]
print(r["tid"] == l["tid"] and r["ts"] <= l["ts"] <= r["ts"] + r["dur"])
PY
)"
	expect_eq "$mode-events-dump" 'log "resized
data 0x280
data 0x1e0' "$("$BIN/ctrail" dump "$WORK/events.ctr" | awk '/ log .*resized/ { n = 3 }
		n-- > 0 { print $2, ($2 == "data" ? $3 : $4) }')"
done
out=$(python3 "$CTRAIL_ROOT/tests/e2e/json_check.py" check "$WORK/events.json" 2>&1)
expect_eq events-json-valid ok "$out"

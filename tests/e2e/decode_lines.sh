# Every mode's binaries give each function its declaration's file and line
# in the decoded JSON, clang's DWARF 5 without .debug_aranges included.
. "$(dirname "$0")/../lib.sh"

for mode in $MODES; do
	build $mode "$WORK/basic" "$PROGS/r_basic.c" &&
		trace "$WORK/basic.ctr" "$WORK/basic" &&
		"$BIN/ctrail" convert "$WORK/basic.ctr" -o "$WORK/basic.json" ||
		{ fail "$mode-lines" "build, run or convert failed"; continue; }
	expect_eq "$mode-lines" "fact r_basic.c:8
leaf r_basic.c:6
main r_basic.c:10
middle r_basic.c:7" "$(python3 -c '
import json, os, sys
seen = {}
for e in json.load(open(sys.argv[1]))["traceEvents"]:
    if e["ph"] == "X":
        a = e.get("args", {})
        seen[e["name"]] = "%s:%s" % (os.path.basename(a.get("file", "?")), a.get("line", "?"))
print("\n".join("%s %s" % kv for kv in sorted(seen.items())))' "$WORK/basic.json")"
done

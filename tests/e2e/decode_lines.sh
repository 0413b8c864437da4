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
middle r_basic.c:7" "$(slice_lines "$WORK/basic.json")"
done
